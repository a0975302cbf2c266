"""DefaultBinder (Bind): ``POST pods/NAME/binding`` with the chosen node.

Upstream: ``framework/plugins/defaultbinder/default_binder.go``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controllers.scheduler.framework.interface import Code, CycleState, Plugin, Status
from controllers.scheduler.framework.types import PodInfo
from minikube_py.errors import StatusError

if TYPE_CHECKING:
    from controllers.scheduler.framework.runtime import Framework


class DefaultBinder(Plugin):
    name = "DefaultBinder"

    def __init__(self, handle: Framework) -> None:
        self.handle = handle

    async def bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": pod.name, "namespace": pod.namespace, "uid": pod.uid},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node_name},
        }
        try:
            await self.handle.client.create(
                binding, namespace=pod.namespace, resource="pods", subresource="binding"
            )
        except StatusError as error:
            return Status(Code.ERROR, str(error))
        return None
