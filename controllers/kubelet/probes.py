"""The prober: one worker per container per probe kind, as ``pkg/kubelet/prober``.

The pod worker starts a :class:`ProbeWorker` for every probe a container (or sidecar) declares
when it takes the pod on (upstream's ``AddPod``). Like ``prober/worker.go``, a worker ticks every
``periodSeconds`` from its start -- after a random part of a period when the kubelet itself
started less than a period ago -- and probes at each tick, or at once when triggered (the status
manager triggers a started but unready container's readiness worker whenever it regenerates the
pod status, as ``UpdatePodStatus`` does). One probe:

* finds the container's current run; a new run (container id) resets the result to the kind's
  initial value (readiness: Failure, liveness: Success, startup: Unknown) and lifts a hold;
* does nothing while the container is not running (the result turns Failure; a container that
  will not run again ends the worker), during ``initialDelaySeconds`` (whole seconds since the
  start, truncated as upstream), for liveness and readiness until the startup probe passed, and
  for the startup probe once it did;
* asks the behaviour's :class:`~controllers.kubelet.config.ProbeScript` for the application's
  answer, waiting its latency (a latency at or over ``timeoutSeconds`` times out);
* records ``Unhealthy`` (``"Liveness probe failed: HTTP probe failed with statuscode: 500"``, worded
  per handler as upstream's http/tcp/grpc/exec probers) for each failure;
* changes the result only after ``successThreshold`` successes (1 for liveness and startup) or
  ``failureThreshold`` failures in a row; a liveness or startup failure then holds the worker
  until the next run, and the pod worker kills the container (``Killing``: ``Container c failed
  liveness probe, will be restarted``), within the probe's ``terminationGracePeriodSeconds`` when
  set.

The pod worker turns results into ``started`` / ``ready`` and the pod conditions
(:meth:`~controllers.kubelet.pods.PodWorker.refresh_readiness`). Not simulated: the kubelet
keeping readiness probes running while a pod terminates (the workers stop with the pod's
containers); a ``successThreshold`` other than 1 on a liveness or startup probe counts as 1 here
(the API server is meant to reject it).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import trio

from controllers.kubelet.config import ProbeScript
from controllers.kubelet.containers import ContainerState, ProbeResult, go_duration
from controllers.runtime.events import WARNING
from minikube_py.field import go_quote

if TYPE_CHECKING:
    from controllers.kubelet.pods import PodWorker

#: kind -> the container spec field that declares it
PROBE_FIELDS = {
    "Startup": "startupProbe",
    "Readiness": "readinessProbe",
    "Liveness": "livenessProbe",
}
_INITIAL: dict[str, ProbeResult] = {
    "Readiness": "Failure",
    "Liveness": "Success",
    "Startup": "Unknown",
}


def _int_field(probe: dict[str, Any], name: str, default: int) -> int:
    value = probe.get(name)
    return default if not value else int(value)


def _port(port: Any, container: dict[str, Any]) -> str:
    """A probe's port: a number, or the name of one of the container's ports."""
    if isinstance(port, str) and not port.isdigit():
        for declared in container.get("ports") or ():
            if declared.get("name") == port:
                return str(declared.get("containerPort", port))
    return str(port)


def failure_output(
    probe: dict[str, Any], why: str, pod_ip: str, container: dict[str, Any], timeout: float
) -> str:
    """What the kubelet's prober reports for a failed probe (``why``: ``refused`` -- nothing
    listens yet --, ``failing`` or ``timeout``), worded per handler as upstream's probers."""
    if "httpGet" in probe:
        get = probe["httpGet"] or {}
        host = get.get("host") or pod_ip
        address = f"{host}:{_port(get.get('port', 80), container)}"
        path = get.get("path") or ""
        if path and not path.startswith("/"):
            path = "/" + path
        url = f"{(get.get('scheme') or 'HTTP').lower()}://{address}{path}"
        if why == "failing":
            return "HTTP probe failed with statuscode: 500"
        if why == "timeout":
            return (
                f'Get "{url}": context deadline exceeded '
                "(Client.Timeout exceeded while awaiting headers)"
            )
        return f'Get "{url}": dial tcp {address}: connect: connection refused'
    if "tcpSocket" in probe:
        socket = probe["tcpSocket"] or {}
        host = socket.get("host") or pod_ip
        address = f"{host}:{_port(socket.get('port', 0), container)}"
        if why == "timeout":
            return f"dial tcp {address}: i/o timeout"
        return f"dial tcp {address}: connect: connection refused"
    if "grpc" in probe:
        address = f"{pod_ip}:{(probe['grpc'] or {}).get('port', 0)}"
        if why == "failing":
            return 'service unhealthy (responded with "NOT_SERVING")'
        if why == "timeout":
            return f"timeout: health rpc did not complete within {go_duration(timeout)}"
        return (
            f"timeout: failed to connect service {go_quote(address)} within {go_duration(timeout)}"
        )
    command = " ".join((probe.get("exec") or {}).get("command") or ())
    if why == "timeout":
        return f"command {go_quote(command)} timed out"
    return ""  # a failing command's output: the simulated ones print nothing


