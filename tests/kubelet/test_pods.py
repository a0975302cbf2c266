"""Simulated kubelets: pod phases, conditions, container statuses, restarts, exits, termination."""

from __future__ import annotations

import itertools

import pytest
import trio
from kubelet_helpers import (
    condition,
    is_ready,
    make_job_pod,
    make_pod,
    make_probed_pod,
    start_nodes,
)

from controllers.kubelet import Distribution, NodePool, PodBehavior
from minikube_py.clock import parse_time
from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=[])


def _container(pod: Object, name: str = "c") -> dict:
    for status in (pod.get("status") or {}).get("containerStatuses") or ():
        if status["name"] == name:
            return status
    return {}


async def test_pod_runs_and_becomes_ready(cluster: ClusterHarness) -> None:
    pool = NodePool(
        behavior=PodBehavior(
            image_pull_delay=Distribution.fixed(1.2),
            container_start_delay=Distribution.fixed(0.3),
            readiness_delay=Distribution.fixed(5),
        )
    )
    await start_nodes(cluster, "node-1", pool=pool)
    created = await make_pod(
        cluster,
        "web",
        "node-1",
        containers=[
            {
                "name": "c",
                "image": "nginx",
                "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "200m"}},
                # the application answers from 5 s after its start (readiness_delay)
                "readinessProbe": {
                    "tcpSocket": {"port": 80},
                    "initialDelaySeconds": 5,
                    "periodSeconds": 1,
                },
            }
        ],
    )
    start = trio.current_time()
    pending = await cluster.wait_for(
        "pods", "web", lambda p: "waiting" in _container(p).get("state", {})
    )
    assert pending["status"]["phase"] == "Pending"
    assert _container(pending)["state"]["waiting"]["reason"] == "ContainerCreating"
    running = await cluster.wait_for("pods", "web", lambda p: p["status"]["phase"] == "Running")
    assert trio.current_time() - start == pytest.approx(1.5)
    status = running["status"]
    assert status["podIP"] == "10.244.0.2" and status["podIPs"] == [{"ip": "10.244.0.2"}]
    assert status["hostIP"] == "10.0.0.2" and status["hostIPs"] == [{"ip": "10.0.0.2"}]
    assert status["qosClass"] == "Burstable"
    assert status["startTime"] == created["metadata"]["creationTimestamp"]
    c = _container(running)
    assert c["containerID"].startswith("containerd://") and len(c["containerID"]) == 77
    assert c["image"] == "docker.io/library/nginx:latest"
    assert c["imageID"].startswith("docker.io/library/nginx@sha256:")
    assert c["started"] is True and c["ready"] is False and c["restartCount"] == 0
    assert "startedAt" in c["state"]["running"]
    assert not is_ready(running)
    ready = await cluster.wait_for("pods", "web", is_ready)
    # the first 1 s tick at or after 6.5 s (the worker's ticks are phased at random: the
    # kubelet started less than a period ago)
    assert 6.5 <= trio.current_time() - start < 7.5
    assert _container(ready)["ready"] is True
    kinds = [c["type"] for c in ready["status"]["conditions"]]
    assert set(kinds) == {
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
    }
    moved = parse_time(condition(ready, "Ready")["lastTransitionTime"])
    assert (moved - parse_time(status["startTime"])).total_seconds() == pytest.approx(6, abs=1)
    events = await cluster.events(involved_name="web")
    assert [(e["reason"], e["message"]) for e in events] == [
        ("Pulling", 'Pulling image "nginx"'),
        (
            "Pulled",
            'Successfully pulled image "nginx" in 1.2s (1.2s including waiting). '
            f"Image size: {events[1]['message'].split('Image size: ')[1].split(' ')[0]} bytes.",
        ),
        ("Created", "Created container: c"),
        ("Started", "Started container c"),
    ]
    assert events[0]["source"] == {"component": "kubelet", "host": "node-1"}


