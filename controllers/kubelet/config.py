"""Node pools and pod behaviour: what a simulated kubelet registers and how its pods behave.

A :class:`NodePool` is the template for nodes (capacity, allocatable, labels, taints, zone) and
carries a :class:`PodBehavior`: typed stage data in the spirit of KWOK's stages -- seeded delay
distributions (:class:`Distribution`) for image pulls and container starts, failures (crash after
N seconds with an exit code, image pull failure, init containers that fail) and what the
simulated applications answer to their probes (:class:`ProbeScript`, one per probe kind). A pool
also lists the images its nodes hold at registration (``status.images``);
:meth:`NodePool.control_plane` is kubeadm's control-plane shape (label and ``NoSchedule`` taint).

Probe scripts only matter for the probes a container declares: the kubelet's probe workers
(``probes``) run the probes of the spec, and ask the script for each answer. A container without
a ``readinessProbe`` is ready once started, whatever its readiness script says. The older flat
fields are shorthands folded into the scripts by :meth:`PodBehavior.probe_script`:
``readiness_delay`` (the readiness probe passes from that long after the start), ``never_ready``
(the readiness probe never passes), ``readiness_failure_after`` / ``readiness_failure_duration``
(the readiness probe fails from that many seconds after the start, for that long),
``liveness_failure_after`` (the liveness probe fails from then on) and ``startup_failure`` (the
startup probe never passes).

Per-pod overrides are annotations ``sim.minikube-py.dev/<field>`` where ``<field>`` is a
:class:`PodBehavior` field name, with ``_`` or ``-`` (``sim.minikube-py.dev/crash-after: "30"``):

* delays (``image_pull_delay``, ``container_start_delay``, ``readiness_delay``,
  ``init_container_duration``): ``"1.5"`` (fixed seconds), ``"1-3"`` (uniform) or
  ``"lognormal:1.5,0.5"`` (median 1.5 s, sigma 0.5; ``"lognormal:1.5,0.5,10"`` caps it at 10 s);
* ``crash_after`` / ``liveness_failure_after`` / ``readiness_failure_after`` /
  ``readiness_failure_duration`` / ``stop_delay`` / ``log_interval``: seconds;
* ``exit_code``: an integer (``0`` makes ``crash_after`` a clean exit, as a Job's container);
* ``init_exit_code``: an integer, what init containers exit with (non-zero: ``Init:Error``,
  ``Init:CrashLoopBackOff``);
* ``image_pull_failure`` / ``never_ready`` / ``startup_failure``: ``"true"`` or ``"false"``;
* ``startup_probe`` / ``readiness_probe`` / ``liveness_probe``: a :class:`ProbeScript` as
  comma-separated ``key=value`` items and flags (``"fail-after=30,fail-for=20"``,
  ``"fail-first=3"``, ``"never"``, ``"pass-after=5,latency=2"``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any, Literal

import msgspec

ANNOTATION_PREFIX = "sim.minikube-py.dev/"


class Distribution(msgspec.Struct, frozen=True):
    """A seeded delay: ``fixed`` (``low`` seconds), ``uniform`` in [``low``, ``high``], or
    ``lognormal`` with median ``low`` and shape ``sigma``, capped at ``high`` when ``high`` > 0
    (the long right tail of real image pulls and container starts)."""

    kind: Literal["fixed", "uniform", "lognormal"] = "fixed"
    low: float = 0.0
    high: float = 0.0
    sigma: float = 0.0

    @classmethod
    def fixed(cls, seconds: float) -> Distribution:
        return cls("fixed", seconds, seconds)

    @classmethod
    def uniform(cls, low: float, high: float) -> Distribution:
        return cls("uniform", low, high)

    @classmethod
    def lognormal(cls, median: float, sigma: float, cap: float = 0.0) -> Distribution:
        return cls("lognormal", median, cap, sigma)

    @classmethod
    def parse(cls, text: str) -> Distribution:
        """``"1.5"``, ``"1-3"`` or ``"lognormal:MEDIAN,SIGMA[,CAP]"``."""
        text = text.strip()
        if text.startswith("lognormal:"):
            numbers = [float(part) for part in text[len("lognormal:") :].split(",")]
            if len(numbers) not in (2, 3) or numbers[0] <= 0 or numbers[1] < 0:
                raise ValueError(f"bad lognormal distribution: {text!r}")
            return cls.lognormal(*numbers)
        low, sep, high = text.partition("-")
        if sep and low:
            return cls.uniform(float(low), float(high))
        return cls.fixed(float(text))

    def sample(self, rng: random.Random) -> float:
        if self.kind == "uniform" and self.high > self.low:
            return rng.uniform(self.low, self.high)
        if self.kind == "lognormal" and self.low > 0:
            value = rng.lognormvariate(math.log(self.low), self.sigma)
            return min(value, self.high) if self.high > 0 else value
        return self.low


class ProbeScript(msgspec.Struct, frozen=True, kw_only=True):
    """What a simulated application answers to one kind of probe, in every run of its container;
    times count from the container's start, probes from the run's first. Default: every probe
    passes at once."""

    #: the probe fails until this long after the start (the application is still coming up:
    #: its port refuses connections)
    pass_after: float = 0.0
    #: the first N probes of each run fail, then the probe passes
    fail_first: int = 0
    #: the probe fails from this many seconds after the start ...
    fail_after: float | None = None
    #: ... for this long (None: for the rest of the run)
    fail_for: float | None = None
    #: the probe never passes
    never: bool = False
    #: seconds the application takes to answer; at or beyond the probe's ``timeoutSeconds`` the
    #: probe times out (a failure)
    latency: float = 0.0

    def answer(self, since_start: float, attempt: int) -> str | None:
        """Why the ``attempt``-th probe (from 1) at ``since_start`` seconds fails -- ``"refused"``
        (not up yet), ``"failing"`` or ``"timeout"`` -- or None when it passes (timeouts are
        decided by the prober, which knows ``timeoutSeconds``: see :attr:`latency`)."""
        if self.never:
            return "failing"
        if since_start < self.pass_after:
            return "refused"
        if attempt <= self.fail_first:
            return "failing"
        after, duration = self.fail_after, self.fail_for
        if after is not None and after <= since_start < after + (duration or math.inf):
            return "failing"
        return None

    @classmethod
    def parse(cls, text: str) -> ProbeScript:
        """``"fail-after=30,fail-for=20"``, ``"fail-first=3"``, ``"never"``, ``"pass"``..."""
        fields: dict[str, Any] = {}
        for item in text.split(","):
            item = item.strip()
            if not item or item == "pass":
                continue
            key, sep, value = item.partition("=")
            name = key.strip().replace("-", "_")
            if name == "never" and not sep:
                fields["never"] = True
            elif name in ("pass_after", "fail_after", "fail_for", "latency") and sep:
                fields[name] = float(value)
            elif name == "fail_first" and sep:
                fields[name] = int(value)
            elif name == "never":
                fields["never"] = value.strip().lower() in ("true", "1", "yes")
            else:
                raise ValueError(f"bad probe script item: {item!r}")
        return cls(**fields)


class PodBehavior(msgspec.Struct, frozen=True, kw_only=True):
    """How the containers of pods behave on a simulated node."""

    image_pull_delay: Distribution = Distribution.fixed(0.5)
    container_start_delay: Distribution = Distribution.fixed(0.1)
    #: the readiness probe passes from this long after the start (sampled per run)
    readiness_delay: Distribution = Distribution.fixed(0.0)
    #: how long an (ordinary) init container runs before it exits 0
    init_container_duration: Distribution = Distribution.fixed(1.0)
    #: a main container exits this many seconds after it starts (None: runs until stopped)
    crash_after: float | None = None
    exit_code: int = 1
    #: what (ordinary) init containers exit with after ``init_container_duration``; non-zero
    #: fails the pod (``restartPolicy: Never``) or crash-loops the init container
    init_exit_code: int = 0
    image_pull_failure: bool = False
    #: the readiness probe never passes
    never_ready: bool = False
    #: the liveness probe fails from this many seconds after the container starts (the
    #: container is killed and restarted at the probe's failureThreshold-th failure)
    liveness_failure_after: float | None = None
    #: the startup probe never passes: never started nor ready, killed at the probe's
    #: failureThreshold-th failure and restarted (crash-looping)
    startup_failure: bool = False
    #: the readiness probe fails from this many seconds after the container starts (the pod
    #: turns NotReady, without a restart) ...
    readiness_failure_after: float | None = None
    #: ... and passes again after this long (None: fails for the rest of the run)
    readiness_failure_duration: float | None = None
    #: what the application answers to each kind of probe (the shorthands above add to these)
    startup_probe: ProbeScript = ProbeScript()
    readiness_probe: ProbeScript = ProbeScript()
    liveness_probe: ProbeScript = ProbeScript()
    #: how long a container takes to stop on SIGTERM (capped by the grace period)
    stop_delay: float = 0.5
    #: seconds between the simulated periodic log lines
    log_interval: float = 10.0

    def for_pod(self, pod: Mapping[str, Any]) -> PodBehavior:
        """This behaviour with the pod's ``sim.minikube-py.dev/*`` annotations applied."""
        annotations = (pod.get("metadata") or {}).get("annotations") or {}
        changes: dict[str, Any] = {}
        for key, text in annotations.items():
            if not key.startswith(ANNOTATION_PREFIX):
                continue
            name = key[len(ANNOTATION_PREFIX) :].replace("-", "_")
            try:
                changes[name] = _parse_field(name, str(text))
            except (KeyError, ValueError):
                continue  # unknown or malformed overrides are ignored, as unknown annotations
        return msgspec.structs.replace(self, **changes) if changes else self

    def probe_script(self, kind: str, rng: random.Random) -> ProbeScript:
        """The script of one run's ``kind`` probe (``Startup``, ``Readiness`` or ``Liveness``),
        with the shorthand fields folded in (``readiness_delay`` is sampled from ``rng``)."""
        replace = msgspec.structs.replace
        if kind == "Startup":
            script = self.startup_probe
            return replace(script, never=True) if self.startup_failure else script
        if kind == "Liveness":
            script = self.liveness_probe
            if self.liveness_failure_after is not None:
                script = replace(script, fail_after=self.liveness_failure_after, fail_for=None)
            return script
        script = self.readiness_probe
        delay = self.readiness_delay.sample(rng)
        if delay > script.pass_after:
            script = replace(script, pass_after=delay)
        if self.never_ready:
            script = replace(script, never=True)
        if self.readiness_failure_after is not None:
            script = replace(
                script,
                fail_after=self.readiness_failure_after,
                fail_for=self.readiness_failure_duration,
            )
        return script


