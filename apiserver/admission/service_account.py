"""ServiceAccount: every pod runs as a service account that exists, and gets its API token
mounted (``plugin/pkg/admission/serviceaccount``).

The projected ``kube-api-access-<random>`` volume and its mounts are added exactly as upstream
adds them, so pods look as they do on a real cluster; no token is actually issued.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apiserver.admission.chain import Attributes, Operation
from minikube_py.errors import Forbidden, GroupResource
from minikube_py.objects import Object

_PODS = GroupResource("", "pods")
MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"


def _token_volume(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "projected": {
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {
                    "configMap": {
                        "name": "kube-root-ca.crt",
                        "items": [{"key": "ca.crt", "path": "ca.crt"}],
                    }
                },
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "path": "namespace",
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                            }
                        ]
                    }
                },
            ],
        },
    }


def _mounts_token(containers: Any) -> bool:
    """Whether a container already mounts something at the token's path."""
    for container in containers or ():
        if isinstance(container, dict):
            for mount in container.get("volumeMounts") or ():
                if mount.get("mountPath") == MOUNT_PATH:
                    return True
    return False


class ServiceAccountAdmission:
    name = "ServiceAccount"
    validates = False  # its validate does nothing

    def __init__(
        self, lookup: Callable[[str, str], Object | None], suffix: Callable[[], str]
    ) -> None:
        self._lookup = lookup
        self._suffix = suffix

    async def admit(self, attrs: Attributes) -> None:
        info = attrs.info
        if attrs.operation is not Operation.CREATE or info.group or info.resource != "pods":
            return
        if attrs.subresource or not isinstance(attrs.obj, dict):
            return
        spec = attrs.obj.get("spec")
        if not isinstance(spec, dict):
            return
        if (
            (attrs.obj.get("metadata") or {})
            .get("annotations", {})
            .get("kubernetes.io/config.mirror")
        ):
            return
        name = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
        spec["serviceAccountName"] = name
        spec["serviceAccount"] = name
        account = self._lookup(attrs.namespace, name)
        if account is None:
            raise Forbidden(
                _PODS,
                attrs.name,
                f"error looking up service account {attrs.namespace}/{name}: serviceaccount "
                f'"{name}" not found',
            )
        automount = spec.get("automountServiceAccountToken")
        if automount is None:
            automount = account.get("automountServiceAccountToken")
        if automount is False:
            return
        volumes = spec.setdefault("volumes", [])
        if _mounts_token(spec.get("containers")):
            return
        volume_name = f"kube-api-access-{self._suffix()}"
        volumes.append(_token_volume(volume_name))
        for key in ("initContainers", "containers"):
            for container in spec.get(key) or ():
                if isinstance(container, dict):
                    container.setdefault("volumeMounts", []).append(
                        {"name": volume_name, "readOnly": True, "mountPath": MOUNT_PATH}
                    )

    async def validate(self, attrs: Attributes) -> None:
        return None
