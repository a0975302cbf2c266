"""A simulated kubelet's pod worker: one task per pod bound to the node.

As ``pkg/kubelet/pod_workers.go`` + ``kuberuntime``, minus the runtime: the sandbox is created
(``PodReadyToStartContainers``), init containers run to completion in order (``Initialized``),
then the containers are pulled (``Pulling``/``Pulled``), created and started (``Created``,
``Started``), become ready after the readiness delay (``ContainersReady``, ``Ready``), and may exit
(``crash_after``) or fail liveness; ``restartPolicy`` decides between a restart -- after the
crash-loop back-off (10 s doubling to 300 s, the first restart immediate) -- and a terminal phase
(``Succeeded`` when every container exited 0, else ``Failed``). A pod with a
``deletionTimestamp`` is stopped (``Killing``), each container getting ``min(grace period, stop
delay)`` to exit (exit code 0, or 137 when the grace period ran out), then its deletion is
confirmed with a zero grace period and a uid precondition.

Status is written with a merge patch of ``status`` (subresource ``status``), whole lists at a time.
"""

from __future__ import annotations

import calendar
import contextlib
import hashlib
import math
import zlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

import trio

from controllers.kubelet.config import PodBehavior
from controllers.kubelet.logs import ContainerRun
from controllers.runtime.events import NORMAL, WARNING
from minikube_py.errors import Conflict, NotFound, StatusError
from minikube_py.objects import Object
from minikube_py.quantity import milli_value

if TYPE_CHECKING:
    from controllers.kubelet.agent import NodeAgent

BACKOFF_INITIAL = 10.0
BACKOFF_MAX = 300.0


def normalize_image(image: str) -> str:
    """``nginx`` -> ``docker.io/library/nginx:latest`` (what containerd reports)."""
    name = image
    if "@" not in name and ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    first = name.split("/", 1)[0]
    if "/" not in name:
        return f"docker.io/library/{name}"
    if "." not in first and ":" not in first and first != "localhost":
        return f"docker.io/{name}"
    return name


def image_id(image: str) -> str:
    name = normalize_image(image)  # "nginx" and "docker.io/library/nginx:latest" agree
    repo = name.split("@")[0].rsplit(":", 1)[0]
    return f"{repo}@sha256:{hashlib.sha256(name.encode()).hexdigest()}"


