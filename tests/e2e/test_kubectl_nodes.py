"""Nodes, scheduling and kubelets seen through the real kubectl and the ``minikube-py node`` CLI.

The emulator runs as ``minikube-py start`` runs it (scheduler, simulated kubelets, the node
operations extension), on a clock 20 times faster than the wall clock so that a node's
50-second grace period passes in a few seconds; the kubectl commands are the ones an operator
types on a real cluster.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio
from kubectl_harness import KUBECTL, Kubectl

from apiserver.http.server import HTTPServer
from apiserver.storage import StoreConfig
from minikube_py import cli
from minikube_py.cluster import Cluster
from minikube_py.node_operations import NodeOperations

SCALE = 20.0


@pytest.fixture
def scaled_clock() -> cli.ScaledClock:
    # pytest-trio runs a test on the Clock among *its own* arguments: every test asks for this
    return cli.ScaledClock(SCALE)


@pytest.fixture
async def kubectl(tmp_path: Path, scaled_clock: cli.ScaledClock) -> AsyncIterator[Kubectl]:
    if not Path(KUBECTL).exists():
        pytest.skip("kubectl is not installed")
    cluster = Cluster(
        seed=3,
        nodes=2,
        store=StoreConfig(compaction_interval=None, progress_notify_interval=None),
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(cluster.run)
        extensions = {"nodes": NodeOperations(cluster.nodes)}
        port = await nursery.start(HTTPServer(cluster.server, extensions=extensions).run)
        kubeconfig = tmp_path / "kubeconfig"
        cli.write_kubeconfig(kubeconfig, f"http://127.0.0.1:{port}", merge=False)
        harness = Kubectl(kubeconfig, tmp_path / "cache", cluster)
        harness.time_scale = SCALE
        yield harness
        nursery.cancel_scope.cancel()


async def eventually(kubectl: Kubectl, args: tuple[str, ...], pattern: str) -> str:
    """Run ``kubectl args`` until its output matches ``pattern`` (within 30 s of wall time)."""
    out = ""
    with trio.move_on_after(30 * SCALE):
        while True:
            out = (await kubectl(*args, check=False)).stdout
            if re.search(pattern, out, re.MULTILINE):
                return out
            await trio.sleep(0.2 * SCALE)
    raise AssertionError(f"kubectl {' '.join(args)} never matched {pattern!r}:\n{out}")


POD = """
apiVersion: v1
kind: Pod
metadata:
  name: hello
spec:
  containers:
  - name: app
    image: nginx:1.27
