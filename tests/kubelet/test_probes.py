"""Simulated kubelets: the probe workers -- initial delays, periods, thresholds, timeouts, the
startup probe gating readiness and liveness, and readiness moving a pod in its Endpoints."""

from __future__ import annotations

from typing import Any

import pytest
import trio
from kubelet_helpers import condition, is_ready, make_pod, make_probed_pod, start_nodes

from controllers.endpoint import COMPONENT, EndpointController
from controllers.kubelet import PodBehavior, ProbeScript
from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=[])

HTTP = {"httpGet": {"path": "/healthz", "port": 8080}}


def _status(pod: Object, name: str = "c") -> dict[str, Any]:
    for status in (pod.get("status") or {}).get("containerStatuses") or ():
        if status["name"] == name:
            return status
    return {}


def _restarts(pod: Object) -> int:
    return _status(pod).get("restartCount", 0)


async def _settled_nodes(cluster: ClusterHarness) -> None:
    """A node whose kubelet started over a period ago: its probe workers tick from the pod's
    add, without the random first delay of a freshly started kubelet."""
    await start_nodes(cluster, "node-1")
    await trio.sleep(10)


async def _events(cluster: ClusterHarness, name: str, reason: str) -> list[Object]:
    return [e for e in await cluster.events(involved_name=name) if e["reason"] == reason]


def test_probe_scripts_parse_and_answer() -> None:
    script = ProbeScript.parse("fail-after=30, fail-for=20,latency=2")
    assert script == ProbeScript(fail_after=30, fail_for=20, latency=2)
    assert script.answer(29.9, 5) is None
    assert script.answer(30, 6) == "failing" and script.answer(49.9, 7) == "failing"
    assert script.answer(50, 8) is None
    assert ProbeScript.parse("fail-first=3").answer(100, 3) == "failing"
    assert ProbeScript.parse("fail-first=3").answer(100, 4) is None
    assert ProbeScript.parse("never").answer(1e6, 100) == "failing"
    assert ProbeScript(pass_after=5).answer(4.9, 1) == "refused"
    assert ProbeScript.parse("pass") == ProbeScript()
    with pytest.raises(ValueError, match="bad probe script item"):
        ProbeScript.parse("fail-soon")
    pod = {"metadata": {"annotations": {"sim.minikube-py.dev/liveness-probe": "fail-first=2"}}}
    assert PodBehavior().for_pod(pod).liveness_probe == ProbeScript(fail_first=2)


async def test_readiness_initial_delay_gates_ready(cluster: ClusterHarness) -> None:
    await _settled_nodes(cluster)
    probe = {**HTTP, "initialDelaySeconds": 30}
    await make_probed_pod(
        cluster,
        "web",
        readinessProbe=probe,
    )
    added = trio.current_time()
    running = await cluster.wait_for("pods", "web", lambda p: _status(p).get("started"))
    started = trio.current_time()
    assert started - added == pytest.approx(0.6)
    assert not is_ready(running) and _status(running)["ready"] is False
    ready = await cluster.wait_for("pods", "web", is_ready)
    # not before 30 s since the start; at the first 10 s tick after it (40 s after the add)
    assert 30 <= trio.current_time() - started < 40
    assert trio.current_time() - added == pytest.approx(40)
    assert _status(ready)["ready"] is True
    assert condition(ready, "ContainersReady")["status"] == "True"
    assert not await _events(cluster, "web", "Unhealthy")  # delayed probes are not failures


async def test_readiness_thresholds(cluster: ClusterHarness) -> None:
    """The first 4 probes fail: unready until the 2nd success in a row (successThreshold 2)."""
    await _settled_nodes(cluster)
    probe = {**HTTP, "periodSeconds": 2, "successThreshold": 2}
    await make_probed_pod(
        cluster,
        "web",
        readinessProbe=probe,
        annotations={"sim.minikube-py.dev/readiness-probe": "fail-first=4"},
    )
    added = trio.current_time()
    await cluster.wait_for("pods", "web", is_ready)
    # probes at 0.6 s (the container started: triggered), then on the ticks at 2, 4, 6 s
    # (failures 2-4), 8 and 10 s (successes): ready at 10 s
    assert trio.current_time() - added == pytest.approx(10)
    [unhealthy] = await _events(cluster, "web", "Unhealthy")
    assert unhealthy["count"] == 4


