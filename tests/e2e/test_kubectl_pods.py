"""The real kubectl on pods' subresources: ``drain`` (evictions), ``logs`` (``-f``, ``--tail``).

No kubelet runs here: the tests make pods look bound and running themselves, and plug a fake
log source into the API server where the simulated kubelets will plug theirs.
"""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio
from kubectl_harness import KUBECTL, Kubectl

from minikube_py.errors import BadRequest
from minikube_py.objects import Object
from minikube_py.podlogs import LogOptions


class FakeLogs:
    """Three lines per container, then (following) whatever the test sends."""

    def __init__(self) -> None:
        self.send, self.receive = trio.open_memory_channel[bytes](10)
        self.asked: list[LogOptions] = []
        self.closed = False

    async def logs(self, pod: Object, options: LogOptions) -> AsyncIterator[bytes]:
        self.asked.append(options)
        if (pod.get("status") or {}).get("phase") != "Running":
            raise BadRequest(
                f'container "{options.container}" in pod "{pod["metadata"]["name"]}" is '
                "waiting to start: ContainerCreating"
            )
        lines = [f"{options.container} line {i}\n".encode() for i in (1, 2, 3)]
        if options.tail_lines is not None:
            lines = lines[len(lines) - options.tail_lines :] if options.tail_lines else []
        for line in lines:
            yield line
        if options.follow:
            try:
                async for chunk in self.receive:
                    yield chunk
            finally:
                self.closed = True


async def running_pod(
    kubectl: Kubectl, name: str, node: str = "node-1", *, containers: tuple[str, ...] = ("c",)
) -> None:
    client = kubectl.cluster.client()
    await client.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {"containers": [{"name": c, "image": "nginx"} for c in containers]},
        }
    )
    await client.bind(name, node)
    status = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    await client.patch("pods", name, {"status": status}, subresource="status")


async def node(kubectl: Kubectl, name: str = "node-1") -> None:
    await kubectl.cluster.client().create(
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}
    )


async def test_drain_evicts_the_pods_of_the_node(kubectl: Kubectl) -> None:
    await node(kubectl)
    await node(kubectl, "node-2")
    await running_pod(kubectl, "a")
    await running_pod(kubectl, "b")
    await running_pod(kubectl, "elsewhere", "node-2")
    result = await kubectl("drain", "node-1", "--force", "--grace-period=0", "--timeout=15s")
    assert "node/node-1 cordoned" in result.stdout
    assert "evicting pod default/a" in result.stderr + result.stdout
    assert "pod/a evicted" in result.stdout and "pod/b evicted" in result.stdout
    assert "node/node-1 drained" in result.stdout
    client = kubectl.cluster.client()
    names = [p["metadata"]["name"] for p in (await client.list("pods"))["items"]]
    assert names == ["elsewhere"]
    assert (await client.get("nodes", "node-1"))["spec"]["unschedulable"] is True


async def test_drain_respects_a_pod_disruption_budget(kubectl: Kubectl) -> None:
    await node(kubectl)
    await running_pod(kubectl, "a")
    client = kubectl.cluster.client()
    budget = await client.create(
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "keep"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "minAvailable": 1},
        }
    )
    budget["status"] = {
        "observedGeneration": 1,
        "disruptionsAllowed": 0,
        "currentHealthy": 1,
        "desiredHealthy": 1,
        "expectedPods": 1,
    }
    await client.update(budget, subresource="status")
    result = await kubectl(
        "drain", "node-1", "--force", "--grace-period=0", "--timeout=2s", check=False
    )
    assert result.returncode != 0
    assert "Cannot evict pod as it would violate the pod's disruption budget." in result.stderr
    assert (await client.get("pods", "a"))["metadata"].get("deletionTimestamp") is None


async def test_evict_dry_run_over_http(kubectl: Kubectl) -> None:
    await node(kubectl)
    await running_pod(kubectl, "a")
    result = await kubectl("drain", "node-1", "--force", "--dry-run=server")
    assert "evicting pod default/a (server dry run)" in result.stdout
    assert "node/node-1 drained (server dry run)" in result.stdout
    client = kubectl.cluster.client()
    assert "deletionTimestamp" not in (await client.get("pods", "a"))["metadata"]
    assert not (await client.get("nodes", "node-1")).get("spec", {}).get("unschedulable")


