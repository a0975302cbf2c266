"""The real kubectl (v1.32) against the emulator over HTTP."""

from __future__ import annotations

import json
import subprocess

import trio
from kubectl_harness import KUBECTL, Kubectl

CONFIGMAP = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: watched
data: {k: v}
"""

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: c
        image: nginx:1.27
"""


async def test_discovery(kubectl: Kubectl) -> None:
    resources = (await kubectl("api-resources")).stdout
    assert "deployments" in resources and "deploy" in resources
    assert "apps/v1" in (await kubectl("api-versions")).stdout
    assert "Server Version: v1.32.0" in (await kubectl("version")).stdout


async def test_get_prints_server_side_tables(kubectl: Kubectl) -> None:
    namespaces = (await kubectl("get", "namespaces")).stdout.splitlines()
    assert namespaces[0].split() == ["NAME", "STATUS", "AGE"]
    assert any(line.startswith("kube-system") and "Active" in line for line in namespaces)
    services = (await kubectl("get", "svc", "-A", "-o", "wide")).stdout
    assert "kubernetes" in services and "10.96.0.1" in services and "443/TCP" in services


async def test_apply_reapply_scale_and_delete(kubectl: Kubectl) -> None:
    assert (
        "deployment.apps/web created"
        in (await kubectl("apply", "-f", "-", input=DEPLOYMENT)).stdout
    )
    assert "unchanged" in (await kubectl("apply", "-f", "-", input=DEPLOYMENT)).stdout
    changed = DEPLOYMENT.replace("nginx:1.27", "nginx:1.28")
    assert "configured" in (await kubectl("apply", "-f", "-", input=changed)).stdout
    deployment = await kubectl.json("get", "deploy", "web")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert deployment["metadata"]["generation"] == 2
    await kubectl("scale", "deploy", "web", "--replicas=4")
    replicas = (await kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}")).stdout
    assert replicas == "4"
    assert 'deployment.apps "web" deleted' in (await kubectl("delete", "deploy", "web")).stdout
    missing = await kubectl("get", "deploy", "web", check=False)
    assert missing.returncode == 1
    assert 'Error from server (NotFound): deployments.apps "web" not found' in missing.stderr


async def test_server_side_apply_reports_conflicts_like_a_cluster(kubectl: Kubectl) -> None:
    await kubectl("apply", "-f", "-", input=DEPLOYMENT)
    # taking over from client-side apply is allowed where last-applied agrees with the live
    # object; kubectl patch then becomes the owner of replicas
    await kubectl("patch", "deploy", "web", "-p", '{"spec":{"replicas":7}}')
    changed = DEPLOYMENT.replace("replicas: 2", "replicas: 3")
    refused = await kubectl("apply", "--server-side", "-f", "-", input=changed, check=False)
    assert refused.returncode != 0
    assert 'conflict with "kubectl-patch" using apps/v1: .spec.replicas' in refused.stderr
    await kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", input=changed)
    assert (await kubectl.json("get", "deploy", "web"))["spec"]["replicas"] == 3


async def test_label_annotate_and_patch(kubectl: Kubectl) -> None:
    await kubectl("apply", "-f", "-", input=DEPLOYMENT)
    await kubectl("label", "deploy", "web", "tier=front")
    await kubectl("annotate", "deploy", "web", "owner=me")
    await kubectl("patch", "deploy", "web", "-p", '{"spec":{"paused":true}}')
    await kubectl("patch", "deploy", "web", "--type=merge", "-p", '{"spec":{"minReadySeconds":5}}')
    await kubectl(
        "patch",
        "deploy",
        "web",
        "--type=json",
        "-p",
        '[{"op":"replace","path":"/spec/paused","value":false}]',
    )
    deployment = await kubectl.json("get", "deploy", "web")
    assert deployment["metadata"]["labels"] == {"tier": "front"}
    assert deployment["metadata"]["annotations"]["owner"] == "me"
    assert deployment["spec"]["paused"] is False and deployment["spec"]["minReadySeconds"] == 5
    shown = (await kubectl("get", "deploy", "-l", "tier=front", "--show-labels")).stdout
    assert "web" in shown and "tier=front" in shown