class ProbeWorker:
    """Probes one container periodically (``prober/worker.go``)."""

    def __init__(
        self, pod: PodWorker, container: ContainerState, kind: str, probe: dict[str, Any]
    ) -> None:
        self.pod = pod
        self.container = container
        self.kind = kind
        self.probe = probe
        self.period = float(_int_field(probe, "periodSeconds", 10))
        self.timeout = float(_int_field(probe, "timeoutSeconds", 1))
        self.initial_delay = _int_field(probe, "initialDelaySeconds", 0)
        self.failure_threshold = _int_field(probe, "failureThreshold", 3)
        # successThreshold must be 1 for liveness and startup probes (API validation)
        success = _int_field(probe, "successThreshold", 1)
        self.success_threshold = success if kind == "Readiness" else 1
        grace = probe.get("terminationGracePeriodSeconds")
        #: the probe-level grace period for the kill (liveness and startup probes)
        self.termination_grace: float | None = None if grace is None else float(grace)
        self.container_id = ""
        self.last_result: ProbeResult | None = None
        self.result_run = 0
        self.on_hold = False
        #: probes of the current run (what the behaviour's script counts)
        self.attempts = 0
        self.script = ProbeScript()
        self._trigger = trio.Event()

    def trigger(self) -> None:
        """Probe now (``manualTriggerCh``; a trigger while probing runs one more probe after)."""
        self._trigger.set()

    async def run(self) -> None:
        agent, clock = self.pod.agent, self.pod.agent.clock
        if self.period > clock.monotonic() - agent.boot_time:
            # the kubelet started recently: spread the workers' first probes over a period
            await trio.sleep(clock.rng.random() * self.period)
        next_tick = clock.monotonic() + self.period
        while await self._do_probe():
            now = clock.monotonic()
            if next_tick <= now:  # a tick came while probing (Go's ticker keeps one, drops more)
                next_tick += self.period * (math.floor((now - next_tick) / self.period) + 1)
                continue
            with trio.move_on_at(next_tick):
                await self._trigger.wait()
            if self._trigger.is_set():
                self._trigger = trio.Event()
            else:
                next_tick += self.period

    async def _do_probe(self) -> bool:
        """One probe (``doProbe``); False ends the worker."""
        pod, container, kind = self.pod, self.container, self.kind
        if pod.terminal:
            return False
        run = container.run
        if run is None:
            return True  # not created yet (or gone with a reboot)
        if run.id != self.container_id:
            self.container_id = run.id
            container.set_result(kind, run.id, _INITIAL[kind])
            self.on_hold = False
            self.attempts = 0
            self.script = pod.behavior.probe_script(kind, pod.agent.clock.rng)
        if self.on_hold:
            return True
        if not container.running:
            container.set_result(kind, run.id, "Failure")
            over = "terminated" in container.state and pod.restart_policy == "Never"
            return container.restartable or not over
        if pod.deleting and kind != "Readiness":
            container.set_result(kind, run.id, "Success")  # a quiet shutdown
            return False
        since_start = pod.agent.clock.monotonic() - run.start
        if int(since_start + 1e-9) < self.initial_delay:
            return True
        if kind == "Startup" and container.started:
            return True  # started: the startup probe is done (until the next run)
        if kind != "Startup" and not container.started:
            return True  # liveness and readiness wait for the startup probe
        result = await self._probe(since_start)
        if self.last_result == result:
            self.result_run += 1
        else:
            self.last_result, self.result_run = result, 1
        threshold = self.failure_threshold if result == "Failure" else self.success_threshold
        if self.result_run < threshold:
            return True
        changed = container.set_result(kind, run.id, result)
        if kind != "Readiness" and result == "Failure":
            # hold until a new container: the pod worker kills this one
            self.on_hold, self.result_run = True, 0
            grace = self.termination_grace
            await pod.probe_failed(container, run.id, kind, grace)
        elif changed:
            await pod.probe_result_changed()
        return True

    async def _probe(self, since_start: float) -> ProbeResult:
        """Run the probe against the simulated application; records ``Unhealthy`` on failure."""
        pod, container = self.pod, self.container
        self.attempts += 1
        why = self.script.answer(since_start, self.attempts)
        latency = self.script.latency
        if latency >= self.timeout:
            await trio.sleep(self.timeout)
            why = "timeout"
        elif latency > 0:
            await trio.sleep(latency)
        if why is None:
            return "Success"
        output = failure_output(self.probe, why, pod.ip, container.spec, self.timeout)
        await pod.event(WARNING, "Unhealthy", f"{self.kind} probe failed: {output}", container)
        return "Failure"


def probe_workers(pod: PodWorker, container: ContainerState) -> list[ProbeWorker]:
    """The workers for the probes ``container`` declares (startup, readiness, liveness)."""
    return [
        ProbeWorker(pod, container, kind, container.spec[field])
        for kind, field in PROBE_FIELDS.items()
        if container.spec.get(field)
    ]


__all__ = ["PROBE_FIELDS", "ProbeWorker", "failure_output", "probe_workers"]