async def test_qos_classes_and_sequential_ips(cluster: ClusterHarness) -> None:
    await start_nodes(cluster, "node-1", "node-2")
    guaranteed = {
        "requests": {"cpu": "1", "memory": "1Gi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }
    await make_pod(cluster, "a", "node-2")
    await make_pod(
        cluster, "b", "node-2", containers=[{"name": "c", "image": "x", "resources": guaranteed}]
    )
    a = await cluster.wait_for("pods", "a", lambda p: p["status"].get("phase") == "Running")
    b = await cluster.wait_for("pods", "b", lambda p: p["status"].get("phase") == "Running")
    assert a["status"]["qosClass"] == "BestEffort"
    assert b["status"]["qosClass"] == "Guaranteed"
    assert {a["status"]["podIP"], b["status"]["podIP"]} == {"10.244.1.2", "10.244.1.3"}


async def test_init_containers_run_first_in_order(cluster: ClusterHarness) -> None:
    await start_nodes(cluster, "node-1")
    await make_pod(
        cluster,
        "p",
        "node-1",
        initContainers=[{"name": "i1", "image": "busybox"}, {"name": "i2", "image": "busybox"}],
    )
    pending = await cluster.wait_for(
        "pods", "p", lambda p: len(p["status"].get("initContainerStatuses") or ()) == 2
    )
    assert pending["status"]["phase"] == "Pending"
    assert _container(pending)["state"]["waiting"]["reason"] == "PodInitializing"
    assert condition(pending, "Initialized")["status"] == "False"
    ready = await cluster.wait_for("pods", "p", is_ready)
    inits = ready["status"]["initContainerStatuses"]
    assert [i["state"]["terminated"]["reason"] for i in inits] == ["Completed", "Completed"]
    assert (
        inits[0]["state"]["terminated"]["finishedAt"]
        <= inits[1]["state"]["terminated"]["startedAt"]
    )
    assert condition(ready, "Initialized")["status"] == "True"
    events = await cluster.events(involved_name="p")
    started = [e["message"] for e in events if e["reason"] == "Started"]
    assert started == ["Started container i1", "Started container i2", "Started container c"]


async def test_crash_loop_backoff_timings(cluster: ClusterHarness) -> None:
    await start_nodes(cluster, "node-1")
    await make_pod(cluster, "crash", "node-1", annotations={"sim.minikube-py.dev/crash-after": "5"})
    starts: list[float] = []
    last = None
    async with cluster.client.watch("pods", namespace="default") as stream:
        async for event in stream:
            c = _container(event["object"])
            running = (c.get("state") or {}).get("running")
            if running and running != last:
                last = running
                starts.append(trio.current_time())
                if len(starts) == 5:
                    break
    gaps = [round(b - a, 1) for a, b in itertools.pairwise(starts)]
    # runs 5 s, first restart immediate (plus pull/start), then back-off 10 s, 20 s, 40 s
    assert gaps == [5.1, 15.1, 25.1, 45.1], gaps
    pod = await cluster.client.get("pods", "crash", namespace="default")
    c = _container(pod)
    assert c["restartCount"] == 4
    assert c["lastState"]["terminated"]["exitCode"] == 1
    assert c["lastState"]["terminated"]["reason"] == "Error"
    await cluster.wait_for(
        "pods",
        "crash",
        lambda p: (_container(p)["state"].get("waiting") or {}).get("reason") == "CrashLoopBackOff",
    )
    events = await cluster.events(involved_name="crash")
    assert any(e["reason"] == "BackOff" and e["type"] == "Warning" for e in events)


@pytest.mark.parametrize(("code", "phase"), [(0, "Succeeded"), (3, "Failed")])
async def test_job_like_exit(cluster: ClusterHarness, code: int, phase: str) -> None:
    await start_nodes(cluster, "node-1")
    await make_pod(
        cluster,
        "job",
        "node-1",
        restartPolicy="Never" if code else "OnFailure",
        annotations={
            "sim.minikube-py.dev/crash_after": "30",
            "sim.minikube-py.dev/exit_code": str(code),
        },
    )
    done = await cluster.wait_for("pods", "job", lambda p: p["status"].get("phase") == phase)
    terminated = _container(done)["state"]["terminated"]
    assert terminated["exitCode"] == code
    assert terminated["reason"] == ("Completed" if code == 0 else "Error")
    started, finished = parse_time(terminated["startedAt"]), parse_time(terminated["finishedAt"])
    assert (finished - started).total_seconds() == 30
    assert _container(done)["restartCount"] == 0
    assert not is_ready(done)


async def test_graceful_termination_then_deletion_confirmed(cluster: ClusterHarness) -> None:
    pool = NodePool(behavior=PodBehavior(stop_delay=60))
    await start_nodes(cluster, "node-1", pool=pool)
    await make_pod(cluster, "web", "node-1", terminationGracePeriodSeconds=7)
    await cluster.wait_for("pods", "web", is_ready)
    seen: list[tuple[str, float, Object]] = []
    async with cluster.client.watch("pods", namespace="default", name="web") as stream:
        await cluster.client.delete("pods", "web", namespace="default")
        start = trio.current_time()
        async for event in stream:
            seen.append((event["type"], trio.current_time() - start, event["object"]))
            if event["type"] == "DELETED":
                break
    stopped = next(obj for kind, _, obj in seen if "terminated" in _container(obj)["state"])
    at = next(t for kind, t, obj in seen if obj is stopped)
    assert at == pytest.approx(7)
    assert _container(stopped)["state"]["terminated"]["exitCode"] == 137
    assert seen[-1][0] == "DELETED" and seen[-1][1] == pytest.approx(7)
    await cluster.wait_for_deletion("pods", "web")
    events = await cluster.events(involved_name="web")
    assert ("Killing", "Stopping container c") in [(e["reason"], e["message"]) for e in events]


async def test_quick_stop_exits_zero(cluster: ClusterHarness) -> None:
    await start_nodes(cluster, "node-1")
    await make_pod(cluster, "web", "node-1")
    await cluster.wait_for("pods", "web", is_ready)
    await cluster.client.delete("pods", "web", namespace="default")
    start = trio.current_time()
    await cluster.wait_for_deletion("pods", "web")
    assert trio.current_time() - start == pytest.approx(0.5)


async def test_image_pull_failure_and_never_ready_and_liveness(cluster: ClusterHarness) -> None:
    await start_nodes(cluster, "node-1")
    await make_pod(
        cluster, "bad", "node-1", annotations={"sim.minikube-py.dev/image-pull-failure": "true"}
    )
    probe = {"httpGet": {"path": "/", "port": 80}}
    await make_probed_pod(
        cluster,
        "lazy",
        readinessProbe=probe,
        annotations={"sim.minikube-py.dev/never-ready": "1"},
    )
    await make_probed_pod(
        cluster,
        "sick",
        livenessProbe=probe,
        annotations={"sim.minikube-py.dev/liveness-failure-after": "20"},
    )
    bad = await cluster.wait_for(
        "pods",
        "bad",
        lambda p: (
            (_container(p).get("state", {}).get("waiting") or {}).get("reason")
            == "ImagePullBackOff"
        ),
    )
    assert bad["status"]["phase"] == "Pending"
    await trio.sleep(30)
    lazy = await cluster.client.get("pods", "lazy", namespace="default")
    assert lazy["status"]["phase"] == "Running" and not is_ready(lazy)
    assert condition(lazy, "Ready")["reason"] == "ContainersNotReady"
    sick = await cluster.wait_for("pods", "sick", lambda p: _container(p)["restartCount"] >= 1)
    assert _container(sick)["lastState"]["terminated"]["exitCode"] == 137
    events = await cluster.events(involved_name="sick")
    assert "Unhealthy" in [e["reason"] for e in events]


async def test_terminal_pod_deletion_is_confirmed_at_once(cluster: ClusterHarness) -> None:
    await start_nodes(cluster, "node-1")
    await make_job_pod(
        cluster,
        "job",
        1,
    )
    await cluster.wait_for("pods", "job", lambda p: p["status"].get("phase") == "Succeeded")
    await cluster.client.delete("pods", "job", namespace="default")
    start = trio.current_time()
    await cluster.wait_for_deletion("pods", "job")
    assert trio.current_time() - start == 0


def test_behavior_overrides_from_annotations() -> None:
    base = PodBehavior(exit_code=2)
    pod = {
        "metadata": {
            "annotations": {
                "sim.minikube-py.dev/image-pull-delay": "1-3",
                "sim.minikube-py.dev/readiness_delay": "4",
                "sim.minikube-py.dev/crash-after": "30",
                "sim.minikube-py.dev/never-ready": "true",
                "sim.minikube-py.dev/exit-code": "bogus",
                "sim.minikube-py.dev/unknown": "1",
                "other/crash-after": "5",
            }
        }
    }
    behavior = base.for_pod(pod)
    assert behavior.image_pull_delay == Distribution.uniform(1, 3)
    assert behavior.readiness_delay == Distribution.fixed(4)
    assert behavior.crash_after == 30 and behavior.never_ready
    assert behavior.exit_code == 2  # malformed overrides are ignored
    assert base.for_pod({"metadata": {}}) is base


async def test_probe_initial_delays(cluster: ClusterHarness) -> None:
    """Probes are skipped while the whole seconds since the start are under
    initialDelaySeconds; the workers tick every second from the pod's add."""
    await start_nodes(cluster, "node-1")
    await trio.sleep(10)
    probe = {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 1}
    await make_pod(
        cluster,
        "slow",
        "node-1",
        containers=[
            {
                "name": "c",
                "image": "nginx",
                "startupProbe": {**probe, "initialDelaySeconds": 10},
                "readinessProbe": {**probe, "initialDelaySeconds": 15},
            }
        ],
    )
    running = await cluster.wait_for(
        "pods", "slow", lambda p: p["status"].get("phase") == "Running"
    )
    start = trio.current_time()
    assert _container(running)["started"] is False
    started = await cluster.wait_for("pods", "slow", lambda p: _container(p)["started"])
    # running from 0.6 s after the add: the first tick with 10 whole seconds since is at 11 s
    assert trio.current_time() - start == pytest.approx(10.4)
    assert not is_ready(started)
    await cluster.wait_for("pods", "slow", is_ready)
    assert trio.current_time() - start == pytest.approx(15.4)