_DISTRIBUTIONS = {
    "image_pull_delay",
    "container_start_delay",
    "readiness_delay",
    "init_container_duration",
}
_OPTIONAL_SECONDS = {
    "crash_after",
    "liveness_failure_after",
    "readiness_failure_after",
    "readiness_failure_duration",
}
_SECONDS = {"stop_delay", "log_interval"}
_FLAGS = {"image_pull_failure", "never_ready", "startup_failure"}
_SCRIPTS = {"startup_probe", "readiness_probe", "liveness_probe"}


def _parse_field(name: str, text: str) -> Any:
    if name in _DISTRIBUTIONS:
        return Distribution.parse(text)
    if name in _OPTIONAL_SECONDS:
        return None if text.strip().lower() in ("", "none", "null") else float(text)
    if name in _SECONDS:
        return float(text)
    if name in _FLAGS:
        return text.strip().lower() in ("true", "1", "yes")
    if name in _SCRIPTS:
        return ProbeScript.parse(text)
    if name in ("exit_code", "init_exit_code"):
        return int(text)
    raise KeyError(name)


DEFAULT_CAPACITY: dict[str, str] = {
    "cpu": "4",
    "memory": "16Gi",
    "pods": "110",
    "ephemeral-storage": "100Gi",
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
}


#: what a fresh node's containerd holds (the sandbox image)
DEFAULT_IMAGES: tuple[str, ...] = ("registry.k8s.io/pause:3.10",)