async def test_explain_reads_the_real_documentation(kubectl: Kubectl) -> None:
    explained = (await kubectl("explain", "deployment.spec.strategy")).stdout
    assert "KIND:       Deployment" in explained
    assert "DeploymentStrategy" in explained
    assert "rollingUpdate" in explained


async def test_invalid_manifests_and_missing_objects(kubectl: Kubectl) -> None:
    bad = DEPLOYMENT.replace(
        "app: web}\n  template:\n    metadata:\n      labels: {app: web}",
        "app: web}\n  template:\n    metadata:\n      labels: {app: other}",
    )
    refused = await kubectl("apply", "-f", "-", input=bad, check=False)
    assert refused.returncode == 1
    assert "`selector` does not match template `labels`" in refused.stderr
    unknown = await kubectl(
        "apply",
        "-f",
        "-",
        input=DEPLOYMENT.replace("replicas: 2", "replicas: 2\n  bogus: 1"),
        check=False,
    )
    assert unknown.returncode == 1
    assert 'unknown field "spec.bogus"' in unknown.stderr
    missing = await kubectl("delete", "configmap", "nope", check=False)
    assert 'configmaps "nope" not found' in missing.stderr


async def test_dry_run_server_persists_nothing(kubectl: Kubectl) -> None:
    out = (await kubectl("apply", "--dry-run=server", "-f", "-", input=DEPLOYMENT)).stdout
    assert "deployment.apps/web created (server dry run)" in out
    assert (await kubectl("get", "deploy", "web", check=False)).returncode == 1