def image_size(image: str) -> int:
    return 1_000_000 + zlib.crc32(normalize_image(image).encode()) % 200_000_000


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration.String`` of a duration truncated to milliseconds."""
    millis = int(seconds * 1000 + 1e-6)
    if millis == 0:
        return "0s"
    if millis < 1000:
        return f"{millis}ms"
    minutes, ms = divmod(millis, 60_000)
    secs = f"{ms / 1000:.3f}".rstrip("0").rstrip(".")
    hours, minutes = divmod(minutes, 60)
    out = f"{secs}s"
    if minutes or hours:
        out = f"{minutes}m" + out
    if hours:
        out = f"{hours}h" + out
    return out


def crash_backoff(crashes: int) -> float:
    """The wait before restarting after the ``crashes``-th exit: none the first time, then
    10 s doubling to 300 s (kuberuntime's ``doBackOff`` on a ``flowcontrol.Backoff``)."""
    if crashes <= 1:
        return 0.0
    return min(BACKOFF_INITIAL * 2 ** (crashes - 2), BACKOFF_MAX)


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


def _initial_delay(spec: dict[str, Any], probe: str) -> float:
    configured = spec.get(probe)
    if not configured:
        return 0.0
    return float(configured.get("initialDelaySeconds") or 0)


def _or_never(moment: float | None) -> float:
    return math.inf if moment is None else moment


class _ProbeKill:
    """A probe that fails until the container is killed: the first failure at ``first``, one
    every ``period`` seconds, the kill at the ``threshold``-th (``kubelet/prober``'s
    failureThreshold, defaults 10 s x 3)."""

    __slots__ = ("first", "period", "probe", "threshold")

    def __init__(self, probe: str, first: float, period: float, threshold: int) -> None:
        self.probe = probe
        self.first = first
        self.period = period
        self.threshold = max(threshold, 1)

    @property
    def kill_at(self) -> float:
        return self.first + self.period * (self.threshold - 1)

    def failures(self) -> list[float]:
        return [self.first + self.period * k for k in range(self.threshold)]

    @classmethod
    def _of(cls, probe: str, spec: dict[str, Any] | None, first: float) -> _ProbeKill:
        spec = spec or {}
        return cls(
            probe,
            first,
            float(spec.get("periodSeconds") or 10),
            int(spec.get("failureThreshold") or 3),
        )

    @classmethod
    def startup(
        cls, spec: dict[str, Any], started: float, behavior: PodBehavior
    ) -> _ProbeKill | None:
        """A startup probe that never passes (``startup_failure``; needs a ``startupProbe``)."""
        if not behavior.startup_failure or not spec.get("startupProbe"):
            return None
        first = started + _initial_delay(spec, "startupProbe")
        return cls._of("Startup", spec["startupProbe"], first)

    @classmethod
    def liveness(
        cls, spec: dict[str, Any], started: float, behavior: PodBehavior
    ) -> _ProbeKill | None:
        """The liveness probe failing from ``liveness_failure_after`` seconds after the start
        (with or without a ``livenessProbe`` in the spec: its period and threshold if any)."""
        if behavior.liveness_failure_after is None:
            return None
        first = started + behavior.liveness_failure_after
        return cls._of("Liveness", spec.get("livenessProbe"), first)


class ContainerState:
    """What the runtime knows of one container (becomes a ``ContainerStatus``)."""

    def __init__(self, spec: dict[str, Any], *, init: bool = False) -> None:
        self.name: str = spec.get("name", "")
        self.image: str = spec.get("image", "")
        self.spec = spec
        self.init = init
        self.restartable = init and spec.get("restartPolicy") == "Always"
        self.state: dict[str, Any] = {"waiting": {"reason": "ContainerCreating"}}
        self.last_state: dict[str, Any] = {}
        self.restart_count = 0
        self.ready = False
        self.started = False
        self.pulled = False
        self.exit_code: int | None = None
        self.run: ContainerRun | None = None
        self.previous: ContainerRun | None = None

    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "name": self.name,
            "image": normalize_image(self.image),
            "imageID": image_id(self.image) if self.pulled else "",
            "ready": self.ready,
            "restartCount": self.restart_count,
            "started": self.started,
            "state": self.state,
            "lastState": self.last_state,
        }
        if self.run is not None:
            status["containerID"] = self.run.id
        return status


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

    def set_condition(self, kind: str, status: bool) -> None:
        value = "True" if status else "False"
        current = self.conditions.get(kind)
        if current is not None and current["status"] == value:
            return
        self.conditions[kind] = {
            "type": kind,
            "status": value,
            "lastProbeTime": None,
            "lastTransitionTime": self.agent.clock.timestamp(),
        }
        if not status and kind in ("ContainersReady", "Ready"):
            waiting = [c.name for c in self.containers if not c.ready]
            if kind == "Ready":
                self.conditions[kind]["reason"] = "ContainersNotReady"
            else:
                self.conditions[kind]["reason"] = "ContainersNotReady"
            self.conditions[kind]["message"] = (
                f"containers with unready status: [{' '.join(waiting)}]"
            )
        if not status and kind == "Initialized" and self.init_containers:
            pending = [c.name for c in self.init_containers if c.exit_code != 0]
            self.conditions[kind]["reason"] = "ContainersNotInitialized"
            self.conditions[kind]["message"] = (
                f"containers with incomplete status: [{' '.join(pending)}]"
            )

    def refresh_readiness(self) -> None:
        ready = all(c.ready for c in self.containers) and bool(self.containers)
        self.set_condition("ContainersReady", ready)
        self.set_condition("Ready", ready)

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

    async def event(self, kind: str, reason: str, message: str, container: str = "") -> None:
        if not self.agent.api_ok:
            return
        # (upstream points container events at ``spec.containers{name}``; the shared
        # EventRecorder has no fieldPath yet)
        await self.agent.recorder.event(self.pod, kind, reason, message)

    # -- the lifecycle ----------------------------------------------------------------------

    async def run(self, *, rebooted: bool = False) -> None:
        """Run the pod until its deletion is confirmed or the node stops."""
        self.running = True
        try:
            if rebooted:
                self._after_reboot()
            if not (self.terminal or self.deleting):
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(self._lifecycle)
                    while not self.deleting and not self.confirmed:
                        await self._wait_changed()
                    nursery.cancel_scope.cancel()
            while not self.deleting and not self.confirmed:
                await self._wait_changed()  # terminal: hold until deleted
            if not self.confirmed:
                await self._terminate()
        finally:
            self.running = False

    async def _wait_changed(self) -> None:
        await self.changed.wait()
        self.changed = trio.Event()
        while not self.agent.api_ok:  # partitioned: the kubelet does not hear the change yet
            await self.agent.healed.wait()

    def _after_reboot(self) -> None:
        """The node rebooted: every container that ran is gone (exit 255, reason Unknown)."""
        now = self.agent.clock.timestamp()
        for container in (*self.init_containers, *self.containers):
            running = container.state.get("running")
            if running is None:
                continue
            container.last_state = {
                "terminated": {
                    "exitCode": 255,
                    "reason": "Unknown",
                    "startedAt": running.get("startedAt"),
                    "finishedAt": now,
                    "containerID": container.run.id if container.run else "",
                }
            }
            container.restart_count += 1
            container.ready = container.started = False
            container.state = {"waiting": {"reason": "ContainerCreating"}}
            container.previous, container.run = container.run, None
        if not self.terminal:
            self.set_condition("PodReadyToStartContainers", False)
            self.refresh_readiness()

    async def _lifecycle(self) -> None:
        clock = self.agent.clock
        if not self.start_time:
            self.start_time = clock.timestamp()
            self.set_condition("PodReadyToStartContainers", False)
            self.set_condition("Initialized", not self.init_containers)
            self.refresh_readiness()
            await self.sync()
        # the sandbox
        await trio.lowlevel.checkpoint()
        if not self.ip:
            self.ip = self.agent.allocate_ip()
        self.set_condition("PodReadyToStartContainers", True)
        if self.init_containers:
            await self.sync()
        sidecars = []
        for container in self.init_containers:
            if container.restartable:
                sidecars.append(container)  # runs beside the containers (simplified: started
                continue  # with them rather than before the next init container)
            if container.exit_code == 0:
                continue
            if not await self._run_init(container):
                return  # the pod failed to initialize (restartPolicy Never)
        if self.init_containers:
            self.set_condition("Initialized", True)
            for container in self.containers:
                if container.state.get("waiting", {}).get("reason") == "PodInitializing":
                    container.state = {"waiting": {"reason": "ContainerCreating"}}
            await self.sync()
        async with trio.open_nursery() as nursery:
            for container in (*sidecars, *self.containers):
                nursery.start_soon(self._container_loop, container)

    async def _pull(self, container: ContainerState) -> bool:
        """Pull the image; returns False when it fails (the caller backs off)."""
        behavior = self.behavior
        rng = self.agent.clock.rng
        image = container.image
        policy = container.spec.get("imagePullPolicy") or "IfNotPresent"
        if container.pulled or (policy != "Always" and self.agent.has_image(image)):
            container.pulled = True
            await self.event(
                NORMAL,
                "Pulled",
                f'Container image "{image}" already present on machine',
                container.name,
            )
            return True
        await self.event(NORMAL, "Pulling", f'Pulling image "{image}"', container.name)
        delay = behavior.image_pull_delay.sample(rng)
        await trio.sleep(delay)
        if behavior.image_pull_failure:
            await self.event(
                WARNING,
                "Failed",
                f'Failed to pull image "{image}": failed to pull and unpack image '
                f'"{normalize_image(image)}": simulated image pull failure',
                container.name,
            )
            await self.event(WARNING, "Failed", "Error: ErrImagePull", container.name)
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
            container.name,
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
            await self.event(NORMAL, "BackOff", f'Back-off pulling image "{image}"', container.name)
            await self.event(WARNING, "Failed", "Error: ImagePullBackOff", container.name)
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
        await self.event(NORMAL, "Created", f"Created container: {container.name}", container.name)
        run = ContainerRun(
            container.name,
            container_id,
            normalize_image(container.image),
            clock.monotonic(),
            _unix_nanos(clock.now()),
        )
        run.interval = max(self.behavior.log_interval, 0.001)
        if container.run is not None:
            container.previous = container.run
        container.run = run
        agent.runs_started += 1
        container.state = {"running": {"startedAt": clock.timestamp()}}
        container.started = True
        container.exit_code = None
        if self.phase == "Pending" and not container.init:
            self.phase = "Running"
        await self.event(NORMAL, "Started", f"Started container {container.name}", container.name)
        return run

    def _terminate_container(self, container: ContainerState, exit_code: int) -> None:
        clock = self.agent.clock
        running = container.state.get("running") or {}
        run = container.run
        if run is not None:
            run.stop(clock.monotonic())
        container.state = {
            "terminated": {
                "exitCode": exit_code,
                "reason": "Completed" if exit_code == 0 else "Error",
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
            container.name,
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
        behavior, clock = self.behavior, self.agent.clock
        crashes = 0
        last_exit: float | None = None
        while True:
            await self._start(container)
            started = clock.monotonic()
            exit_at = started + behavior.crash_after if behavior.crash_after is not None else None
            # a probe that keeps failing kills the container at its failureThreshold-th failure
            # (the liveness probe only runs once the startup probe passed)
            kill = _ProbeKill.startup(container.spec, started, behavior)
            if kill is None:
                kill = _ProbeKill.liveness(container.spec, started, behavior)
            live_at = kill.kill_at if kill is not None else None
            # probes pass after their initial delay (a startup probe gates ``started`` and
            # readiness; a readiness probe gates readiness); the behaviour's delays add to that
            startup_at = started + _initial_delay(container.spec, "startupProbe")
            if kill is not None and kill.probe == "Startup":
                startup_at = math.inf
            ready_at: float | None = None
            if not behavior.never_ready:
                ready_at = max(
                    startup_at,
                    started + _initial_delay(container.spec, "readinessProbe"),
                    started + behavior.readiness_delay.sample(clock.rng),
                )
                if ready_at >= min(_or_never(exit_at), _or_never(live_at)):
                    ready_at = None
            if startup_at > started:
                container.started = False
            if ready_at is not None and ready_at <= started:
                container.ready = True  # ready at once: one status write
                ready_at = None
            self.refresh_readiness()
            await self.sync()
            if not container.started and startup_at < _or_never(exit_at):
                await trio.sleep_until(startup_at)
                container.started = True
                if ready_at is not None and ready_at <= startup_at:
                    container.ready, ready_at = True, None
                    self.refresh_readiness()
                await self.sync()
            if ready_at is not None:
                await trio.sleep_until(ready_at)
                container.ready = True
                self.refresh_readiness()
                await self.sync()
            ends = [t for t in (exit_at, live_at) if t is not None]
            await self._readiness_failures(container, min(ends, default=math.inf))
            if not ends:
                await trio.sleep_forever()
            if kill is not None and (exit_at is None or kill.kill_at < exit_at):
                for failure_at in kill.failures():
                    await trio.sleep_until(failure_at)
                    await self.event(
                        WARNING,
                        "Unhealthy",
                        f"{kill.probe} probe failed: simulated {kill.probe.lower()} failure",
                        container.name,
                    )
                await self.event(
                    NORMAL,
                    "Killing",
                    f"Container {container.name} failed {kill.probe.lower()} probe, "
                    "will be restarted",
                    container.name,
                )
                await trio.sleep(min(behavior.stop_delay, self._grace()))
                exit_code = 137
            else:
                await trio.sleep_until(min(ends))
                exit_code = behavior.exit_code
            self._terminate_container(container, exit_code)
            self.refresh_readiness()
            restart = self.restart_policy == "Always" or (
                self.restart_policy == "OnFailure" and exit_code != 0
            )
            if container.restartable:
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
            terminated = container.state["terminated"]
            container.last_state = {"terminated": terminated}
            await self._back_off(container, crash_backoff(crashes))
            container.restart_count += 1

    async def _readiness_failures(self, container: ContainerState, end: float) -> None:
        """The behaviour's readiness failure schedule, until the run ends at ``end``: the
        probe fails ``readiness_failure_after`` seconds after the container became ready (an
        ``Unhealthy`` event, the pod NotReady, no restart) and passes again after
        ``readiness_failure_duration`` (when given)."""
        behavior, clock = self.behavior, self.agent.clock
        if behavior.readiness_failure_after is None or not container.ready:
            return
        fail_at = clock.monotonic() + behavior.readiness_failure_after
        flips = [(fail_at, False)]
        if behavior.readiness_failure_duration is not None:
            flips.append((fail_at + behavior.readiness_failure_duration, True))
        for at, ready in flips:
            if at >= end:
                return
            await trio.sleep_until(at)
            if not ready:
                await self.event(
                    WARNING,
                    "Unhealthy",
                    "Readiness probe failed: simulated readiness failure",
                    container.name,
                )
            container.ready = ready
            self.refresh_readiness()
            await self.sync()

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

    async def _terminate(self) -> None:
        """Stop every container within the grace period, then confirm the deletion."""
        grace = self._grace()
        stopping = [c for c in (*self.containers, *self.init_containers) if "running" in c.state]
        for container in stopping:
            await self.event(
                NORMAL, "Killing", f"Stopping container {container.name}", container.name
            )
        if stopping:
            stop = self.behavior.stop_delay
            await trio.sleep(min(grace, stop))
            for container in stopping:
                self._terminate_container(container, 0 if stop <= grace else 137)
            self.refresh_readiness()
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