async def test_readiness_flapping_moves_the_endpoints_address(cluster: ClusterHarness) -> None:
    ec = EndpointController(cluster.client, cluster.informer, cluster.recorder(COMPONENT))
    await cluster.run_controller(ec.controller())
    await _settled_nodes(cluster)
    await cluster.client.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
        }
    )
    probe = {**HTTP, "periodSeconds": 5, "failureThreshold": 1}
    created = await cluster.client.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "web",
                "namespace": "default",
                "labels": {"app": "web"},
                "annotations": {"sim.minikube-py.dev/readiness-probe": "fail-after=20,fail-for=15"},
            },
            "spec": {
                "nodeName": "node-1",
                "containers": [{"name": "c", "image": "nginx", "readinessProbe": probe}],
            },
        }
    )
    assert created["metadata"]["name"] == "web"
    added = trio.current_time()

    def addresses(key: str) -> Any:
        def check(ep: Object) -> bool:
            return any(subset.get(key) for subset in ep.get("subsets") or ())

        return check

    ready = await cluster.wait_for("endpoints", "web", addresses("addresses"))
    pod = await cluster.client.get("pods", "web", namespace="default")
    assert ready["subsets"][0]["addresses"][0]["ip"] == pod["status"]["podIP"]
    not_ready = await cluster.wait_for("endpoints", "web", addresses("notReadyAddresses"))
    # failing from 20.6 s: the tick at 25 s, failureThreshold 1
    assert trio.current_time() - added == pytest.approx(25, abs=0.1)
    assert not not_ready["subsets"][0].get("addresses")
    await cluster.wait_for("endpoints", "web", addresses("addresses"))
    # passing from 35.6 s: the tick at 40 s
    assert trio.current_time() - added == pytest.approx(40, abs=0.1)
    assert _restarts(await cluster.client.get("pods", "web", namespace="default")) == 0


async def test_startup_failure_restarts_without_liveness_probes(cluster: ClusterHarness) -> None:
    """A startup probe that never passes kills the container at its threshold, again and again;
    the liveness probe (which would fail too) never runs meanwhile."""
    await _settled_nodes(cluster)
    startup = {**HTTP, "periodSeconds": 2, "failureThreshold": 5}
    liveness = {**HTTP, "periodSeconds": 1, "failureThreshold": 1}
    await make_probed_pod(
        cluster,
        "slow",
        startupProbe=startup,
        livenessProbe=liveness,
        annotations={
            "sim.minikube-py.dev/startup-probe": "never",
            "sim.minikube-py.dev/liveness-probe": "never",
        },
    )
    added = trio.current_time()
    await cluster.wait_for("pods", "slow", lambda p: _restarts(p) == 1)
    # failures on the 2 s ticks at 2..10 s: killed at 10 s, 0.5 s to stop, 0.1 s to start
    assert trio.current_time() - added == pytest.approx(10.6)
    pod = await cluster.wait_for("pods", "slow", lambda p: _restarts(p) == 2)
    # killed again at 20 s (the ticks at 12..20 s), then 10 s of crash-loop back-off
    assert trio.current_time() - added == pytest.approx(30.6)
    assert not _status(pod)["started"] and not is_ready(pod)
    assert _status(pod)["lastState"]["terminated"]["exitCode"] == 137
    unhealthy = [e["message"] for e in await _events(cluster, "slow", "Unhealthy")]
    assert unhealthy == ["Startup probe failed: HTTP probe failed with statuscode: 500"]
    killing = {e["message"] for e in await _events(cluster, "slow", "Killing")}
    assert killing == {"Container c failed startup probe, will be restarted"}


