"""Node operations of a running emulator over HTTP: what ``minikube-py node ACTION NAME`` calls.

The HTTP server exposes operator extensions under ``/minikube-py/<name>/`` (see
:data:`apiserver.http.app.Extension`); this one is ``nodes``::

    POST /minikube-py/nodes/NAME/add        {"pool": "<pool name>"}   (optional)
    POST /minikube-py/nodes/NAME/kill
    POST /minikube-py/nodes/NAME/restart
    POST /minikube-py/nodes/NAME/partition
    POST /minikube-py/nodes/NAME/heal
    GET  /minikube-py/nodes                  the simulated nodes and their state

Each acts on the cluster's :class:`~controllers.kubelet.NodeSet`, the same calls a chaos script
or a test makes in process. Answers are ``Status`` objects like the API's; an unknown node is
``NotFound``, adding an existing one ``AlreadyExists``.
"""

from __future__ import annotations

from typing import Any

from controllers.kubelet import NodePool, NodeSet
from minikube_py.errors import (
    AlreadyExists,
    BadRequest,
    GroupResource,
    MethodNotSupported,
    NotFound,
)

ACTIONS = ("add", "kill", "restart", "partition", "heal")
_NODES = GroupResource("", "nodes")


def _success(message: str, name: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "message": message,
        "details": {"name": name, "kind": "nodes"},
        "code": 200,
    }


class NodeOperations:
    """The ``nodes`` extension over a NodeSet; ``pools`` names the shapes ``add`` may take."""

    def __init__(self, nodes: NodeSet, pools: dict[str, NodePool] | None = None) -> None:
        self.nodes = nodes
        self.pools = dict(pools or {})

    async def __call__(self, method: str, parts: list[str], body: Any) -> tuple[int, Any]:
        if not parts:
            if method != "GET":
                raise MethodNotSupported(_NODES, method.lower())
            return 200, {"nodes": [self._describe(name) for name in sorted(self.nodes.agents)]}
        if len(parts) != 2 or parts[1] not in ACTIONS:
            raise NotFound(GroupResource("", "minikube-py"), "/".join(["nodes", *parts]))
        if method != "POST":
            raise MethodNotSupported(_NODES, method.lower())
        name, action = parts
        if action == "add":
            return 201, await self._add(name, body)
        if name not in self.nodes.agents:
            raise NotFound(_NODES, name)
        if action == "kill":
            self.nodes.kill(name)
            return 200, _success(f"node/{name} killed", name)
        if action == "restart":
            await self.nodes.restart_started(name)
            return 200, _success(f"node/{name} restarted", name)
        if action == "partition":
            self.nodes.partition(name)
            return 200, _success(f"node/{name} partitioned", name)
        self.nodes.heal(name)
        return 200, _success(f"node/{name} healed", name)

    async def _add(self, name: str, body: Any) -> dict[str, Any]:
        if name in self.nodes.agents:
            raise AlreadyExists(_NODES, name)
        pool = None
        pool_name = body.get("pool") if isinstance(body, dict) else None
        if pool_name:
            pool = self.pools.get(pool_name)
            if pool is None:
                known = ", ".join(sorted(self.pools)) or "none"
                raise BadRequest(f'unknown node pool "{pool_name}" (known: {known})')
        await self.nodes.add_started(name, pool=pool)
        return {**_success(f"node/{name} added", name), "code": 201}

    def _describe(self, name: str) -> dict[str, Any]:
        agent = self.nodes.agents[name]
        state = "partitioned" if agent.partitioned else "running"
        return {"name": name, "state": state if agent.alive else "down"}