async def test_logs_and_tail(kubectl: Kubectl) -> None:
    source = FakeLogs()
    kubectl.cluster.server.log_source = source
    await running_pod(kubectl, "web")
    assert (await kubectl("logs", "web")).stdout == "c line 1\nc line 2\nc line 3\n"
    assert (await kubectl("logs", "web", "--tail=1")).stdout == "c line 3\n"
    assert source.asked[-1].tail_lines == 1


async def test_logs_errors_are_the_servers(kubectl: Kubectl) -> None:
    kubectl.cluster.server.log_source = FakeLogs()
    await running_pod(kubectl, "two", containers=("a", "b"))
    client = kubectl.cluster.client()
    await client.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "waiting"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        }
    )
    await client.bind("waiting", "node-1")
    result = await kubectl("logs", "waiting", check=False)
    assert result.returncode != 0
    assert result.stderr.strip() == (
        'Error from server (BadRequest): container "c" in pod "waiting" is waiting to start: '
        "ContainerCreating"
    )
    result = await kubectl("logs", "two", "-c", "nope", check=False)
    assert "container nope is not valid for pod two" in result.stderr
    assert (await kubectl("logs", "two", "-c", "b")).stdout.startswith("b line 1")


async def test_logs_follow_streams_as_lines_come(kubectl: Kubectl) -> None:
    source = FakeLogs()
    kubectl.cluster.server.log_source = source
    await running_pod(kubectl, "web")
    command = [
        KUBECTL,
        f"--kubeconfig={kubectl.kubeconfig}",
        f"--cache-dir={kubectl.cache}",
        "logs",
        "-f",
        "web",
    ]
    received = bytearray()
    proc = await trio.lowlevel.open_process(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        with trio.fail_after(15):
            while b"c line 3\n" not in received:
                received += await proc.stdout.receive_some()
            await source.send.send(b"c line 4\n")
            while b"c line 4\n" not in received:
                received += await proc.stdout.receive_some()
            source.send.close()  # the container ends: so does kubectl logs -f
            while chunk := await proc.stdout.receive_some():
                received += chunk
            assert await proc.wait() == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert bytes(received) == b"c line 1\nc line 2\nc line 3\nc line 4\n"
    assert source.asked[-1].follow


async def test_logs_default_container_annotation_is_kubectls(kubectl: Kubectl) -> None:
    kubectl.cluster.server.log_source = FakeLogs()
    client = kubectl.cluster.client()
    await client.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": "two",
                "annotations": {"kubectl.kubernetes.io/default-container": "b"},
            },
            "spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]},
        }
    )
    await client.bind("two", "node-1")
    await client.patch("pods", "two", {"status": {"phase": "Running"}}, subresource="status")
    assert (await kubectl("logs", "two")).stdout.startswith("b line 1")


async def test_binding_and_eviction_over_raw_http(kubectl: Kubectl, tmp_path: Path) -> None:
    client = kubectl.cluster.client()
    await client.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        }
    )
    binding = tmp_path / "binding.json"
    binding.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Binding",
                "metadata": {"name": "web"},
                "target": {"kind": "Node", "name": "node-1"},
            }
        )
    )
    path = "/api/v1/namespaces/default/pods/web/binding"
    result = await kubectl("create", "--raw", path, "-f", str(binding))
    assert json.loads(result.stdout) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }
    again = await kubectl("create", "--raw", path, "-f", str(binding), check=False)
    assert again.returncode != 0
    assert 'pod web is already assigned to node \\"node-1\\"' in again.stderr or (
        'pod web is already assigned to node "node-1"' in again.stderr
    )
    assert (await client.get("pods", "web"))["spec"]["nodeName"] == "node-1"


