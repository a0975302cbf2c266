"""DefaultTolerationSeconds: every pod tolerates ``not-ready`` and ``unreachable`` NoExecute
taints for 300 s unless it says otherwise (``plugin/pkg/admission/defaulttolerationseconds``)."""

from __future__ import annotations

from apiserver.admission.chain import Attributes, Operation

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
DEFAULT_SECONDS = 300


class DefaultTolerationSeconds:
    name = "DefaultTolerationSeconds"
    validates = False  # its validate does nothing

    def __init__(self, seconds: int = DEFAULT_SECONDS) -> None:
        self.seconds = seconds

    async def admit(self, attrs: Attributes) -> None:
        info = attrs.info
        if attrs.operation is not Operation.CREATE or info.group or info.resource != "pods":
            return
        if attrs.subresource or not isinstance(attrs.obj, dict):
            return
        spec = attrs.obj.get("spec")
        if not isinstance(spec, dict):
            return
        tolerations = spec.get("tolerations") or []
        for taint in (NOT_READY, UNREACHABLE):
            if any(
                isinstance(t, dict)
                and t.get("effect") in ("NoExecute", "", None)
                and (t.get("key") == taint or (not t.get("key") and t.get("operator") == "Exists"))
                for t in tolerations
            ):
                continue
            tolerations.append(
                {
                    "key": taint,
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": self.seconds,
                }
            )
        spec["tolerations"] = tolerations

    async def validate(self, attrs: Attributes) -> None:
        return None