"""


async def test_get_and_describe_nodes(kubectl: Kubectl, scaled_clock: cli.ScaledClock) -> None:
    out = await eventually(kubectl, ("get", "nodes"), r"node-2\s+Ready")
    assert re.search(r"^node-1\s+Ready\s+<none>\s+\S+\s+v1\.32\.0$", out, re.MULTILINE), out
    wide = (await kubectl("get", "nodes", "-o", "wide")).stdout
    assert re.search(r"node-1\s+Ready.*10\.\d+\.\d+\.\d+.*containerd://", wide), wide
    described = (await kubectl("describe", "node", "node-1")).stdout
    assert re.search(r"Ready\s+True\s+.*KubeletReady\s+kubelet is posting ready status", described)
    assert re.search(r"MemoryPressure\s+False", described)
    assert "Capacity:" in described and "Allocatable:" in described
    assert re.search(r"Lease:\s*\n\s+HolderIdentity:\s+node-1", described), described
    assert "Allocated resources:" in described
    assert "PodCIDR:" in described


async def test_a_pod_is_scheduled_runs_and_logs(
    kubectl: Kubectl, scaled_clock: cli.ScaledClock
) -> None:
    await kubectl("apply", "-f", "-", input=POD)
    await eventually(kubectl, ("get", "pod", "hello"), r"hello\s+1/1\s+Running")
    wide = (await kubectl("get", "pod", "hello", "-o", "wide")).stdout
    assert re.search(r"hello\s+1/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+node-\d", wide), wide
    described = await eventually(kubectl, ("describe", "pod", "hello"), r"Started")
    for reason in ("Scheduled", "Pulling", "Pulled", "Created", "Started"):
        assert re.search(rf"Normal\s+{reason}\s", described), (reason, described)
    assert re.search(r"Successfully assigned default/hello to node-\d", described)
    logs = (await kubectl("logs", "hello")).stdout
    assert logs.strip(), "the simulated container writes a log"
    assert len((await kubectl("logs", "hello", "--tail=1")).stdout.splitlines()) == 1
    await kubectl("delete", "pod", "hello", "--wait=true")
    assert "NotFound" in (await kubectl("get", "pod", "hello", check=False)).stderr
    events = (await kubectl("get", "events", "--field-selector=involvedObject.name=hello")).stdout
    assert re.search(r"Normal\s+Killing\s+pod/hello\s+Stopping container app", events), events


async def test_cordon_drain_uncordon(kubectl: Kubectl, scaled_clock: cli.ScaledClock) -> None:
    await eventually(kubectl, ("get", "nodes"), r"node-2\s+Ready")
    await kubectl("create", "deployment", "web", "--image=nginx", "--replicas=4")
    await eventually(kubectl, ("get", "deploy", "web"), r"web\s+4/4")
    await kubectl("cordon", "node-1")
    out = (await kubectl("get", "node", "node-1")).stdout
    assert re.search(r"node-1\s+Ready,SchedulingDisabled", out), out
    drained = await kubectl("drain", "node-1", "--ignore-daemonsets", "--timeout=60s")
    assert "node/node-1 drained" in drained.stdout
    await eventually(kubectl, ("get", "deploy", "web"), r"web\s+4/4")
    pods = await kubectl.json("get", "pods", "-l", "app=web")
    assert {p["spec"]["nodeName"] for p in pods["items"]} == {"node-2"}
    await kubectl("uncordon", "node-1")
    out = (await kubectl("get", "node", "node-1")).stdout
    assert re.search(r"node-1\s+Ready\s", out), out


async def test_minikube_py_node_kill_and_restart(
    kubectl: Kubectl, scaled_clock: cli.ScaledClock
) -> None:
    await eventually(kubectl, ("get", "nodes"), r"node-2\s+Ready")
    config = str(kubectl.kubeconfig)

    def node(*args: str) -> int:
        return cli.main(["node", *args, "--kubeconfig", config])

    assert await trio.to_thread.run_sync(node, "kill", "node-2") == 0
    # about 50 s of cluster time later (2.5 s of wall time) the node lifecycle controller notices
    await eventually(kubectl, ("get", "nodes"), r"node-2\s+NotReady")
    described = await eventually(
        kubectl, ("describe", "node", "node-2"), r"node\.kubernetes\.io/unreachable:NoExecute"
    )
    assert re.search(r"Ready\s+Unknown\s+.*NodeStatusUnknown", described), described
    assert await trio.to_thread.run_sync(node, "restart", "node-2") == 0
    await eventually(kubectl, ("get", "nodes"), r"node-2\s+Ready\s")
    assert await trio.to_thread.run_sync(node, "add", "node-3") == 0
    await eventually(kubectl, ("get", "nodes"), r"node-3\s+Ready\s")
    assert await trio.to_thread.run_sync(node, "kill", "no-such-node") == 1


CLAIM_AND_POD = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
---
apiVersion: v1
kind: Pod
metadata:
  name: db
spec:
  containers:
  - name: db
    image: postgres:17
    readinessProbe:
      tcpSocket:
        port: 5432
      initialDelaySeconds: 20
    volumeMounts:
    - name: data
      mountPath: /var/lib/postgresql/data
  volumes:
  - name: data
    persistentVolumeClaim:
      claimName: data
"""


async def test_a_claim_is_provisioned_and_a_probed_pod_uses_it(
    kubectl: Kubectl, scaled_clock: cli.ScaledClock
) -> None:
    """As on a fresh minikube: the standard default class, a claim without a class provisioned
    by the hostPath provisioner and bound, a pod mounting it Ready once its probe passes."""
    classes = (await kubectl("get", "storageclass")).stdout
    assert re.search(
        r"standard \(default\)\s+k8s.io/minikube-hostpath\s+Delete\s+Immediate", classes
    )
    await kubectl("apply", "-f", "-", input=CLAIM_AND_POD)
    claims = await eventually(kubectl, ("get", "pvc", "data"), r"data\s+Bound\s+pvc-")
    assert re.search(r"Bound\s+pvc-\S+\s+1Gi\s+RWO\s+standard", claims), claims
    volumes = (await kubectl("get", "pv")).stdout
    assert re.search(r"pvc-\S+\s+1Gi\s+RWO\s+Delete\s+Bound\s+default/data\s+standard", volumes)
    # Running at once, Ready only once the readiness probe (initial delay 20 s) passes
    await eventually(kubectl, ("get", "pod", "db"), r"db\s+1/1\s+Running")
    described = (await kubectl("describe", "pod", "db")).stdout
    assert re.search(r"Readiness:\s+tcp-socket :5432 delay=20s timeout=1s period=10s", described)
    assert re.search(r"ClaimName:\s+data", described), described
