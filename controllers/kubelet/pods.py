"""A simulated kubelet's pod worker: one task per pod bound to the node.

As ``pkg/kubelet/pod_workers.go`` + ``kuberuntime``, minus the runtime:

* the sandbox is created (``PodReadyToStartContainers``, a pod IP from the node's CIDR);
* init containers start in order (``computeInitContainerActions``): an ordinary one runs to
  completion -- a failure fails the pod under ``restartPolicy: Never``, else it crash-loops --;
  a **sidecar** (an init container with ``restartPolicy: Always``, KEP-753) is started and the
  next init container waits until it has *started* (its startup probe passed, if any), not
  completed; sidecars keep running beside the containers, restart whenever they exit (whatever
  the pod's ``restartPolicy``) and count in the pod's readiness (``Initialized``);
* the containers are pulled (``Pulling``/``Pulled``), created and started (``Created``,
  ``Started``); their probe workers (``probes``) decide ``started`` and ``ready`` -- a container
  without probes is started and ready at once -- and have a container killed when its liveness or
  startup probe gives up (``Killing``); the pod's ``ContainersReady`` / ``Ready`` follow;
* a container that exits (``crash_after``) or was killed restarts per ``restartPolicy`` after the
  crash-loop back-off (10 s doubling to 300 s, the first restart immediate); when every regular
  container exited for good the pod is terminal (``Succeeded`` when all exited 0, else
  ``Failed``) and its sidecars are stopped, last started first;
* a pod with a ``deletionTimestamp`` is stopped: every running container gets its ``Killing``
  event at once, the regular ones stop together, then the sidecars one at a time in reverse
  order (``kuberuntime_termination_order.go``), all within the grace period, each taking ``min(
  remaining grace, stop delay)`` (exit code 0, or 137 when the grace period ran out); then its
  deletion is confirmed with a zero grace period and a uid precondition;
* after a node reboot the pod gets a new sandbox (``SandboxChanged``, a new IP) and, as
  ``computePodActions`` does when the sandbox changed, runs its init containers again from the
  first before its containers (each container that ran counts a restart).

Status is written with a merge patch of ``status`` (subresource ``status``), whole lists at a
time; every write regenerates ``started`` / ``ready`` from the probe results first (upstream's
``UpdatePodStatus``).
"""

from __future__ import annotations

import calendar
import contextlib
import math
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import trio

from controllers.kubelet.config import PodBehavior
from controllers.kubelet.containers import (
    BACKOFF_INITIAL,
    BACKOFF_MAX,
    ContainerState,
    crash_backoff,
    go_duration,
    image_size,
    normalize_image,
)
from controllers.kubelet.logs import ContainerRun
from controllers.kubelet.probes import probe_workers
from controllers.runtime.events import NORMAL, WARNING
from minikube_py.errors import Conflict, NotFound, StatusError
from minikube_py.objects import Object
from minikube_py.quantity import milli_value

if TYPE_CHECKING:
    from controllers.kubelet.agent import NodeAgent


def qos_class(pod: Object) -> str:
    """``GetPodQOS``: Guaranteed, Burstable or BestEffort."""
    spec = pod.get("spec") or {}
    containers = [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]
    any_set = False
    guaranteed = True
    for container in containers:
        resources = container.get("resources") or {}
        requests = dict(resources.get("requests") or {})
        limits = resources.get("limits") or {}
        for name, quantity in limits.items():
            requests.setdefault(name, quantity)
        for name in ("cpu", "memory"):
            if name in requests or name in limits:
                any_set = True
            if name not in limits or name not in requests:
                guaranteed = False
                continue
            if milli_value(requests[name]) != milli_value(limits[name]):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _unix_nanos(moment: datetime) -> int:
    return calendar.timegm(moment.utctimetuple()) * 1_000_000_000 + moment.microsecond * 1000


def _started(container: ContainerState) -> Callable[[], bool]:
    return lambda: container.started


