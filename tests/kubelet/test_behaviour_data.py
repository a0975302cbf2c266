"""Simulated kubelets: behaviour as data (lognormal delays, the readiness / liveness / startup
probe shorthands, init container failures, crash-loop back-off expiry), the node's image list
(``status.images``, image presence for ``IfNotPresent``), control-plane pools, and the NodeSet's
lazily started pod informer."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest
import trio
from kubelet_helpers import condition, is_ready, make_pod, make_probed_pod, start_nodes

from controllers.kubelet import Distribution, NodePool, PodBehavior
from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=[])


def test_lognormal_distribution_is_seeded_and_capped() -> None:
    dist = Distribution.parse("lognormal:2,0.5")
    assert dist == Distribution.lognormal(2, 0.5)
    samples = [dist.sample(random.Random(7)) for _ in range(3)]
    assert samples[0] == samples[1] == samples[2]  # one seed, one value
    many = sorted(dist.sample(rng) for rng in [random.Random(1)] for _ in range(2001))
    assert many[1000] == pytest.approx(2, rel=0.1)  # the median
    assert min(many) > 0
    capped = Distribution.parse("lognormal:2,3,5")
    rng = random.Random(3)
    assert max(capped.sample(rng) for _ in range(500)) == 5
    for bad in ("lognormal:0,1", "lognormal:1", "lognormal:1,-1"):
        with pytest.raises(ValueError, match="lognormal"):
            Distribution.parse(bad)
    pod = {"metadata": {"annotations": {"sim.minikube-py.dev/image-pull-delay": "lognormal:1,0.2"}}}
    assert PodBehavior().for_pod(pod).image_pull_delay == Distribution.lognormal(1, 0.2)


async def test_readiness_failure_schedule(cluster: ClusterHarness) -> None:
    """``readiness_failure_after`` / ``_duration``: the readiness probe fails from 30 s after the
    start for 20 s; the pod turns NotReady at the failureThreshold-th failure and Ready again at
    the next success -- on the worker's 5 s ticks, without a restart."""
    await start_nodes(cluster, "node-1")
    await trio.sleep(10)  # past the kubelet's start: the probe workers tick from the pod's add
    probe = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5}
    await make_pod(
        cluster,
        "flaky",
        "node-1",
        containers=[{"name": "c", "image": "nginx", "readinessProbe": {**probe}}],
        annotations={
            "sim.minikube-py.dev/readiness-failure-after": "30",
            "sim.minikube-py.dev/readiness-failure-duration": "20",
        },
    )
    added = trio.current_time()
    await cluster.wait_for("pods", "flaky", is_ready)
    assert trio.current_time() - added == pytest.approx(0.6)  # started at 0.6, probed at once
    await cluster.wait_for("pods", "flaky", lambda p: not is_ready(p))
    # failing from 30.6 s: failures on the ticks at 35, 40 and 45 s, the third is the threshold
    assert trio.current_time() - added == pytest.approx(45)
    unready = await cluster.client.get("pods", "flaky", namespace="default")
    status = unready["status"]["containerStatuses"][0]
    assert status["restartCount"] == 0 and "running" in status["state"]
    assert not status["ready"] and status["started"]
    assert unready["status"]["phase"] == "Running"
    events = await cluster.events(involved_name="flaky")
    unhealthy = [e for e in events if e["reason"] == "Unhealthy"]
    assert len(unhealthy) == 1 and unhealthy[0]["type"] == "Warning"
    assert unhealthy[0]["message"] == (
        "Readiness probe failed: HTTP probe failed with statuscode: 500"
    )
    assert unhealthy[0]["involvedObject"]["fieldPath"] == "spec.containers{c}"
    await cluster.wait_for("pods", "flaky", is_ready)
    # passing again from 50.6 s: the tick at 55 s
    assert trio.current_time() - added == pytest.approx(55)


