"""The volume plugins inside a whole cluster (the process's shared informers, simulated
kubelets): a pod with a local volume lands where the volume is and runs."""

from __future__ import annotations

import pytest
from scheduler_harness import pod, wait_bound
from test_pv_controller import start
from volume_harness import claim_volume, pv, pvc, storage_class

pytestmark = pytest.mark.cluster(controllers=[], nodes=3)


async def test_pod_with_a_local_volume_runs_on_the_volumes_node(cluster):
    await start(cluster)
    await cluster.client.create(storage_class("local"))
    await cluster.client.create(
        pv("local", storage_class="local", node_affinity={"kubernetes.io/hostname": ["node-2"]})
    )
    await cluster.client.create(pvc("data", storage_class="local"))
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    assert await wait_bound(cluster, "p") == "node-2"
    running = await cluster.wait_for(
        "pods", "p", lambda p: (p.get("status") or {}).get("phase") == "Running"
    )
    assert running["spec"]["nodeName"] == "node-2"
    assert cluster.unexpected_errors() == []