async def test_events_of_both_apis_with_kubectl(kubectl: Kubectl) -> None:
    client = kubectl.cluster.client()
    await client.create(
        {
            "apiVersion": "events.k8s.io/v1",
            "kind": "Event",
            "metadata": {"name": "web.1"},
            "eventTime": "2026-01-01T00:00:00.000000Z",
            "reportingController": "example.com/ctl",
            "reportingInstance": "ctl-0",
            "action": "Poke",
            "reason": "Poked",
            "regarding": {"kind": "Pod", "namespace": "default", "name": "web"},
            "note": "poked the pod",
            "type": "Normal",
        }
    )
    core = await kubectl.json("get", "events", "web.1")
    assert core["message"] == "poked the pod"
    assert core["involvedObject"]["name"] == "web"
    table = (await kubectl("get", "events.events.k8s.io")).stdout
    assert "web.1" in table or "Poked" in table
    assert "poked the pod" in (await kubectl("get", "events")).stdout


async def test_drain_reports_a_pod_under_two_budgets(kubectl: Kubectl) -> None:
    await node(kubectl)
    await running_pod(kubectl, "a")
    client = kubectl.cluster.client()
    for name, selector in (("one", {"matchLabels": {"app": "web"}}), ("two", {})):
        await client.create(
            {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": {"name": name},
                "spec": {"selector": selector, "maxUnavailable": 1},
            }
        )
    result = await kubectl(
        "drain", "node-1", "--force", "--grace-period=0", "--timeout=3s", check=False
    )
    assert result.returncode != 0
    assert (
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does "
        "not support." in result.stderr
    )
    assert "deletionTimestamp" not in (await client.get("pods", "a"))["metadata"]


async def test_drain_with_a_budget_kept_by_the_disruption_controller(kubectl: Kubectl) -> None:
    await node(kubectl)
    for name in ("a", "b"):
        await running_pod(kubectl, name)
    await kubectl(
        "create", "poddisruptionbudget", "keep", "--selector=app=web", "--min-available=1"
    )
    with trio.fail_after(10):
        while True:
            budget = await kubectl.json("get", "pdb", "keep")
            if (budget.get("status") or {}).get("disruptionsAllowed") == 1:
                break
            await trio.sleep(0.05)
    table = (await kubectl("get", "pdb", "keep")).stdout.splitlines()
    assert table[0].split() == [
        "NAME",
        "MIN",
        "AVAILABLE",
        "MAX",
        "UNAVAILABLE",
        "ALLOWED",
        "DISRUPTIONS",
        "AGE",
    ]
    assert table[1].split()[:4] == ["keep", "1", "N/A", "1"]
    result = await kubectl(
        "drain", "node-1", "--force", "--grace-period=0", "--timeout=4s", check=False
    )
    # one pod may go; the budget then allows no more, and the drain gives up
    assert result.returncode != 0
    assert "Cannot evict pod as it would violate the pod's disruption budget." in result.stderr
    pods = (await kubectl.cluster.client().list("pods"))["items"]
    assert len(pods) == 1


async def test_logs_options_reach_the_node(kubectl: Kubectl) -> None:
    source = FakeLogs()
    kubectl.cluster.server.log_source = source
    await running_pod(kubectl, "web")
    await kubectl("logs", "web", "--since=2m", "--timestamps", "--limit-bytes=100", "-c", "c")
    options = source.asked[-1]
    assert (options.container, options.since_seconds, options.timestamps) == ("c", 120, True)
    assert options.limit_bytes == 100 and not options.follow and not options.previous
    await kubectl("logs", "web", "--tail=-1")  # kubectl's "all": no tailLines sent
    assert source.asked[-1].tail_lines is None
    result = await kubectl("logs", "web", "--since-time=yesterday", check=False)
    assert result.returncode != 0


async def test_logs_follow_interrupted_stops_the_source(
    kubectl: Kubectl, caplog: pytest.LogCaptureFixture
) -> None:
    source = FakeLogs()
    kubectl.cluster.server.log_source = source
    await running_pod(kubectl, "web")
    command = [
        KUBECTL,
        f"--kubeconfig={kubectl.kubeconfig}",
        f"--cache-dir={kubectl.cache}",
        "logs",
        "-f",
        "web",
    ]
    proc = await trio.lowlevel.open_process(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    received = bytearray()
    with trio.fail_after(15):
        while b"c line 3\n" not in received:
            received += await proc.stdout.receive_some()
        proc.kill()  # Ctrl-C
        await proc.wait()
        # the next line finds the client gone: the source is stopped, quietly
        while not source.closed:
            await source.send.send(b"c line 4\n")
            await trio.sleep(0.05)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert (await kubectl("get", "pods")).returncode == 0