async def test_node_reports_its_images(cluster: ClusterHarness) -> None:
    pool = NodePool(images=["registry.k8s.io/pause:3.10", "busybox:1.36"])
    await start_nodes(cluster, "node-1", pool=pool)
    node = await cluster.client.get("nodes", "node-1")
    names = [entry["names"][1] for entry in node["status"]["images"]]
    assert set(names) == {"registry.k8s.io/pause:3.10", "docker.io/library/busybox:1.36"}
    sizes = [entry["sizeBytes"] for entry in node["status"]["images"]]
    assert sizes == sorted(sizes, reverse=True)
    assert all(entry["names"][0].split("@sha256:")[1] for entry in node["status"]["images"])

    # busybox:1.36 is present and IfNotPresent (a tagged image): no pull
    await make_pod(cluster, "cached", "node-1", containers=[{"name": "c", "image": "busybox:1.36"}])
    await cluster.wait_for("pods", "cached", is_ready)
    reasons = [(e["reason"], e["message"]) for e in await cluster.events(involved_name="cached")]
    assert ("Pulled", 'Container image "busybox:1.36" already present on machine') in reasons
    assert "Pulling" not in [reason for reason, _ in reasons]

    # nginx (":latest", Always) is pulled, then listed at the next status sync (within 10.4 s)
    await make_pod(cluster, "web", "node-1")
    pulled = trio.current_time()
    node = await cluster.wait_for(
        "nodes",
        "node-1",
        lambda n: (
            "docker.io/library/nginx:latest"
            in [entry["names"][1] for entry in n["status"]["images"]]
        ),
    )
    assert trio.current_time() - pulled <= 10.5
    running = await cluster.client.get("pods", "web", namespace="default")
    image_id = running["status"]["containerStatuses"][0]["imageID"]
    assert image_id in [entry["names"][0] for entry in node["status"]["images"]]