class PodWorker:
    """Drives one pod; lives as long as the pod is on the node (across node restarts)."""

    def __init__(self, agent: NodeAgent, pod: Object) -> None:
        self.agent = agent
        self.pod = pod
        metadata = pod["metadata"]
        self.uid: str = metadata.get("uid", "")
        self.name: str = metadata["name"]
        self.namespace: str = metadata.get("namespace", "default")
        spec = pod.get("spec") or {}
        self.restart_policy: str = spec.get("restartPolicy") or "Always"
        self.behavior: PodBehavior = agent.config.behavior.for_pod(pod)
        self.init_containers = [
            ContainerState(c, init=True) for c in spec.get("initContainers") or ()
        ]
        self.sidecars = [c for c in self.init_containers if c.restartable]
        self.containers = [ContainerState(c) for c in spec.get("containers") or ()]
        if self.init_containers:
            for container in self.containers:
                container.state = {"waiting": {"reason": "PodInitializing"}}
        self.conditions: dict[str, dict[str, Any]] = {}
        self.phase = "Pending"
        self.ip = ""
        self.start_time = ""
        self.changed = trio.Event()
        self.dirty = False
        self.terminal = False
        self.confirmed = False
        self.running = False
        self._lock = trio.Lock()
        #: set (and replaced) whenever the status is regenerated: what ``_until`` waits on
        self._refreshed = trio.Event()
        reported = (pod.get("status") or {}).get("phase")
        if reported in ("Succeeded", "Failed"):  # already over (seen again after a restart)
            self.phase, self.terminal = reported, True

    # -- signals from the agent ---------------------------------------------------------------

    def update(self, pod: Object) -> None:
        self.pod = pod
        self.changed.set()
        # the status manager's reconciliation: someone else changed what we reported (the node
        # lifecycle controller marks pods NotReady on an unreachable node): write ours again
        ours = self.conditions.get("Ready")
        if ours is None or self.confirmed or not self.agent.api_ok or self._lock.locked():
            return
        theirs = next(
            (
                c.get("status")
                for c in (pod.get("status") or {}).get("conditions") or ()
                if c.get("type") == "Ready"
            ),
            None,
        )
        nursery = self.agent.nursery
        if theirs != ours["status"] and nursery is not None:
            nursery.start_soon(self.sync)

    @property
    def deleting(self) -> bool:
        return bool(self.pod["metadata"].get("deletionTimestamp"))

    # -- status ---------------------------------------------------------------------------------

    def set_condition(self, kind: str, status: bool, reason: str = "", message: str = "") -> None:
        """Set a pod condition; ``lastTransitionTime`` moves only when its status does."""
        value = "True" if status else "False"
        current = self.conditions.get(kind)
        moved = current is None or current["status"] != value
        condition: dict[str, Any] = {
            "type": kind,
            "status": value,
            "lastProbeTime": None,
            "lastTransitionTime": (
                self.agent.clock.timestamp() if moved else current["lastTransitionTime"]
            ),
        }
        if reason:
            condition["reason"] = reason
        if message:
            condition["message"] = message
        self.conditions[kind] = condition

    def _set_initialized(self, done: bool) -> None:
        if done:
            self.set_condition("Initialized", True)
            return
        pending = [
            c.name
            for c in self.init_containers
            if (not c.started if c.restartable else c.exit_code != 0)
        ]
        self.set_condition(
            "Initialized",
            False,
            "ContainersNotInitialized",
            f"containers with incomplete status: [{' '.join(pending)}]",
        )

    def refresh_readiness(self) -> None:
        """``started`` / ``ready`` of every container from its probe results (upstream's
        ``UpdatePodStatus``: no startup probe -- started once running; no readiness probe --
        ready once started; a started but unready container's readiness worker is triggered),
        then ``ContainersReady`` / ``Ready`` (``GenerateContainersReadyCondition``: sidecars
        count, listed first)."""
        for container in self.init_containers:
            if not container.restartable:
                container.started = container.running
                container.ready = container.exit_code == 0 and "terminated" in container.state
        for container in (*self.sidecars, *self.containers):
            started = container.running
            if started and "Startup" in container.probes:
                started = container.result("Startup") == "Success"
            ready = False
            if started:
                readiness = container.probes.get("Readiness")
                ready = readiness is None or container.result("Readiness") == "Success"
                if not ready and readiness is not None:
                    readiness.trigger()
            container.started, container.ready = started, ready
        unready = [c.name for c in (*self.sidecars, *self.containers) if not c.ready]
        ready = not unready and bool(self.containers)
        reason, message = "", ""
        if self.phase in ("Succeeded", "Failed"):
            reason = "PodCompleted" if self.phase == "Succeeded" else "PodFailed"
        elif not ready:
            reason = "ContainersNotReady"
            message = f"containers with unready status: [{' '.join(unready)}]"
        self.set_condition("ContainersReady", ready, reason, message)
        self.set_condition("Ready", ready, reason, message)
        self._refreshed.set()
        self._refreshed = trio.Event()

    async def _until(self, predicate: Callable[[], bool]) -> None:
        """Wait until ``predicate`` holds (checked whenever the status is regenerated)."""
        while not predicate():
            await self._refreshed.wait()

    def build_status(self) -> dict[str, Any]:
        scheduled = [
            c
            for c in (self.pod.get("status") or {}).get("conditions") or ()
            if c.get("type") == "PodScheduled"
        ]
        order = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")
        conditions = [self.conditions[k] for k in order if k in self.conditions] + scheduled
        host_ip = self.agent.internal_ip
        status: dict[str, Any] = {
            "phase": self.phase,
            "conditions": conditions,
            "hostIP": host_ip,
            "hostIPs": [{"ip": host_ip}],
            "qosClass": qos_class(self.pod),
            "containerStatuses": [c.status() for c in self.containers],
        }
        if self.ip:
            status["podIP"] = self.ip
            status["podIPs"] = [{"ip": self.ip}]
        if self.start_time:
            status["startTime"] = self.start_time
        if self.init_containers:
            status["initContainerStatuses"] = [c.status() for c in self.init_containers]
        return status

    async def sync(self) -> None:
        """Write the pod's status (or remember to, when the API server is out of reach)."""
        self.refresh_readiness()
        if not self.agent.api_ok:
            self.dirty = True
            return
        async with self._lock:
            self.dirty = False
            try:
                self.pod = await self.agent.client.patch(
                    "pods",
                    self.name,
                    {"status": self.build_status()},
                    namespace=self.namespace,
                    subresource="status",
                )
            except NotFound:
                self.confirmed = True
            except StatusError:
                self.dirty = True

    async def event(
        self, kind: str, reason: str, message: str, container: ContainerState | None = None
    ) -> None:
        """Record an event about the pod, or about one of its containers (``fieldPath``)."""
        if not self.agent.api_ok:
            return
        field_path = container.field_path if container is not None else ""
        await self.agent.recorder.event(self.pod, kind, reason, message, field_path=field_path)

    # -- what the probe workers report ------------------------------------------------------------

    async def probe_result_changed(self) -> None:
        """A readiness or startup result changed: regenerate and write the status."""
        await self.sync()

    async def probe_failed(
        self, container: ContainerState, run_id: str, kind: str, grace: float | None
    ) -> None:
        """A liveness or startup probe gave up on run ``run_id``: kill it (it restarts per
        the restart policy), within the probe's grace period if it has one."""
        container.request_kill(
            run_id,
            f"Container {container.name} failed {kind.lower()} probe, will be restarted",
            self._grace() if grace is None else grace,
        )

    # -- the lifecycle ----------------------------------------------------------------------

    async def run(self, *, rebooted: bool = False) -> None:
        """Run the pod until its deletion is confirmed or the node stops."""
        self.running = True
        try:
            if rebooted and self._after_reboot():
                await self.sync()
            if not (self.terminal or self.deleting):
                async with trio.open_nursery() as nursery:
                    self._start_probers(nursery)
                    nursery.start_soon(self._lifecycle, rebooted)
                    while not self.deleting and not self.confirmed:
                        await self._wait_changed()
                    nursery.cancel_scope.cancel()
            while not self.deleting and not self.confirmed:
                await self._wait_changed()  # terminal: hold until deleted
            if not self.confirmed:
                await self._terminate()
        finally:
            self.running = False

    def _start_probers(self, nursery: trio.Nursery) -> None:
        """One probe worker per probe of each container and sidecar (``AddPod``)."""
        for container in (*self.init_containers, *self.containers):
            container.probes = {}
            if container.init and not container.restartable:
                continue
            for worker in probe_workers(self, container):
                container.probes[worker.kind] = worker
                nursery.start_soon(worker.run)

    async def _wait_changed(self) -> None:
        await self.changed.wait()
        self.changed = trio.Event()
        while not self.agent.api_ok:  # partitioned: the kubelet does not hear the change yet
            await self.agent.healed.wait()

    def _will_run(self, container: ContainerState) -> bool:
        """Whether a regular container is started (again): ``ShouldContainerBeRestarted``."""
        if container.exit_code is None:
            return True
        if self.restart_policy == "Never":
            return False
        return self.restart_policy == "Always" or container.exit_code != 0

    def _after_reboot(self) -> bool:
        """The node rebooted: every container that ran is gone (a running one exited 255,
        reason Unknown). The pod gets a new sandbox in which its init containers run again from
        the first, then its containers: each that will run again counts a restart. A
        ``restartPolicy: Never`` pod whose containers ran gets no new sandbox
        (``computePodActions``): it fails. True when the pod became terminal."""
        if self.terminal:
            return False
        ran = [c for c in (*self.init_containers, *self.containers) if c.run is not None]
        if ran and self.restart_policy == "Never":
            for container in ran:
                if container.running:
                    self._terminate_container(container, 255, reason="Unknown")
            self.terminal, self.phase = True, "Failed"
            self.set_condition("PodReadyToStartContainers", False)
            self.refresh_readiness()
            return True
        waiting = "PodInitializing" if self.init_containers else "ContainerCreating"
        for container in ran:
            if not (container.init or self._will_run(container)):
                continue  # done for good
            if container.running:
                self._terminate_container(container, 255, reason="Unknown")
            if "terminated" in container.state:
                container.last_state = {"terminated": container.state["terminated"]}
            container.restart_count += 1
            container.exit_code = None
            container.state = {"waiting": {"reason": waiting}}
            container.previous, container.run = container.run, None
        self.set_condition("PodReadyToStartContainers", False)
        if self.init_containers:
            self._set_initialized(False)
        self.refresh_readiness()
        return False

    async def _lifecycle(self, rebooted: bool) -> None:
        clock = self.agent.clock
        if not self.start_time:
            self.start_time = clock.timestamp()
            self.set_condition("PodReadyToStartContainers", False)
            if self.init_containers:
                self._set_initialized(False)
            else:
                self.set_condition("Initialized", True)
            await self.sync()
        # the sandbox (a new one after a reboot: a new IP)
        await trio.lowlevel.checkpoint()
        if rebooted and self.ip:
            await self.event(
                NORMAL, "SandboxChanged", "Pod sandbox changed, it will be killed and re-created."
            )
            self.agent.release_ip(self.ip)
            self.ip = ""
        if not self.ip:
            self.ip = self.agent.allocate_ip()
        self.set_condition("PodReadyToStartContainers", True)
        if self.init_containers:
            await self.sync()
        async with trio.open_nursery() as nursery:
            if await self._initialize(nursery):
                for container in self.containers:
                    if self._will_run(container):
                        nursery.start_soon(self._container_loop, container)
            await self._until(lambda: self.terminal)
            nursery.cancel_scope.cancel()
        # every regular container exited for good: the sidecars go, last started first
        if any(c.running for c in self.sidecars):
            await self._kill_containers(self._grace())
            await self.sync()

    async def _initialize(self, nursery: trio.Nursery) -> bool:
        """Start the init containers in order: a sidecar's loop starts in ``nursery`` and the
        next waits for it to have started; an ordinary one runs to completion. False when the
        pod failed to initialize (``restartPolicy: Never``)."""
        for container in self.init_containers:
            if container.restartable:
                nursery.start_soon(self._container_loop, container)
                await self._until(_started(container))
            elif container.exit_code != 0 and not await self._run_init(container):
                return False
        if self.init_containers:
            self._set_initialized(True)
            for container in self.containers:
                if container.state.get("waiting", {}).get("reason") == "PodInitializing":
                    container.state = {"waiting": {"reason": "ContainerCreating"}}
            await self.sync()
        return True

    async def _pull(self, container: ContainerState) -> bool:
        """Pull the image; returns False when it fails (the caller backs off)."""
        behavior = self.behavior
        rng = self.agent.clock.rng
        image = container.image
        policy = container.spec.get("imagePullPolicy") or "IfNotPresent"
        if container.pulled or (policy != "Always" and self.agent.has_image(image)):
            container.pulled = True
            await self.event(
                NORMAL, "Pulled", f'Container image "{image}" already present on machine', container
            )
            return True
        await self.event(NORMAL, "Pulling", f'Pulling image "{image}"', container)
        delay = behavior.image_pull_delay.sample(rng)
        await trio.sleep(delay)
        if behavior.image_pull_failure:
            await self.event(
                WARNING,
                "Failed",
                f'Failed to pull image "{image}": failed to pull and unpack image '
                f'"{normalize_image(image)}": simulated image pull failure',
                container,
            )
            await self.event(WARNING, "Failed", "Error: ErrImagePull", container)
            container.state = {
                "waiting": {
                    "reason": "ErrImagePull",
                    "message": f'failed to pull and unpack image "{normalize_image(image)}"',
                }
            }
            await self.sync()
            return False
        took = go_duration(delay)
        await self.event(
            NORMAL,
            "Pulled",
            f'Successfully pulled image "{image}" in {took} ({took} including waiting). '
            f"Image size: {image_size(image)} bytes.",
            container,
        )
        container.pulled = True
        self.agent.add_image(image)
        return True

    async def _start(self, container: ContainerState) -> ContainerRun:
        """Create and start the container; returns its run."""
        agent, clock = self.agent, self.agent.clock
        backoff = BACKOFF_INITIAL
        while not await self._pull(container):
            image = container.image
            await self.event(NORMAL, "BackOff", f'Back-off pulling image "{image}"', container)
            await self.event(WARNING, "Failed", "Error: ImagePullBackOff", container)
            container.state = {
                "waiting": {
                    "reason": "ImagePullBackOff",
                    "message": f'Back-off pulling image "{image}"',
                }
            }
            await self.sync()
            await trio.sleep(backoff)
            backoff = min(backoff * 2, BACKOFF_MAX)
        await trio.sleep(self.behavior.container_start_delay.sample(clock.rng))
        container_id = f"containerd://{clock.rng.getrandbits(256):064x}"
        await self.event(NORMAL, "Created", f"Created container: {container.name}", container)
        run = ContainerRun(
            container.name,
            container_id,
            normalize_image(container.image),
            clock.monotonic(),
            _unix_nanos(clock.now()),
        )
        run.interval = max(self.behavior.log_interval, 0.001)
        container.new_run(run)
        agent.runs_started += 1
        container.state = {"running": {"startedAt": clock.timestamp()}}
        container.exit_code = None
        if self.phase == "Pending" and not container.init:
            self.phase = "Running"
        await self.event(NORMAL, "Started", f"Started container {container.name}", container)
        return run

    def _terminate_container(
        self, container: ContainerState, exit_code: int, *, reason: str = ""
    ) -> None:
        clock = self.agent.clock
        running = container.state.get("running") or {}
        run = container.run
        if run is not None:
            run.stop(clock.monotonic())
        container.state = {
            "terminated": {
                "exitCode": exit_code,
                "reason": reason or ("Completed" if exit_code == 0 else "Error"),
                "startedAt": running.get("startedAt"),
                "finishedAt": clock.timestamp(),
                "containerID": run.id if run else "",
            }
        }
        container.exit_code = exit_code
        container.ready = False
        container.started = False

    async def _run_init(self, container: ContainerState) -> bool:
        """Run an init container to completion; False when it failed for good (the pod is
        ``Failed``: ``restartPolicy: Never``). A failed init container restarts after the
        crash-loop back-off otherwise, as ``computeInitContainerActions``."""
        clock = self.agent.clock
        crashes = 0
        while True:
            await self._start(container)
            await self.sync()
            await trio.sleep(self.behavior.init_container_duration.sample(clock.rng))
            exit_code = self.behavior.init_exit_code
            self._terminate_container(container, exit_code)
            if exit_code == 0:
                await self.sync()
                return True
            if self.restart_policy == "Never":
                self.terminal = True
                self.phase = "Failed"
                self.set_condition("PodReadyToStartContainers", False)
                await self.sync()
                return False
            crashes += 1
            container.last_state = {"terminated": container.state["terminated"]}
            await self._back_off(container, crash_backoff(crashes))
            container.restart_count += 1

    async def _back_off(self, container: ContainerState, delay: float) -> None:
        """Wait out the crash-loop back-off (``BackOff`` event, ``CrashLoopBackOff`` state)."""
        if not delay:
            return
        pod_ref = f"{self.name}_{self.namespace}({self.uid})"
        await self.event(
            WARNING,
            "BackOff",
            f"Back-off restarting failed container {container.name} in pod {pod_ref}",
            container,
        )
        container.state = {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off {go_duration(delay)} restarting failed "
                f"container={container.name} pod={pod_ref}",
            }
        }
        await self.sync()
        await trio.sleep(delay)

    async def _container_loop(self, container: ContainerState) -> None:
        """Run a container (or sidecar), restarting it as its restart policy says."""
        clock = self.agent.clock
        crashes = 0
        last_exit: float | None = None
        while True:
            run = await self._start(container)
            await self.sync()
            exit_code = await self._run_until_exit(container, run)
            self._terminate_container(container, exit_code)
            restart = container.restartable or self.restart_policy == "Always"
            if self.restart_policy == "OnFailure" and exit_code != 0:
                restart = True
            if not restart:
                self._maybe_terminal()
                await self.sync()
                return
            # flowcontrol.Backoff: an entry last updated more than twice the maximum ago has
            # expired, so a container that ran for over 10 minutes restarts at once again
            now = clock.monotonic()
            if last_exit is not None and now - last_exit > 2 * BACKOFF_MAX:
                crashes = 0
            last_exit = now
            crashes += 1
            container.last_state = {"terminated": container.state["terminated"]}
            await self._back_off(container, crash_backoff(crashes))
            container.restart_count += 1

    async def _run_until_exit(self, container: ContainerState, run: ContainerRun) -> int:
        """Until the run exits (``crash_after``: the behaviour's exit code) or a probe has it
        killed (``Killing``; 137 after ``min(stop delay, grace period)``)."""
        behavior = self.behavior
        exit_at = math.inf if behavior.crash_after is None else run.start + behavior.crash_after
        with trio.move_on_at(exit_at):
            await container.kill_requested.wait()
            request = container.kill_request
            assert request is not None
            await self.event(NORMAL, "Killing", request.message, container)
            await trio.sleep(min(behavior.stop_delay, request.grace))
            return 137
        return behavior.exit_code

    def _maybe_terminal(self) -> None:
        if any(c.exit_code is None for c in self.containers):
            return
        self.terminal = True
        self.phase = "Succeeded" if all(c.exit_code == 0 for c in self.containers) else "Failed"
        self.set_condition("PodReadyToStartContainers", False)

    def _grace(self) -> float:
        metadata, spec = self.pod["metadata"], self.pod.get("spec") or {}
        grace = metadata.get("deletionGracePeriodSeconds")
        if grace is None:
            grace = spec.get("terminationGracePeriodSeconds", 30)
        return float(grace if grace is not None else 30)

    async def _kill_containers(self, grace: float) -> None:
        """Stop every running container within ``grace`` (``killContainersWithSyncResult`` with
        termination ordering): all get their ``Killing`` event at once; the regular ones (and
        an ordinary init container) stop together, then the sidecars one at a time, last started
        first, each within what remains of the grace period."""
        regular = [
            c for c in (*self.containers, *self.init_containers) if c.running and not c.restartable
        ]
        sidecars = [c for c in reversed(self.sidecars) if c.running]
        for container in (*regular, *sidecars):
            await self.event(NORMAL, "Killing", f"Stopping container {container.name}", container)
        clock, stop = self.agent.clock, self.behavior.stop_delay
        deadline = clock.monotonic() + grace
        if regular:
            await trio.sleep(min(grace, stop))
            for container in regular:
                self._terminate_container(container, 0 if stop <= grace else 137)
        for container in sidecars:
            if regular or container is not sidecars[0]:
                await self.sync()  # the order shows in the pod's status
            remaining = max(deadline - clock.monotonic(), 0.0)
            await trio.sleep(min(remaining, stop))
            self._terminate_container(container, 0 if stop <= remaining else 137)

    async def _terminate(self) -> None:
        """Stop every container within the grace period, then confirm the deletion."""
        if any(c.running for c in (*self.containers, *self.init_containers)):
            await self._kill_containers(self._grace())
            if not self.terminal:
                self.terminal = True
                failed = any(c.exit_code not in (0, None) for c in self.containers)
                # as v1.27+ kubelets: a pod stopped for deletion ends terminal, Succeeded when
                # every container exited 0 (whatever its restartPolicy)
                self.phase = "Failed" if failed else "Succeeded"
            self.set_condition("PodReadyToStartContainers", False)
            await self.sync()
        while not self.agent.api_ok:
            await self.agent.healed.wait()
        with contextlib.suppress(NotFound, Conflict):
            await self.agent.client.delete(
                "pods",
                self.name,
                namespace=self.namespace,
                grace_period_seconds=0,
                preconditions={"uid": self.uid},
            )
        self.confirmed = True
        self.agent.release_ip(self.ip)


__all__ = ["PodWorker", "qos_class"]
