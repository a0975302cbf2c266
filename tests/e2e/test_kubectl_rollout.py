"""The real kubectl (v1.32) driving Deployments: rollout status/history/undo/restart/pause/
resume, set image, scale, and delete with each cascade mode.

Nothing makes pods ready over HTTP yet (no kubelets), so each test runs the pod-readiness
stand-in inside the emulator process: pods turn Running and Ready a moment (of wall time, the
rate this cluster runs at) after they appear. Tests wait on kubectl itself (``rollout status``,
``wait``, ``delete``) or on the cluster's own watch, never on sleeps.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from kubectl_harness import Kubectl

from minikube_py.testing import ClusterHarness

# the readiness stand-in lives with the controller tests
_CONTROLLER_TESTS = str(Path(__file__).parent.parent / "controllers")
if _CONTROLLER_TESTS not in sys.path:
    sys.path.insert(0, _CONTROLLER_TESTS)
from pod_readiness import PodReadiness, image_is  # noqa: E402

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    kubernetes.io/change-cause: create web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: c
        image: nginx:1
"""

WAITING = re.compile(r'^Waiting for deployment "web" rollout to finish: .*\.\.\.$')
DONE = 'deployment "web" successfully rolled out'


async def ready_pods(kubectl: Kubectl, delay: float = 0.4, jitter: float = 0.6) -> ClusterHarness:
    """Start the readiness stand-in; a harness on the cluster for waiting on its writes."""
    cluster = kubectl.cluster
    readiness = PodReadiness(
        cluster.client(),
        cluster.clock,
        delay=delay,
        jitter=jitter,
        seed=cluster.clock.seed,
        never_ready=image_is("broken:0"),
    )
    await cluster.start(readiness.run)
    return ClusterHarness(cluster)


async def rollout_status(kubectl: Kubectl, *args: str) -> list[str]:
    result = await kubectl("rollout", "status", "deployment/web", *args)
    lines = result.stdout.splitlines()
    assert lines[-1] == DONE, result.stdout
    assert all(WAITING.match(line) for line in lines[:-1]), result.stdout
    return lines


async def image(kubectl: Kubectl) -> str:
    result = await kubectl(
        "get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"
    )
    return result.stdout


async def replica_sets(kubectl: Kubectl) -> list[dict[str, Any]]:
    listed = await kubectl.json("get", "rs", "-l", "app=web")
    return listed["items"]


def history_rows(stdout: str) -> list[tuple[str, str]]:
    lines = stdout.strip().splitlines()
    assert lines[0].strip() == "deployment.apps/web"
    assert lines[1].split() == ["REVISION", "CHANGE-CAUSE"]
    return [(line.split(None, 1)[0], line.split(None, 1)[1].strip()) for line in lines[2:]]


async def test_apply_then_rollout_status_prints_what_a_cluster_prints(kubectl: Kubectl) -> None:
    await ready_pods(kubectl, delay=1.0, jitter=1.5)
    assert (
        "deployment.apps/web created"
        in (await kubectl("apply", "-f", "-", input=DEPLOYMENT)).stdout
    )
    lines = await rollout_status(kubectl)
    assert len(lines) >= 2  # it waited, saying how far the rollout was
    assert any(re.search(r"\d of 3 updated replicas are available\.\.\.$", line) for line in lines)
    deployment = await kubectl.json("get", "deploy", "web")
    status = deployment["status"]
    assert (status["replicas"], status["updatedReplicas"], status["availableReplicas"]) == (3, 3, 3)
    assert deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    table = (await kubectl("get", "deploy", "web")).stdout.splitlines()
    assert table[1].split()[:4] == ["web", "3/3", "3", "3"]
    described = (await kubectl("describe", "deploy", "web")).stdout
    assert "ScalingReplicaSet" in described and "from 0 to 3" in described
    assert re.search(r"Progressing\s+True\s+NewReplicaSetAvailable", described)


async def test_set_image_rolls_out_and_history_keeps_change_causes(kubectl: Kubectl) -> None:
    await ready_pods(kubectl)
    await kubectl("apply", "-f", "-", input=DEPLOYMENT)
    await rollout_status(kubectl)
    await kubectl("set", "image", "deployment/web", "c=nginx:2")
    await kubectl("annotate", "deployment/web", "kubernetes.io/change-cause=image nginx:2")
    lines = await rollout_status(kubectl)
    assert lines[-1] == DONE
    rows = history_rows((await kubectl("rollout", "history", "deployment/web")).stdout)
    assert rows == [("1", "create web"), ("2", "image nginx:2")]
    detail = (await kubectl("rollout", "history", "deployment/web", "--revision=1")).stdout
    assert "deployment.apps/web with revision #1" in detail and "nginx:1" in detail
    sizes = sorted(rs["spec"]["replicas"] for rs in await replica_sets(kubectl))
    assert sizes == [0, 3]


