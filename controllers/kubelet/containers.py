"""What the simulated container runtime knows of one container, and the small naming helpers the
kubelet reports it with.

A :class:`ContainerState` becomes one ``ContainerStatus`` (``state``, ``lastState``,
``restartCount``, ``ready``, ``started``, ``containerID``, ``image``/``imageID``). Besides the
status it carries what the kubelet keeps beside its runtime: the probe results of the current run
(keyed by the run's container id, as ``prober/results`` keys them, so a new run never sees the
last run's results), the probe workers watching it, and a pending kill request (a liveness or
startup probe that gave up on the run).

Images are named as containerd reports them (:func:`normalize_image`, :func:`image_id`); sizes are
seeded by the name (:func:`image_size`). ``go_duration`` (re-exported from
:mod:`minikube_py.gotime`) prints durations as Go does in event messages, :func:`crash_backoff`
is the crash-loop back-off of ``kuberuntime``.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import TYPE_CHECKING, Any, Literal

import trio

from controllers.kubelet.logs import ContainerRun
from minikube_py.gotime import go_duration

if TYPE_CHECKING:
    from controllers.kubelet.probes import ProbeWorker

BACKOFF_INITIAL = 10.0
BACKOFF_MAX = 300.0

#: ``prober/results.Result``
ProbeResult = Literal["Success", "Failure", "Unknown"]


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


def crash_backoff(crashes: int) -> float:
    """The wait before restarting after the ``crashes``-th exit: none the first time, then
    10 s doubling to 300 s (kuberuntime's ``doBackOff`` on a ``flowcontrol.Backoff``)."""
    if crashes <= 1:
        return 0.0
    return min(BACKOFF_INITIAL * 2 ** (crashes - 2), BACKOFF_MAX)


class KillRequest:
    """A probe gave up on a run: stop it (``Killing`` with ``message``) within ``grace``."""

    __slots__ = ("grace", "message", "run_id")

    def __init__(self, run_id: str, message: str, grace: float) -> None:
        self.run_id = run_id
        self.message = message
        self.grace = grace


class ContainerState:
    """What the runtime knows of one container (becomes a ``ContainerStatus``)."""

    def __init__(self, spec: dict[str, Any], *, init: bool = False) -> None:
        self.name: str = spec.get("name", "")
        self.image: str = spec.get("image", "")
        self.spec = spec
        self.init = init
        #: a sidecar: an init container with ``restartPolicy: Always`` (KEP-753)
        self.restartable = init and spec.get("restartPolicy") == "Always"
        #: where the kubelet's events about the container point (``involvedObject.fieldPath``)
        self.field_path = f"spec.{'initContainers' if init else 'containers'}{{{self.name}}}"
        self.state: dict[str, Any] = {"waiting": {"reason": "ContainerCreating"}}
        self.last_state: dict[str, Any] = {}
        self.restart_count = 0
        self.ready = False
        self.started = False
        self.pulled = False
        self.exit_code: int | None = None
        self.run: ContainerRun | None = None
        self.previous: ContainerRun | None = None
        #: probe kind -> its worker, while the pod worker runs
        self.probes: dict[str, ProbeWorker] = {}
        #: probe kind -> (container id, result): the results manager's entries
        self._results: dict[str, tuple[str, ProbeResult]] = {}
        self.kill_request: KillRequest | None = None
        self.kill_requested = trio.Event()

    @property
    def running(self) -> bool:
        return "running" in self.state and self.run is not None

    def result(self, kind: str) -> ProbeResult | None:
        """The ``kind`` probe's result for the current run (None: none yet)."""
        entry = self._results.get(kind)
        if entry is None or self.run is None or entry[0] != self.run.id:
            return None
        return entry[1]

    def set_result(self, kind: str, run_id: str, result: ProbeResult) -> bool:
        """Record a probe result for run ``run_id``; True when it changed (an update)."""
        previous = self._results.get(kind)
        self._results[kind] = (run_id, result)
        return previous != (run_id, result)

    def new_run(self, run: ContainerRun) -> None:
        """A new run started: the last one's kill request no longer applies."""
        if self.run is not None:
            self.previous = self.run
        self.run = run
        self.kill_request = None
        self.kill_requested = trio.Event()

    def request_kill(self, run_id: str, message: str, grace: float) -> None:
        """Ask the container's task to kill run ``run_id`` (ignored once another run started)."""
        if self.run is None or self.run.id != run_id or self.kill_request is not None:
            return
        self.kill_request = KillRequest(run_id, message, grace)
        self.kill_requested.set()

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


__all__ = [
    "BACKOFF_INITIAL",
    "BACKOFF_MAX",
    "ContainerState",
    "KillRequest",
    "ProbeResult",
    "crash_backoff",
    "go_duration",
    "image_id",
    "image_size",
    "normalize_image",
]