class NodeConfig(msgspec.Struct, frozen=True, kw_only=True):
    """One node, resolved from its pool: what its kubelet registers."""

    name: str
    capacity: dict[str, str]
    allocatable: dict[str, str]
    labels: dict[str, str]
    annotations: dict[str, str] = {}
    taints: list[dict[str, Any]] = []
    behavior: PodBehavior = PodBehavior()
    #: images present on the node at registration (``status.images``)
    images: list[str] = []
    os_image: str = "Ubuntu 22.04.4 LTS"
    kernel_version: str = "5.15.0-1057-generic"
    architecture: str = "amd64"


class NodePool(msgspec.Struct, frozen=True, kw_only=True):
    """A template for nodes: ``pool.node_config(name)`` resolves one."""

    name_prefix: str = "node-"
    capacity: dict[str, str] = msgspec.field(default_factory=lambda: dict(DEFAULT_CAPACITY))
    #: None: capacity as is (a kubelet without system/kube reservations)
    allocatable: dict[str, str] | None = None
    #: extra labels (the defaults come first; these override them)
    labels: dict[str, str] = {}
    zone: str = "zone-a"
    region: str = "region-a"
    instance_type: str = "sim.standard"
    architecture: str = "amd64"
    taints: list[dict[str, Any]] = []
    behavior: PodBehavior = PodBehavior()
    #: images present on every node of the pool before any pod pulls (``status.images``)
    images: list[str] = msgspec.field(default_factory=lambda: list(DEFAULT_IMAGES))

    @classmethod
    def control_plane(cls, **fields: Any) -> NodePool:
        """A kubeadm-style control-plane pool: the ``node-role.kubernetes.io/control-plane``
        label and ``NoSchedule`` taint (``fields`` set the rest, extra labels and taints add)."""
        labels = {
            "node-role.kubernetes.io/control-plane": "",
            "node.kubernetes.io/exclude-from-external-load-balancers": "",
            **fields.pop("labels", {}),
        }
        taint = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
        taints = [taint, *fields.pop("taints", [])]
        fields.setdefault("name_prefix", "control-plane-")
        return cls(labels=labels, taints=taints, **fields)

    def node_config(self, name: str) -> NodeConfig:
        arch = self.architecture
        labels = {
            "beta.kubernetes.io/arch": arch,
            "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": arch,
            "kubernetes.io/hostname": name,
            "kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": self.instance_type,
            "topology.kubernetes.io/region": self.region,
            "topology.kubernetes.io/zone": self.zone,
            **self.labels,
        }
        allocatable = dict(self.allocatable if self.allocatable is not None else self.capacity)
        return NodeConfig(
            name=name,
            capacity=dict(self.capacity),
            allocatable=allocatable,
            labels=labels,
            taints=[dict(t) for t in self.taints],
            behavior=self.behavior,
            images=list(self.images),
            architecture=arch,
        )


__all__ = [
    "ANNOTATION_PREFIX",
    "DEFAULT_CAPACITY",
    "DEFAULT_IMAGES",
    "Distribution",
    "NodeConfig",
    "NodePool",
    "PodBehavior",
    "ProbeScript",
]
