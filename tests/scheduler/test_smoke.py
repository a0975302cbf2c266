import pytest
from scheduler_harness import create_nodes, node, pod, start_scheduler, wait_bound

pytestmark = pytest.mark.cluster(controllers=[])


async def test_binds_a_pod(cluster):
    await create_nodes(cluster, node("n1"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", cpu="1"))
    assert await wait_bound(cluster, "p") == "n1"
    events = await cluster.events(namespace="default", involved_name="p")
    print([(e["reason"], e["message"], e["source"]) for e in events])