async def test_run_and_get_pods(kubectl: Kubectl) -> None:
    await kubectl("run", "web", "--image=nginx")
    table = (await kubectl("get", "pods")).stdout.splitlines()
    assert table[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert table[1].split()[:3] == ["web", "0/1", "Pending"]
    assert "pod/web" in (await kubectl("get", "all")).stdout


async def test_get_watch_streams_table_rows(kubectl: Kubectl) -> None:

    command = [
        KUBECTL,
        f"--kubeconfig={kubectl.kubeconfig}",
        f"--cache-dir={kubectl.cache}",
        "get",
        "configmaps",
        "--watch",
    ]
    seen = b""
    process = await trio.lowlevel.open_process(command, stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        with trio.fail_after(30):
            await kubectl("create", "-f", "-", input=CONFIGMAP)
            while b"watched" not in seen:
                seen += await process.stdout.receive_some()
    finally:
        process.kill()
        await process.wait()
    lines = seen.decode().splitlines()
    assert lines[0].split() == ["NAME", "DATA", "AGE"]
    assert any(line.startswith("watched") for line in lines)


async def test_delete_waits_for_finalizers(kubectl: Kubectl) -> None:
    held = CONFIGMAP.replace("name: watched", "name: held\n  finalizers: [example.com/hold]")
    await kubectl("create", "-f", "-", input=held)
    pending = await kubectl("delete", "configmap", "held", "--wait=false")
    assert 'configmap "held" deleted' in pending.stdout
    obj = await kubectl.json("get", "configmap", "held")
    assert obj["metadata"]["deletionTimestamp"]
    await kubectl(
        "patch", "configmap", "held", "--type=merge", "-p", '{"metadata":{"finalizers":null}}'
    )
    assert (await kubectl("get", "configmap", "held", check=False)).returncode == 1


async def test_cascade_modes(kubectl: Kubectl) -> None:
    async def owned_configmap(name: str) -> None:
        owner = await kubectl.json("get", "deploy", "web")
        reference = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "web",
            "uid": owner["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
        body = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "ownerReferences": [reference]},
        }
        await kubectl("create", "-f", "-", input=json.dumps(body))

    # orphan: the owner goes, the dependent stays without its reference
    await kubectl("apply", "-f", "-", input=DEPLOYMENT)
    await owned_configmap("kept")
    await kubectl("delete", "deploy", "web", "--cascade=orphan")
    kept = await kubectl.json("get", "configmap", "kept")
    assert "ownerReferences" not in kept["metadata"]
    # foreground: the dependent goes first, then the owner (delete waits for both)
    await kubectl("apply", "-f", "-", input=DEPLOYMENT)
    await owned_configmap("dependent")
    await kubectl("delete", "deploy", "web", "--cascade=foreground")
    assert (await kubectl("get", "configmap", "dependent", check=False)).returncode == 1
    # background (the default): the owner goes at once, the collector removes the dependent
    await kubectl("apply", "-f", "-", input=DEPLOYMENT)
    await owned_configmap("collected")
    await kubectl("delete", "deploy", "web")
    await kubectl("wait", "--for=delete", "configmap/collected", "--timeout=20s")


async def test_create_generators_send_protobuf_that_the_server_reads(kubectl: Kubectl) -> None:
    await kubectl("create", "configmap", "c", "--from-literal=a=b")
    assert (await kubectl.json("get", "configmap", "c"))["data"] == {"a": "b"}
    await kubectl("create", "deployment", "d", "--image=nginx", "--replicas=2")
    deployment = await kubectl.json("get", "deploy", "d")
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx"
    await kubectl("create", "namespace", "team")
    await kubectl("create", "secret", "generic", "s", "--from-literal=k=v")
    await kubectl("create", "service", "clusterip", "web", "--tcp=80:8080")
    await kubectl("create", "serviceaccount", "robot")
    await kubectl("create", "role", "r", "--verb=get", "--resource=pods")
    await kubectl("create", "rolebinding", "rb", "--role=r", "--user=u")
    await kubectl("create", "job", "j", "--image=busybox", "--", "echo", "hi")
    await kubectl("create", "cronjob", "cj", "--image=busybox", "--schedule=*/1 * * * *")
    await kubectl("create", "priorityclass", "p", "--value=100")
    await kubectl("create", "quota", "q", "--hard=pods=10")
    await kubectl("create", "pdb", "pdb", "--selector=app=x", "--min-available=1")
    await kubectl("create", "ingress", "i", "--rule=a.com/*=web:80")
    names = (await kubectl("get", "all", "-o", "name")).stdout
    assert "service/web" in names and "deployment.apps/d" in names and "cronjob.batch/cj" in names


async def test_describe_output_formats_replace_edit_and_wait(kubectl: Kubectl) -> None:
    await kubectl("apply", "-f", "-", input=DEPLOYMENT)
    described = (await kubectl("describe", "deploy", "web")).stdout
    assert "Replicas:               2 desired" in described
    assert "RollingUpdateStrategy:  25% max unavailable, 25% max surge" in described
    assert (await kubectl("get", "deploy", "-o", "name")).stdout.strip() == "deployment.apps/web"
    yaml_text = (await kubectl("get", "deploy", "web", "-o", "yaml")).stdout
    assert "kind: Deployment" in yaml_text
    replaced = yaml_text.replace("replicas: 2", "replicas: 3", 1)
    assert "replaced" in (await kubectl("replace", "-f", "-", input=replaced)).stdout
    await kubectl("wait", "--for=jsonpath={.spec.replicas}=3", "deploy/web", "--timeout=10s")
    editor = "sed -i s/replicas:\\ 3/replicas:\\ 4/"
    command = [
        KUBECTL,
        f"--kubeconfig={kubectl.kubeconfig}",
        f"--cache-dir={kubectl.cache}",
        "edit",
        "deploy",
        "web",
    ]
    import os

    edited = await trio.run_process(
        command, env={**os.environ, "EDITOR": editor}, capture_stdout=True, check=True
    )
    assert b"edited" in edited.stdout
    assert (await kubectl.json("get", "deploy", "web"))["spec"]["replicas"] == 4
    namespaces = (await kubectl("get", "ns", "-l", "kubernetes.io/metadata.name=default")).stdout
    assert "default" in namespaces
