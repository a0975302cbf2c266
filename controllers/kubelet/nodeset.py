"""A set of simulated nodes sharing one pod informer; the cluster's container log source.

``NodeSet`` owns the nursery its :class:`~controllers.kubelet.agent.NodeAgent` s run in and one
pod informer indexed by ``spec.nodeName`` (instead of an informer per kubelet, which at 1,000
nodes would be 1,000 watches): each pod event goes to the agent of the pod's node. It also
implements :class:`~minikube_py.podlogs.LogSource`: ``logs(pod, options)`` reads the simulated
log of the container on the pod's node.

Usage::

    nodes = NodeSet(client, clock, pool=NodePool(zone="zone-a"))
    nodes.add("node-1")
    await nursery.start(nodes.run)      # registers the nodes added so far
    agent = await nodes.add_started("node-2", pool=other_pool)
    nodes.kill("node-1"); nodes.restart("node-1"); nodes.partition("node-2"); nodes.heal("node-2")
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

import trio

from controllers.kubelet.agent import NodeAgent
from controllers.kubelet.config import NodePool
from controllers.kubelet.logs import read_log
from minikube_py.client import Client
from minikube_py.clock import ClusterClock
from minikube_py.errors import BadRequest
from minikube_py.field import go_quote
from minikube_py.informer import DeletedFinalStateUnknown, SharedInformer
from minikube_py.objects import Object
from minikube_py.podlogs import LogOptions, check_container_log_status

NODE_NAME_INDEX = "spec.nodeName"


def _node_name(pod: Object) -> Iterable[str]:
    node = (pod.get("spec") or {}).get("nodeName")
    return (node,) if node else ()


class NodeSet:
    def __init__(
        self, client: Client, clock: ClusterClock, *, pool: NodePool | None = None
    ) -> None:
        self.client = client
        self.clock = clock
        self.pool = pool or NodePool()
        self.agents: dict[str, NodeAgent] = {}
        self.informer = SharedInformer(client, "pods", rng=clock.rng)
        self.informer.add_indexer(NODE_NAME_INDEX, _node_name)
        self.informer.add_event_handler(self)
        self._nursery: trio.Nursery | None = None
        self._next_index = 0
        #: the pod informer starts with the first node: an empty set (a cluster without
        #: simulated nodes) costs no watch
        self._informer_started = False
        self._informer_lock = trio.Lock()

    # -- nodes ---------------------------------------------------------------------------------

    def add(self, name: str | None = None, *, pool: NodePool | None = None) -> NodeAgent:
        """Add a node (started at once when the set runs, else when it starts)."""
        pool = pool or self.pool
        index = self._next_index
        self._next_index += 1
        if name is None:
            name = f"{pool.name_prefix}{index + 1}"
        if name in self.agents:
            raise ValueError(f"node {name} already exists")
        agent = NodeAgent(
            self.client, self.clock, pool.node_config(name), index, informer=self.informer
        )
        self.agents[name] = agent
        if self._nursery is not None:
            self._nursery.start_soon(self._run_agent, agent)
        return agent

    async def _ensure_informer(self) -> None:
        async with self._informer_lock:
            if not self._informer_started:
                assert self._nursery is not None
                await self._nursery.start(self.informer.run)
                self._informer_started = True

    async def _run_agent(self, agent: NodeAgent) -> None:
        await self._ensure_informer()
        await agent.run()

    async def add_started(
        self, name: str | None = None, *, pool: NodePool | None = None
    ) -> NodeAgent:
        """Add a node and wait until it is registered (the set must be running)."""
        agent = self.add(name, pool=pool)
        await agent.registered.wait()
        return agent

    def kill(self, name: str) -> None:
        self.agents[name].kill()

    def restart(self, name: str) -> None:
        """Boot a killed node again (kills it first if it still runs)."""
        agent = self.agents[name]
        if self._nursery is None:
            raise RuntimeError("the node set is not running")
        agent.kill()
        agent.registered = trio.Event()
        self._nursery.start_soon(self._reboot, agent)

    async def _reboot(self, agent: NodeAgent) -> None:
        await agent.stopped.wait()  # the killed run unwinds first
        await agent.run()

    async def restart_started(self, name: str) -> NodeAgent:
        self.restart(name)
        agent = self.agents[name]
        await agent.registered.wait()
        return agent

    def partition(self, name: str) -> None:
        self.agents[name].partition()

    def heal(self, name: str) -> None:
        self.agents[name].heal()

    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        """Run the pod informer and every node; ``started`` once the nodes added so far are
        registered. The informer starts with the first node (none: no pod watch)."""
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                if self.agents:
                    await self._ensure_informer()
                for agent in list(self.agents.values()):
                    await nursery.start(agent.run)
                task_status.started(self)
                await trio.sleep_forever()
        finally:
            self._nursery = None
            self._informer_started = False

    # -- the informer's handler --------------------------------------------------------------

    def on_add(self, obj: Object) -> None:
        agent = self._agent_of(obj)
        if agent is not None:
            agent.pod_changed(obj)

    def on_update(self, old: Object, new: Object) -> None:
        self.on_add(new)

    def on_delete(self, obj: Object | DeletedFinalStateUnknown) -> None:
        pod = obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj
        agent = self._agent_of(pod)
        if agent is not None:
            agent.pod_deleted(pod)

    def _agent_of(self, pod: Object) -> NodeAgent | None:
        node = (pod.get("spec") or {}).get("nodeName")
        return self.agents.get(node) if node else None

    # -- LogSource -------------------------------------------------------------------------------

    def logs(self, pod: Object, options: LogOptions) -> AsyncIterator[bytes]:
        """The container's simulated log (``pods/log``), with the kubelet's refusals."""
        agent = self._agent_of(pod)
        check_container_log_status(pod, options.container, previous=options.previous)
        if agent is None:  # a node this set does not run: no log to read
            return _nothing()
        worker = agent.workers.get(pod["metadata"].get("uid", ""))
        container = None
        if worker is not None:
            for candidate in (*worker.containers, *worker.init_containers):
                if candidate.name == options.container:
                    container = candidate
        run = None
        if container is not None:
            run = container.previous if options.previous else container.run
        if run is None:
            if options.previous:
                raise BadRequest(
                    f"previous terminated container {go_quote(options.container)} in pod "
                    f"{go_quote(pod['metadata']['name'])} not found"
                )
            return _nothing()
        return read_log(run, options)


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover - makes this an async generator


__all__ = ["NODE_NAME_INDEX", "NodeSet"]