async def test_undo_and_undo_to_a_revision(kubectl: Kubectl) -> None:
    await ready_pods(kubectl)
    await kubectl("apply", "-f", "-", input=DEPLOYMENT)
    await rollout_status(kubectl)
    for version in ("2", "3"):
        await kubectl("set", "image", "deployment/web", f"c=nginx:{version}")
        await kubectl(
            "annotate", "--overwrite", "deployment/web", f"kubernetes.io/change-cause=v{version}"
        )
        await rollout_status(kubectl)

    undone = await kubectl("rollout", "undo", "deployment/web")
    assert undone.stdout.strip() == "deployment.apps/web rolled back"
    await rollout_status(kubectl)
    assert await image(kubectl) == "nginx:2"
    rows = history_rows((await kubectl("rollout", "history", "deployment/web")).stdout)
    assert rows == [("1", "create web"), ("3", "v3"), ("4", "v2")]

    await kubectl("rollout", "undo", "deployment/web", "--to-revision=1")
    await rollout_status(kubectl)
    assert await image(kubectl) == "nginx:1"
    rows = history_rows((await kubectl("rollout", "history", "deployment/web")).stdout)
    assert rows == [("3", "v3"), ("4", "v2"), ("5", "create web")]
    reused = [
        rs
        for rs in await replica_sets(kubectl)
        if rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "5"
    ]
    assert reused[0]["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"

    missing = await kubectl("rollout", "undo", "deployment/web", "--to-revision=42", check=False)
    assert missing.returncode == 1
    assert "unable to find specified revision 42 in history" in missing.stderr


async def test_restart_rolls_out_new_pods(kubectl: Kubectl) -> None:
    await ready_pods(kubectl)
    await kubectl("apply", "-f", "-", input=DEPLOYMENT)
    await rollout_status(kubectl)
    before = {p["metadata"]["name"] for p in (await kubectl.json("get", "pods"))["items"]}
    restarted = await kubectl("rollout", "restart", "deployment/web")
    assert restarted.stdout.strip() == "deployment.apps/web restarted"
    await rollout_status(kubectl)
    after = {p["metadata"]["name"] for p in (await kubectl.json("get", "pods"))["items"]}
    assert len(after) == 3 and before.isdisjoint(after)
    deployment = await kubectl.json("get", "deploy", "web")
    template = deployment["spec"]["template"]["metadata"]
    assert "kubectl.kubernetes.io/restartedAt" in template["annotations"]
    assert deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"


async def test_pause_and_resume(kubectl: Kubectl) -> None:
    await ready_pods(kubectl)
    await kubectl("apply", "-f", "-", input=DEPLOYMENT)
    await rollout_status(kubectl)
    await kubectl("set", "image", "deployment/web", "c=nginx:2")
    await rollout_status(kubectl)
    assert (await kubectl("rollout", "pause", "deployment/web")).stdout.strip() == (
        "deployment.apps/web paused"
    )
    await kubectl("set", "image", "deployment/web", "c=nginx:3")
    paused = "jsonpath={.status.conditions[?(@.type=='Progressing')].reason}=DeploymentPaused"
    await kubectl("wait", f"--for={paused}", "deployment/web", "--timeout=15s")
    assert len(await replica_sets(kubectl)) == 2  # paused: nothing rolls out
    refused = await kubectl("rollout", "undo", "deployment/web", check=False)
    assert refused.returncode == 1
    assert "you cannot rollback a paused deployment" in refused.stderr
    assert (await kubectl("rollout", "resume", "deployment/web")).stdout.strip() == (
        "deployment.apps/web resumed"
    )
    await rollout_status(kubectl)
    assert await image(kubectl) == "nginx:3"
    sizes = sorted(rs["spec"]["replicas"] for rs in await replica_sets(kubectl))
    assert sizes == [0, 0, 3]


async def test_scale(kubectl: Kubectl) -> None:
    await ready_pods(kubectl)
    await kubectl("apply", "-f", "-", input=DEPLOYMENT)
    await rollout_status(kubectl)
    scaled = await kubectl("scale", "deployment/web", "--replicas=5")
    assert scaled.stdout.strip() == "deployment.apps/web scaled"
    await rollout_status(kubectl)
    [rs] = await replica_sets(kubectl)
    assert rs["spec"]["replicas"] == 5
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "5"
    await kubectl("scale", "deployment/web", "--replicas=1")
    await rollout_status(kubectl)
    assert len((await kubectl.json("get", "pods"))["items"]) == 1


async def test_delete_with_each_cascade_mode(kubectl: Kubectl) -> None:
    harness = await ready_pods(kubectl)
    client = kubectl.cluster.client()

    async def counts() -> tuple[int, int]:
        pods = (await client.list("pods", namespace="default"))["items"]
        rss = (await client.list("replicasets", namespace="default"))["items"]
        return len(rss), len(pods)

    # background (the default): the Deployment goes at once, the collector takes the rest
    await kubectl("apply", "-f", "-", input=DEPLOYMENT)
    await rollout_status(kubectl)
    assert (await kubectl("delete", "deployment", "web")).stdout.strip() == (
        'deployment.apps "web" deleted'
    )

    async def nothing_left() -> bool:
        return await counts() == (0, 0)

    await harness.wait_until(nothing_left, timeout=15)

    # foreground: kubectl's delete returns once the Deployment is gone, after its dependents
    await kubectl("apply", "-f", "-", input=DEPLOYMENT)
    await rollout_status(kubectl)
    await kubectl("delete", "deployment", "web", "--cascade=foreground")
    assert (await kubectl("get", "deploy", "web", check=False)).returncode == 1
    await harness.wait_until(nothing_left, timeout=15)

    # orphan: the replica set and its pods stay, without an owner
    await kubectl("apply", "-f", "-", input=DEPLOYMENT)
    await rollout_status(kubectl)
    await kubectl("delete", "deployment", "web", "--cascade=orphan")
    assert (await kubectl("get", "deploy", "web", check=False)).returncode == 1
    [rs] = await replica_sets(kubectl)
    assert "ownerReferences" not in rs["metadata"]
    assert await counts() == (1, 3)


async def test_rollout_status_reports_an_exceeded_progress_deadline(kubectl: Kubectl) -> None:
    await ready_pods(kubectl)
    await kubectl("apply", "-f", "-", input=DEPLOYMENT)
    await rollout_status(kubectl)
    await kubectl("patch", "deployment/web", "-p", '{"spec":{"progressDeadlineSeconds":2}}')
    await kubectl("set", "image", "deployment/web", "c=broken:0")
    failed = await kubectl("rollout", "status", "deployment/web", check=False)
    assert failed.returncode == 1
    assert failed.stderr.strip() == 'error: deployment "web" exceeded its progress deadline'
    assert all(WAITING.match(line) for line in failed.stdout.splitlines())
    described = (await kubectl("describe", "deploy", "web")).stdout
    assert re.search(r"Progressing\s+False\s+ProgressDeadlineExceeded", described)
    # undo brings the working template back, and the rollout completes
    await kubectl("rollout", "undo", "deployment/web")
    await rollout_status(kubectl)


async def test_delete_namespace_takes_its_deployment_along(kubectl: Kubectl) -> None:
    await kubectl("create", "namespace", "team")
    await kubectl("apply", "-n", "team", "-f", "-", input=DEPLOYMENT)
    harness = ClusterHarness(kubectl.cluster)

    async def three_pods() -> bool:
        return len((await harness.client.list("pods", namespace="team"))["items"]) == 3

    await harness.wait_until(three_pods, timeout=20)
    listed = await kubectl.json("get", "all", "-n", "team")
    assert {i["kind"] for i in listed["items"]} >= {"Deployment", "ReplicaSet", "Pod"}
    deleted = await kubectl("delete", "namespace", "team", "--wait=true", "--timeout=20s")
    assert deleted.stdout.strip() == 'namespace "team" deleted'
    gone = await kubectl("get", "namespace", "team", check=False)
    assert 'namespaces "team" not found' in gone.stderr
    left = await kubectl.json("get", "deploy,rs,pods", "-A", "-l", "app=web")
    assert [i for i in left["items"] if i["metadata"]["namespace"] == "team"] == []