async def test_control_plane_pool(cluster: ClusterHarness) -> None:
    nodes = await start_nodes(cluster, "worker-1")
    await nodes.add_started(pool=NodePool.control_plane(zone="zone-c"))
    node = await cluster.client.get("nodes", "control-plane-2")
    assert node["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] == ""
    assert node["metadata"]["labels"]["topology.kubernetes.io/zone"] == "zone-c"
    assert node["spec"]["taints"] == [
        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
    ]
    worker = await cluster.client.get("nodes", "worker-1")
    assert "taints" not in worker["spec"]


async def test_crash_loop_backoff_expires_after_long_runs(cluster: ClusterHarness) -> None:
    """A container that ran over 10 minutes (twice the maximum back-off) since its last exit
    restarts at once: the back-off entry expired, as flowcontrol.Backoff's."""
    await start_nodes(cluster, "node-1")
    await make_pod(
        cluster, "slow", "node-1", annotations={"sim.minikube-py.dev/crash-after": "650"}
    )
    starts: list[float] = []
    last = None
    async with cluster.client.watch("pods", namespace="default") as stream:
        async for event in stream:
            statuses = event["object"]["status"].get("containerStatuses") or [{}]
            running = (statuses[0].get("state") or {}).get("running")
            if running and running != last:
                last = running
                starts.append(trio.current_time())
                if len(starts) == 4:
                    break
    gaps = [round(b - a, 1) for a, b in itertools.pairwise(starts)]
    assert gaps == [650.1, 650.1, 650.1], gaps
    events = await cluster.events(involved_name="slow")
    assert "BackOff" not in [e["reason"] for e in events]


def _init_status(pod: Object) -> dict[str, Any]:
    return (pod["status"].get("initContainerStatuses") or [{}])[0]


async def test_init_container_failure_fails_a_never_pod(cluster: ClusterHarness) -> None:
    await start_nodes(cluster, "node-1")
    await make_pod(
        cluster,
        "p",
        "node-1",
        restartPolicy="Never",
        initContainers=[{"name": "init", "image": "busybox"}],
        annotations={"sim.minikube-py.dev/init-exit-code": "2"},
    )
    failed = await cluster.wait_for("pods", "p", lambda p: p["status"].get("phase") == "Failed")
    terminated = _init_status(failed)["state"]["terminated"]
    assert terminated["exitCode"] == 2 and terminated["reason"] == "Error"
    initialized = condition(failed, "Initialized")
    assert initialized["status"] == "False"
    assert initialized["reason"] == "ContainersNotInitialized"
    main = failed["status"]["containerStatuses"][0]
    assert main["state"] == {"waiting": {"reason": "PodInitializing"}}
    started = [
        e["message"] for e in await cluster.events(involved_name="p") if e["reason"] == "Started"
    ]
    assert started == ["Started container init"]


async def test_init_container_failure_crash_loops(cluster: ClusterHarness) -> None:
    await start_nodes(cluster, "node-1")
    await make_pod(
        cluster,
        "p",
        "node-1",
        initContainers=[{"name": "init", "image": "busybox"}],
        annotations={"sim.minikube-py.dev/init-exit-code": "1"},
    )
    looping = await cluster.wait_for(
        "pods",
        "p",
        lambda p: (
            (_init_status(p).get("state", {}).get("waiting") or {}).get("reason")
            == "CrashLoopBackOff"
        ),
    )
    init = _init_status(looping)
    assert init["restartCount"] == 1
    assert init["lastState"]["terminated"]["exitCode"] == 1
    assert looping["status"]["phase"] == "Pending"
    assert "back-off 10s restarting failed container=init" in init["state"]["waiting"]["message"]
    await trio.sleep(120)
    pod = await cluster.client.get("pods", "p", namespace="default")
    assert _init_status(pod)["restartCount"] >= 4
    assert pod["status"]["containerStatuses"][0]["restartCount"] == 0
    assert not is_ready(pod)


async def test_liveness_failures_reach_the_threshold_then_kill(cluster: ClusterHarness) -> None:
    await start_nodes(cluster, "node-1")
    await trio.sleep(10)
    probe = {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5, "failureThreshold": 4}
    await make_probed_pod(
        cluster,
        "sick",
        livenessProbe=probe,
        annotations={"sim.minikube-py.dev/liveness-failure-after": "30"},
    )
    added = trio.current_time()
    running = await cluster.wait_for("pods", "sick", is_ready)
    assert running["status"]["containerStatuses"][0]["restartCount"] == 0
    restarted = await cluster.wait_for(
        "pods", "sick", lambda p: p["status"]["containerStatuses"][0]["restartCount"] == 1
    )
    # started at 0.6 s, failing from 30.6 s: failures on the ticks at 35, 40, 45 and 50 s;
    # killed at the 4th, 0.5 s to stop, restarted at once (the image is there: 0.1 s to start)
    last = restarted["status"]["containerStatuses"][0]["lastState"]["terminated"]
    assert last["exitCode"] == 137
    assert trio.current_time() - added == pytest.approx(50.6)
    events = await cluster.events(involved_name="sick")
    unhealthy = [e for e in events if e["reason"] == "Unhealthy"]
    assert len(unhealthy) == 1 and unhealthy[0]["count"] == 4  # aggregated, as upstream
    killing = [e["message"] for e in events if e["reason"] == "Killing"]
    assert killing == ["Container c failed liveness probe, will be restarted"]


async def test_startup_probe_that_never_passes(cluster: ClusterHarness) -> None:
    await start_nodes(cluster, "node-1")
    await trio.sleep(10)
    probe = {"exec": {"command": ["cat", "/tmp/ready"]}, "initialDelaySeconds": 5}
    await make_probed_pod(
        cluster,
        "slow",
        startupProbe=probe,
        annotations={"sim.minikube-py.dev/startup-failure": "true"},
    )
    added = trio.current_time()
    running = await cluster.wait_for("pods", "slow", lambda p: p["status"]["phase"] == "Running")
    status = running["status"]["containerStatuses"][0]
    assert not status["started"] and not status["ready"] and "running" in status["state"]
    restarted = await cluster.wait_for(
        "pods", "slow", lambda p: p["status"]["containerStatuses"][0]["restartCount"] == 1
    )
    # failures on the 10 s ticks at 10, 20, 30 s (period 10 s, threshold 3): killed at 30 s,
    # 0.5 s to stop, 0.1 s to start again
    assert trio.current_time() - added == pytest.approx(30.6)
    assert not is_ready(restarted)
    events = await cluster.events(involved_name="slow")
    messages = {(e["reason"], e["message"]) for e in events}
    assert ("Unhealthy", "Startup probe failed: ") in messages  # the command printed nothing
    assert ("Killing", "Container c failed startup probe, will be restarted") in messages


async def test_an_empty_node_set_watches_nothing_until_a_node_is_added(
    cluster: ClusterHarness,
) -> None:
    await make_pod(cluster, "early", "late-node")  # bound before its node exists
    nodes = await start_nodes(cluster)
    assert not nodes._informer_started  # no nodes: no pod watch
    await nodes.add_started("late-node")
    assert nodes._informer_started
    await cluster.wait_for("pods", "early", is_ready)