async def test_startup_success_lets_liveness_run(cluster: ClusterHarness) -> None:
    """Startup passes at its 3rd probe; the liveness probe runs from then on, fails from 20 s
    after the start and kills the container at its threshold."""
    await _settled_nodes(cluster)
    startup = {**HTTP, "periodSeconds": 5}
    liveness = {**HTTP, "periodSeconds": 5, "failureThreshold": 2}
    await make_probed_pod(
        cluster,
        "app",
        startupProbe=startup,
        livenessProbe=liveness,
        annotations={
            "sim.minikube-py.dev/startup-probe": "fail-first=2",
            "sim.minikube-py.dev/liveness-probe": "fail-after=20",
        },
    )
    added = trio.current_time()
    started = await cluster.wait_for("pods", "app", lambda p: _status(p).get("started"))
    # startup probes on the ticks at 5 s, 10 s (failures) and 15 s (the threshold is 3)
    assert trio.current_time() - added == pytest.approx(15)
    assert is_ready(started)  # no readiness probe: ready once started
    await cluster.wait_for("pods", "app", lambda p: _restarts(p) == 1)
    # liveness failing from 20.6 s: the ticks at 25 and 30 s; killed, restarted at 30.6 s
    assert trio.current_time() - added == pytest.approx(30.6)
    messages = [e["message"] for e in await _events(cluster, "app", "Unhealthy")]
    assert messages == [
        "Startup probe failed: HTTP probe failed with statuscode: 500",
        "Liveness probe failed: HTTP probe failed with statuscode: 500",
    ]


async def test_liveness_failures_below_the_threshold_do_not_restart(
    cluster: ClusterHarness,
) -> None:
    await _settled_nodes(cluster)
    probe = {"tcpSocket": {"port": "http"}, "periodSeconds": 3}
    await make_pod(
        cluster,
        "app",
        "node-1",
        containers=[
            {
                "name": "c",
                "image": "nginx",
                "ports": [{"name": "http", "containerPort": 8080}],
                "livenessProbe": probe,
            }
        ],
        annotations={"sim.minikube-py.dev/liveness-probe": "fail-first=2"},
    )
    await cluster.wait_for("pods", "app", is_ready)
    await trio.sleep(60)
    pod = await cluster.client.get("pods", "app", namespace="default")
    assert _restarts(pod) == 0
    [unhealthy] = await _events(cluster, "app", "Unhealthy")
    assert unhealthy["count"] == 2
    assert unhealthy["message"] == (
        "Liveness probe failed: dial tcp 10.244.0.2:8080: connect: connection refused"
    )


async def test_probe_timeouts_and_probe_grace_period(cluster: ClusterHarness) -> None:
    """An application slower than timeoutSeconds fails the probe; the liveness kill waits the
    probe's own terminationGracePeriodSeconds rather than the pod's."""
    pool_behavior = {"sim.minikube-py.dev/stop-delay": "60"}
    await _settled_nodes(cluster)
    probe = {
        **HTTP,
        "timeoutSeconds": 2,
        "periodSeconds": 10,
        "failureThreshold": 1,
        "terminationGracePeriodSeconds": 4,
    }
    await make_probed_pod(
        cluster,
        "slow",
        livenessProbe=probe,
        annotations={"sim.minikube-py.dev/liveness-probe": "latency=3", **pool_behavior},
    )
    added = trio.current_time()
    await cluster.wait_for("pods", "slow", lambda p: _restarts(p) == 1)
    # the tick at 10 s times out at 12 s; killed within 4 s (not 30 s): 16 s, 0.1 s to start
    assert trio.current_time() - added == pytest.approx(16.1)
    [unhealthy] = await _events(cluster, "slow", "Unhealthy")
    assert unhealthy["message"] == (
        'Liveness probe failed: Get "http://10.244.0.2:8080/healthz": context deadline '
        "exceeded (Client.Timeout exceeded while awaiting headers)"
    )
