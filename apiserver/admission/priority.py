"""Priority: a pod's ``spec.priority`` comes from its PriorityClass, never from the client
(``plugin/pkg/admission/priority``)."""

from __future__ import annotations

from collections.abc import Callable

from apiserver.admission.chain import Attributes, Operation
from minikube_py.errors import Forbidden, GroupResource
from minikube_py.objects import Object

_PODS = GroupResource("", "pods")


class Priority:
    name = "Priority"
    validates = False  # its validate does nothing

    def __init__(
        self,
        lookup: Callable[[str], Object | None],
        global_default: Callable[[], Object | None],
    ) -> None:
        self._lookup = lookup
        self._global_default = global_default

    async def admit(self, attrs: Attributes) -> None:
        info = attrs.info
        if attrs.operation is not Operation.CREATE or info.group or info.resource != "pods":
            return
        if attrs.subresource or not isinstance(attrs.obj, dict):
            return
        spec = attrs.obj.get("spec")
        if not isinstance(spec, dict):
            return
        class_name = spec.get("priorityClassName") or ""
        if class_name:
            priority_class = self._lookup(class_name)
            if priority_class is None:
                raise Forbidden(
                    _PODS, attrs.name, f"no PriorityClass with name {class_name} was found"
                )
        else:
            priority_class = self._global_default()
            if priority_class is not None:
                spec["priorityClassName"] = priority_class["metadata"]["name"]
        value = priority_class.get("value", 0) if priority_class else 0
        policy = (priority_class or {}).get("preemptionPolicy") or "PreemptLowerPriority"
        given = spec.get("priority")
        if given is not None and given != value:
            raise Forbidden(
                _PODS,
                attrs.name,
                f"the integer value of priority ({given}) must not be provided in pod spec; "
                f"priority admission controller computed {value} from the given PriorityClass "
                "name",
            )
        spec["priority"] = value
        spec.setdefault("preemptionPolicy", policy)

    async def validate(self, attrs: Attributes) -> None:
        return None
