"""The controller test shown in the README, kept here so the README stays true."""

from controllers.runtime import Request


async def test_labels_every_configmap(cluster):
    async def reconcile(req: Request) -> None:
        cm = await cluster.client.get("configmaps", req.name, namespace=req.namespace)
        if cm["metadata"].get("labels", {}).get("seen") != "yes":
            patch = {"metadata": {"labels": {"seen": "yes"}}}
            await cluster.client.patch("configmaps", req.name, patch, namespace=req.namespace)

    await cluster.run_controller(reconcile, watches=["configmaps"])
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    await cluster.client.create(cm)
    await cluster.wait_for("configmaps", "a", lambda cm: cm["metadata"]["labels"]["seen"] == "yes")
