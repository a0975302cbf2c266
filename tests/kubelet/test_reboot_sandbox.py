"""Simulated kubelets: after a node reboot a pod still bound to the node gets a new sandbox
(``SandboxChanged``, a new IP) and runs its init containers again before its containers, as
``computePodActions`` does when the sandbox changed."""

from __future__ import annotations

from typing import Any

import pytest
import trio
from kubelet_helpers import condition, is_ready, make_job_pod, make_pod, start_nodes

from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=[])


def _inits(pod: Object) -> list[dict[str, Any]]:
    return pod["status"].get("initContainerStatuses") or []


def _main(pod: Object) -> dict[str, Any]:
    return pod["status"]["containerStatuses"][0]


async def test_init_containers_run_again_after_a_reboot(cluster: ClusterHarness) -> None:
    nodes = await start_nodes(cluster, "node-1")
    await make_pod(
        cluster,
        "p",
        "node-1",
        initContainers=[{"name": "i1", "image": "busybox"}, {"name": "i2", "image": "busybox"}],
    )
    before = await cluster.wait_for("pods", "p", is_ready)
    nodes.kill("node-1")
    await trio.sleep(30)
    seen: list[Object] = []
    async with cluster.client.watch("pods", namespace="default", name="p") as stream:
        await nodes.restart_started("node-1")
        async for event in stream:
            seen.append(event["object"])
            if is_ready(event["object"]) and _main(event["object"])["restartCount"] == 1:
                break
    after = seen[-1]
    # every init container ran again: a restart each, the last run Completed as the first
    assert [i["restartCount"] for i in _inits(after)] == [1, 1]
    for status in _inits(after):
        assert status["state"]["terminated"]["reason"] == "Completed"
        assert status["lastState"]["terminated"]["reason"] == "Completed"
        assert status["containerID"] != next(
            i["containerID"] for i in _inits(before) if i["name"] == status["name"]
        )
    # the container was gone with the node (255, Unknown) and started after them
    last = _main(after)["lastState"]["terminated"]
    assert last["exitCode"] == 255 and last["reason"] == "Unknown"
    assert (
        _main(after)["state"]["running"]["startedAt"]
        >= _inits(after)[1]["state"]["terminated"]["finishedAt"]
    )
    # while the init containers ran again the pod was not initialized, its container waiting
    rerun = next(p for p in seen if (_inits(p)[0].get("state") or {}).get("running"))
    assert condition(rerun, "Initialized")["status"] == "False"
    assert _main(rerun)["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert not is_ready(rerun)
    # a new sandbox: a new pod IP
    assert after["status"]["podIP"] != before["status"]["podIP"]
    events = await cluster.events(involved_name="p")
    changed = [e for e in events if e["reason"] == "SandboxChanged"]
    assert [e["message"] for e in changed] == [
        "Pod sandbox changed, it will be killed and re-created."
    ]
    assert "fieldPath" not in changed[0]["involvedObject"]
    started = {e["message"]: e["count"] for e in events if e["reason"] == "Started"}
    assert started == {
        "Started container i1": 2,
        "Started container i2": 2,
        "Started container c": 2,
    }


async def test_a_finished_pod_is_not_run_again_after_a_reboot(cluster: ClusterHarness) -> None:
    nodes = await start_nodes(cluster, "node-1")
    await make_job_pod(
        cluster,
        "job",
        5,
        initContainers=[{"name": "i1", "image": "busybox"}],
    )
    done = await cluster.wait_for("pods", "job", lambda p: p["status"].get("phase") == "Succeeded")
    nodes.kill("node-1")
    await nodes.restart_started("node-1")
    await trio.sleep(30)
    pod = await cluster.client.get("pods", "job", namespace="default")
    assert pod["status"] == done["status"]


async def test_a_never_pod_that_ran_fails_after_a_reboot(cluster: ClusterHarness) -> None:
    """No new sandbox for a pod that must not restart: its container stays dead, it fails."""
    nodes = await start_nodes(cluster, "node-1")
    await make_pod(cluster, "once", "node-1", restartPolicy="Never")
    await cluster.wait_for("pods", "once", is_ready)
    nodes.kill("node-1")
    await nodes.restart_started("node-1")
    failed = await cluster.wait_for(
        "pods", "once", lambda p: p["status"].get("phase") == "Failed", timeout=5
    )
    terminated = _main(failed)["state"]["terminated"]
    assert terminated["exitCode"] == 255 and terminated["reason"] == "Unknown"
    assert _main(failed)["restartCount"] == 0 and not is_ready(failed)
    assert condition(failed, "Ready")["reason"] == "PodFailed"
    reasons = [e["reason"] for e in await cluster.events(involved_name="once")]
    assert "SandboxChanged" not in reasons and reasons.count("Started") == 1
