"""Server-side Tables render as kube-apiserver v1.32 renders them.

The row expectations re-express upstream's ``pkg/printers/internalversion/printers_test.go``
(the objects are served JSON here, and the clock is fixed instead of ``time.Now()``); the
duration tables re-express ``k8s.io/apimachinery/pkg/util/duration/duration_test.go``. The
server always prints wide; ``visible()`` picks the cells kubectl shows without ``-o wide``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from apiserver.printers import (
    column_definitions,
    human_duration,
    printer_for,
    short_human_duration,
    table_for,
)
from apiserver.printers._swagger import DOCS
from minikube_py.errors import BadRequest

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


def at(seconds: float) -> str:
    """A timestamp ``seconds`` from NOW (negative: in the past), as the API serves one."""
    return (NOW + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ago(seconds: float) -> str:
    return at(-seconds)


DAY = 24 * 3600
#: ``time.Now().Add(1.9e9)``: a hair in the future, which still reads "0s".
ALMOST_NOW = at(1.9)


def row(group: str, kind: str, obj: dict[str, Any]) -> list[Any]:
    """Every cell of ``obj``'s row (the server prints wide)."""
    return table_for(group, kind, [obj], now=NOW)["rows"][0]["cells"]


def visible(group: str, kind: str, obj: dict[str, Any]) -> list[Any]:
    """The cells kubectl shows without ``-o wide``: those of priority-0 columns."""
    columns = column_definitions(group, kind)
    cells = row(group, kind, obj)
    return [cell for column, cell in zip(columns, cells, strict=True) if column["priority"] == 0]


def meta(name: str = "", created: str | None = None, **extra: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name} if name else {}
    if created is not None:
        metadata["creationTimestamp"] = created
    metadata.update(extra)
    return metadata


# -- durations ---------------------------------------------------------------------------------

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAYS = timedelta(days=1)
MS = timedelta(milliseconds=1)
US = timedelta(microseconds=1)
YEAR = 365 * DAYS


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        (SECOND, "1s"),
        (70 * SECOND, "70s"),
        (190 * SECOND, "3m10s"),
        (70 * MINUTE, "70m"),
        (47 * HOUR, "47h"),
        (49 * HOUR, "2d1h"),
        ((8 * 24 + 2) * HOUR, "8d"),
        (367 * DAYS, "367d"),
        (2 * YEAR + 25 * HOUR, "2y1d"),
        (8 * YEAR + 2 * HOUR, "8y"),
        # boundaries
        (-2 * SECOND, "<invalid>"),
        (-2 * SECOND + US, "0s"),
        (timedelta(0), "0s"),
        (SECOND - MS, "0s"),
        (2 * MINUTE - MS, "119s"),
        (2 * MINUTE, "2m"),
        (2 * MINUTE + SECOND, "2m1s"),
        (10 * MINUTE - MS, "9m59s"),
        (10 * MINUTE, "10m"),
        (10 * MINUTE + SECOND, "10m"),
        (3 * HOUR - MS, "179m"),
        (3 * HOUR, "3h"),
        (3 * HOUR + MINUTE, "3h1m"),
        (8 * HOUR - MS, "7h59m"),
        (8 * HOUR, "8h"),
        (8 * HOUR + 59 * MINUTE, "8h"),
        (2 * DAYS - MS, "47h"),
        (2 * DAYS, "2d"),
        (2 * DAYS + HOUR, "2d1h"),
        (8 * DAYS - MS, "7d23h"),
        (8 * DAYS, "8d"),
        (8 * DAYS + 23 * HOUR, "8d"),
        (2 * YEAR - MS, "729d"),
        (2 * YEAR, "2y"),
        (2 * YEAR + 23 * HOUR + 59 * MINUTE, "2y"),
        (2 * YEAR + DAYS - MS, "2y"),
        (2 * YEAR + DAYS, "2y1d"),
        (3 * YEAR, "3y"),
        (7 * YEAR, "7y"),
        (8 * YEAR - MS, "7y364d"),
        (8 * YEAR, "8y"),
        (8 * YEAR + 364 * DAYS, "8y"),
        (9 * YEAR, "9y"),
    ],
    ids=str,
)
def test_human_duration_matches_apimachinery(duration: timedelta, expected: str) -> None:
    assert human_duration(duration) == expected


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        (-2 * SECOND, "<invalid>"),
        (-2 * SECOND + US, "0s"),
        (timedelta(0), "0s"),
        (SECOND - MS, "0s"),
        (SECOND, "1s"),
        (2 * SECOND - MS, "1s"),
        (MINUTE - MS, "59s"),
        (MINUTE, "1m"),
        (2 * MINUTE - MS, "1m"),
        (HOUR - MS, "59m"),
        (HOUR, "1h"),
        (2 * HOUR - MS, "1h"),
        (DAYS - MS, "23h"),
        (DAYS, "1d"),
        (2 * DAYS - MS, "1d"),
        (YEAR - MS, "364d"),
        (YEAR, "1y"),
        (2 * YEAR - MS, "1y"),
        (2 * YEAR, "2y"),
    ],
    ids=str,
)
def test_short_human_duration_matches_apimachinery(duration: timedelta, expected: str) -> None:
    assert short_human_duration(duration) == expected


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        (at(2.1), "<invalid>"),  # a while from now
        (at(1.9), "0s"),  # almost now: tolerated clock skew
        (at(0), "0s"),
        (None, "<unknown>"),
        ("0001-01-01T00:00:00Z", "<unknown>"),  # Go's zero time
        ("not a time", "<unknown>"),
        (ago(30), "30s"),
        (ago(300), "5m"),
        (ago(6000), "100m"),
        (ago(2 * DAY), "2d"),
        (ago(90 * DAY), "90d"),
        (ago(10 * 365 * DAY), "10y"),
        ("2025-06-01T11:57:30Z", "2m30s"),  # whole seconds, as metav1.Time is stored
    ],
)
def test_age_is_translate_timestamp_since(created: str | None, expected: str) -> None:
    namespace = {"metadata": meta("ns", created), "status": {"phase": "Active"}}
    assert row("", "Namespace", namespace)[2] == expected


# -- pods --------------------------------------------------------------------------------------


def containers(n: int) -> list[dict[str, Any]]:
    return [{"name": f"c{i}", "image": f"img{i}"} for i in range(n)]


RUNNING = {"running": {}}


def waiting(reason: str = "") -> dict[str, Any]:
    return {"waiting": {"reason": reason} if reason else {}}


def terminated(reason: str = "", exit_code: int = 0, signal: int = 0) -> dict[str, Any]:
    state: dict[str, Any] = {}
    if reason:
        state["reason"] = reason
    if exit_code:
        state["exitCode"] = exit_code
    if signal:
        state["signal"] = signal
    return {"terminated": state}


def restarted(seconds_ago: float) -> dict[str, Any]:
    """A ``lastState`` saying the previous run finished ``seconds_ago``."""
    return {"terminated": {"finishedAt": ago(seconds_ago)}}


def pod(
    name: str,
    *,
    n: int = 1,
    init: list[dict[str, Any]] | None = None,
    phase: str = "podPhase",
    statuses: list[dict[str, Any]] | None = None,
    init_statuses: list[dict[str, Any]] | None = None,
    **status: Any,
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(name),
        "spec": {"containers": containers(n)},
        "status": {"phase": phase, **status},
    }
    if init is not None:
        obj["spec"]["initContainers"] = init
    if statuses is not None:
        obj["status"]["containerStatuses"] = statuses
    if init_statuses is not None:
        obj["status"]["initContainerStatuses"] = init_statuses
    return obj


def deleting(obj: dict[str, Any]) -> dict[str, Any]:
    obj["metadata"]["deletionTimestamp"] = ago(10)
    return obj


SIDECARS = [
    {"name": "restartable-init-1", "restartPolicy": "Always"},
    {"name": "restartable-init-2", "restartPolicy": "Always"},
]

POD_CASES = [
    pytest.param(
        pod(
            "test1",
            n=2,
            statuses=[{"ready": True, "restartCount": 3, "state": RUNNING}, {"restartCount": 3}],
        ),
        ["test1", "1/2", "podPhase", "6", "<unknown>"],
        id="ready-count-and-restarts",
    ),
    pytest.param(
        pod(
            "test2",
            n=2,
            statuses=[
                {"ready": True, "restartCount": 3, "state": RUNNING},
                {"state": waiting("ContainerWaitingReason"), "restartCount": 3},
            ],
        ),
        ["test2", "1/2", "ContainerWaitingReason", "6", "<unknown>"],
        id="container-waiting-reason-overrides-phase",
    ),
    pytest.param(
        pod(
            "test3",
            n=2,
            statuses=[
                {"state": waiting("ContainerWaitingReason"), "restartCount": 3},
                {"state": terminated("ContainerTerminatedReason"), "restartCount": 3},
            ],
        ),
        ["test3", "0/2", "ContainerWaitingReason", "6", "<unknown>"],
        id="first-container-wins",
    ),
    pytest.param(
        pod(
            "test4",
            n=2,
            statuses=[
                {"ready": True, "restartCount": 3, "state": RUNNING},
                {"ready": True, "restartCount": 3},
            ],
        ),
        ["test4", "1/2", "podPhase", "6", "<unknown>"],
        id="ready-without-running-is-not-ready",
    ),
    pytest.param(
        pod(
            "test5",
            n=2,
            reason="podReason",
            statuses=[
                {"ready": True, "restartCount": 3, "state": RUNNING},
                {"ready": True, "restartCount": 3},
            ],
        ),
        ["test5", "1/2", "podReason", "6", "<unknown>"],
        id="pod-reason-overrides-phase",
    ),
    pytest.param(
        pod(
            "test6",
            n=2,
            phase="Running",
            statuses=[
                {"ready": True, "restartCount": 3, "state": terminated("Completed")},
                {"ready": True, "restartCount": 3, "state": RUNNING},
            ],
        ),
        ["test6", "1/2", "NotReady", "6", "<unknown>"],
        id="completed-with-a-running-container-not-ready",
    ),
    pytest.param(
        pod(
            "test6",
            n=2,
            phase="Running",
            statuses=[
                {"ready": True, "restartCount": 3, "state": terminated("Completed")},
                {"ready": True, "restartCount": 3, "state": RUNNING},
            ],
            conditions=[{"type": "Ready", "status": "True"}],
        ),
        ["test6", "1/2", "Running", "6", "<unknown>"],
        id="completed-with-a-running-container-ready",
    ),
    pytest.param(
        pod(
            "test7",
            init=containers(1),
            init_statuses=[{"restartCount": 3, "state": RUNNING, "lastState": restarted(10)}],
            statuses=[{"state": waiting()}],
        ),
        ["test7", "0/1", "Init:0/1", "3 (10s ago)", "<unknown>"],
        id="init-container-restarting",
    ),
    pytest.param(
        pod(
            "test8",
            init=containers(2),
            init_statuses=[
                {"restartCount": 3, "state": RUNNING, "lastState": restarted(10)},
                {"state": waiting()},
            ],
            statuses=[{"state": waiting()}],
        ),
        ["test8", "0/1", "Init:0/2", "3 (10s ago)", "<unknown>"],
        id="first-of-two-init-containers-restarting",
    ),
    pytest.param(
        pod(
            "test9",
            init=containers(2),
            init_statuses=[
                {"state": {"terminated": {}}},
                {"restartCount": 3, "state": RUNNING, "lastState": restarted(10)},
            ],
            statuses=[{"state": waiting()}],
        ),
        ["test9", "0/1", "Init:1/2", "3 (10s ago)", "<unknown>"],
        id="second-init-container-restarting",
    ),
    pytest.param(
        pod(
            "test10",
            init=containers(2),
            init_statuses=[
                {"restartCount": 2, "state": {"terminated": {}}, "lastState": restarted(120)},
                {"restartCount": 3, "state": RUNNING, "lastState": restarted(10)},
            ],
            statuses=[{"state": waiting()}],
        ),
        ["test10", "0/1", "Init:1/2", "5 (10s ago)", "<unknown>"],
        id="init-restarts-add-up-latest-wins",
    ),
    pytest.param(
        pod(
            "test11",
            init=containers(1),
            phase="Running",
            init_statuses=[
                {"restartCount": 2, "state": {"terminated": {}}, "lastState": restarted(120)}
            ],
            statuses=[{"restartCount": 4, "state": RUNNING, "lastState": restarted(20)}],
        ),
        ["test11", "0/1", "Running", "4 (20s ago)", "<unknown>"],
        id="initialised-pod-counts-only-app-restarts",
    ),
    pytest.param(
        pod(
            "test12",
            phase="Running",
            statuses=[
                {
                    "ready": True,
                    "restartCount": 3,
                    "state": RUNNING,
                    "lastState": restarted(5 * DAY),
                }
            ],
        ),
        ["test12", "1/1", "Running", "3 (5d ago)", "<unknown>"],
        id="restarted-five-days-ago",
    ),
    pytest.param(
        pod(
            "test13",
            n=2,
            phase="Running",
            statuses=[
                {"ready": True, "state": RUNNING},
                {
                    "ready": True,
                    "restartCount": 3,
                    "state": RUNNING,
                    "lastState": restarted(10 * DAY),
                },
            ],
        ),
        ["test13", "2/2", "Running", "3 (10d ago)", "<unknown>"],
        id="one-container-restarted",
    ),
    pytest.param(
        pod(
            "test14",
            n=2,
            phase="Running",
            statuses=[
                {
                    "ready": True,
                    "restartCount": 6,
                    "state": RUNNING,
                    "lastState": restarted(5 * DAY),
                },
                {
                    "ready": True,
                    "restartCount": 3,
                    "state": RUNNING,
                    "lastState": restarted(20 * DAY),
                },
            ],
        ),
        ["test14", "2/2", "Running", "9 (5d ago)", "<unknown>"],
        id="latest-restart-shown",
    ),
    pytest.param(
        pod(
            "test15",
            n=2,
            conditions=[{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}],
        ),
        ["test15", "0/2", "SchedulingGated", "0", "<unknown>"],
        id="scheduling-gated",
    ),
    pytest.param(
        pod("test16", phase="Succeeded", statuses=[{"state": terminated("Completed")}]),
        ["test16", "0/1", "Completed", "0", "<unknown>"],
        id="succeeded",
    ),
    pytest.param(
        pod("test17", phase="Failed", statuses=[{"state": terminated("Error", exit_code=1)}]),
        ["test17", "0/1", "Error", "0", "<unknown>"],
        id="failed",
    ),
    pytest.param(
        deleting(pod("test18", phase="Succeeded", statuses=[{"state": terminated("Completed")}])),
        ["test18", "0/1", "Completed", "0", "<unknown>"],
        id="terminal-pod-being-deleted-keeps-its-status",
    ),
    pytest.param(
        deleting(pod("test19", phase="Running", statuses=[{"state": RUNNING}])),
        ["test19", "0/1", "Terminating", "0", "<unknown>"],
        id="running-pod-being-deleted",
    ),
    pytest.param(
        deleting(pod("test20", phase="Pending")),
        ["test20", "0/1", "Terminating", "0", "<unknown>"],
        id="pending-pod-being-deleted",
    ),
    # -- beyond upstream's table: the remaining branches of printPod
    pytest.param(
        deleting(pod("lost", phase="Running", reason="NodeLost", statuses=[{"state": RUNNING}])),
        ["lost", "0/1", "Unknown", "0", "<unknown>"],
        id="node-lost-pod-being-deleted",
    ),
    pytest.param(
        pod("evicted", phase="Failed", reason="Evicted"),
        ["evicted", "0/1", "Evicted", "0", "<unknown>"],
        id="evicted",
    ),
    pytest.param(
        pod("creating", phase="Pending", statuses=[{"state": waiting("ContainerCreating")}]),
        ["creating", "0/1", "ContainerCreating", "0", "<unknown>"],
        id="container-creating",
    ),
    pytest.param(
        pod(
            "crashing",
            phase="Running",
            statuses=[
                {
                    "restartCount": 5,
                    "state": waiting("CrashLoopBackOff"),
                    "lastState": restarted(3 * 3600 + 120),
                }
            ],
        ),
        ["crashing", "0/1", "CrashLoopBackOff", "5 (3h2m ago)", "<unknown>"],
        id="crash-loop-back-off",
    ),
    pytest.param(
        pod("exit", phase="Failed", statuses=[{"state": terminated(exit_code=137)}]),
        ["exit", "0/1", "ExitCode:137", "0", "<unknown>"],
        id="terminated-without-reason-exit-code",
    ),
    pytest.param(
        pod("signal", phase="Failed", statuses=[{"state": terminated(exit_code=1, signal=9)}]),
        ["signal", "0/1", "Signal:9", "0", "<unknown>"],
        id="terminated-without-reason-signal",
    ),
    pytest.param(
        pod(
            "init-error",
            phase="Pending",
            init=containers(1),
            init_statuses=[{"state": terminated("Error", exit_code=1)}],
        ),
        ["init-error", "0/1", "Init:Error", "0", "<unknown>"],
        id="init-container-failed",
    ),
    pytest.param(
        pod(
            "init-exit",
            phase="Pending",
            init=containers(1),
            init_statuses=[{"state": terminated(exit_code=2)}],
        ),
        ["init-exit", "0/1", "Init:ExitCode:2", "0", "<unknown>"],
        id="init-container-exit-code",
    ),
    pytest.param(
        pod(
            "init-signal",
            phase="Pending",
            init=containers(1),
            init_statuses=[{"state": terminated(exit_code=1, signal=15)}],
        ),
        ["init-signal", "0/1", "Init:Signal:15", "0", "<unknown>"],
        id="init-container-signal",
    ),
    pytest.param(
        pod(
            "init-crash",
            phase="Pending",
            init=containers(2),
            init_statuses=[
                {"state": terminated("Completed")},
                {"restartCount": 4, "state": waiting("CrashLoopBackOff")},
            ],
        ),
        ["init-crash", "0/1", "Init:CrashLoopBackOff", "4", "<unknown>"],
        id="init-container-crash-loop",
    ),
    pytest.param(
        pod(
            "init-pending",
            phase="Pending",
            init=containers(1),
            init_statuses=[{"state": waiting("PodInitializing")}],
        ),
        ["init-pending", "0/1", "Init:0/1", "0", "<unknown>"],
        id="pod-initializing-is-not-a-reason",
    ),
    pytest.param(
        {"metadata": {"name": "sparse"}},
        ["sparse", "0/0", "", "0", "<unknown>"],
        id="sparse",
    ),
]


@pytest.mark.parametrize(("obj", "expected"), POD_CASES)
def test_pod_row(obj: dict[str, Any], expected: list[Any]) -> None:
    assert visible("", "Pod", obj) == expected


SIDECAR_CASES = [
    pytest.param(
        pod(
            "test1",
            init=SIDECARS,
            phase="Pending",
            init_statuses=[
                {
                    "name": "restartable-init-1",
                    "restartCount": 3,
                    "state": RUNNING,
                    "started": False,
                    "lastState": restarted(10),
                },
                {"name": "restartable-init-2", "state": waiting(), "started": False},
            ],
            statuses=[{"state": waiting()}],
            conditions=[{"type": "Initialized", "status": "False"}],
        ),
        ["test1", "0/3", "Init:0/2", "3 (10s ago)", "<unknown>"],
        id="first-sidecar-running-not-started",
    ),
    pytest.param(
        pod(
            "test1",
            init=SIDECARS,
            phase="Pending",
            init_statuses=[
                {
                    "name": "restartable-init-1",
                    "restartCount": 3,
                    "state": RUNNING,
                    "started": True,
                    "lastState": restarted(10),
                },
                {"name": "restartable-init-2", "state": RUNNING, "started": False},
            ],
            statuses=[{"state": waiting()}],
            conditions=[{"type": "Initialized", "status": "False"}],
        ),
        ["test1", "0/3", "Init:1/2", "3 (10s ago)", "<unknown>"],
        id="second-sidecar-not-started",
    ),
    pytest.param(
        pod(
            "test2",
            init=SIDECARS,
            phase="Running",
            init_statuses=[
                {
                    "name": "restartable-init-1",
                    "restartCount": 3,
                    "state": RUNNING,
                    "started": True,
                    "lastState": restarted(10),
                },
                {"name": "restartable-init-2", "state": RUNNING, "started": True},
            ],
            statuses=[
                {"ready": True, "restartCount": 4, "state": RUNNING, "lastState": restarted(20)}
            ],
            conditions=[{"type": "Initialized", "status": "True"}],
        ),
        ["test2", "1/3", "Running", "7 (10s ago)", "<unknown>"],
        id="sidecars-started-app-running",
    ),
    pytest.param(
        pod(
            "test3",
            init=SIDECARS,
            phase="Succeeded",
            init_statuses=[
                {
                    "name": "restartable-init-1",
                    "restartCount": 3,
                    "state": terminated("Error", exit_code=137),
                    "started": False,
                    "lastState": restarted(10),
                },
                {
                    "name": "restartable-init-2",
                    "state": terminated("Error", exit_code=137),
                    "started": False,
                },
            ],
            statuses=[
                {
                    "restartCount": 4,
                    "state": terminated("Completed"),
                    "lastState": restarted(20),
                }
            ],
            conditions=[{"type": "Initialized", "status": "True"}],
        ),
        ["test3", "0/3", "Completed", "7 (10s ago)", "<unknown>"],
        id="sidecars-killed-after-completion",
    ),
    pytest.param(
        {
            "metadata": {"name": "test4"},
            "spec": {
                "initContainers": [
                    {"name": "init1", "image": "initimage"},
                    {"name": "sidecar1", "image": "sidecarimage", "restartPolicy": "Always"},
                ],
                "containers": [{"name": "container1", "image": "containerimage"}],
            },
            "status": {
                "phase": "Running",
                "initContainerStatuses": [
                    {"name": "initinvalid"},
                    {"name": "init1"},
                    {"name": "sidecar1"},
                ],
                "containerStatuses": [{"name": "containerinvalid"}, {"name": "container1"}],
            },
        },
        ["test4", "0/2", "Init:0/2", "0", "<unknown>"],
        id="statuses-for-unknown-containers",
    ),
]


@pytest.mark.parametrize(("obj", "expected"), SIDECAR_CASES)
def test_pod_row_with_sidecars(obj: dict[str, Any], expected: list[Any]) -> None:
    assert visible("", "Pod", obj) == expected


def test_pod_wide_cells_show_ip_node_nominated_node_and_readiness_gates() -> None:
    obj = pod(
        "test1",
        n=2,
        podIPs=[{"ip": "1.1.1.1"}, {"ip": "2001:db8::"}],
        nominatedNodeName="node1",
        conditions=[
            {"type": "condition1", "status": "False"},
            {"type": "condition2", "status": "True"},
        ],
        statuses=[{"ready": True, "restartCount": 3, "state": RUNNING}, {"restartCount": 3}],
    )
    obj["spec"]["nodeName"] = "test1"
    obj["spec"]["readinessGates"] = [
        {"conditionType": "condition1"},
        {"conditionType": "condition2"},
        {"conditionType": "condition3"},
    ]
    assert row("", "Pod", obj) == [
        "test1",
        "1/2",
        "podPhase",
        "6",
        "<unknown>",
        "1.1.1.1",
        "test1",
        "node1",
        "1/3",
    ]
    bare = pod("test2", n=2, statuses=[{"state": waiting("ContainerWaitingReason")}])
    assert row("", "Pod", bare)[5:] == ["<none>", "<none>", "<none>", "<none>"]


def test_pod_ip_prefers_the_singular_field_as_the_v1_conversion_does() -> None:
    obj = pod("p", podIP="10.0.0.9", podIPs=[{"ip": "10.0.0.1"}])
    assert row("", "Pod", obj)[5] == "10.0.0.9"


@pytest.mark.parametrize(
    ("phase", "conditions"),
    [
        ("Running", None),
        (
            "Succeeded",
            [
                {
                    "type": "Completed",
                    "status": "True",
                    "reason": "Succeeded",
                    "message": "The pod has completed successfully.",
                }
            ],
        ),
        (
            "Failed",
            [
                {
                    "type": "Completed",
                    "status": "True",
                    "reason": "Failed",
                    "message": "The pod failed.",
                }
            ],
        ),
    ],
)
def test_finished_pods_carry_a_completed_row_condition(
    phase: str, conditions: list[dict[str, str]] | None
) -> None:
    obj = pod("test1", n=2, phase=phase, statuses=[{"ready": True, "state": RUNNING}])
    table_row = table_for("", "Pod", [obj], now=NOW)["rows"][0]
    assert table_row["cells"][2] == phase
    assert table_row.get("conditions") == conditions


def test_pod_columns_are_the_v1_32_set() -> None:
    assert column_definitions("", "Pod") == [
        {
            "name": "Name",
            "type": "string",
            "format": "name",
            "description": DOCS["metav1.ObjectMeta.name"],
            "priority": 0,
        },
        {
            "name": "Ready",
            "type": "string",
            "format": "",
            "description": "The aggregate readiness state of this pod for accepting traffic.",
            "priority": 0,
        },
        {
            "name": "Status",
            "type": "string",
            "format": "",
            "description": "The aggregate status of the containers in this pod.",
            "priority": 0,
        },
        {
            "name": "Restarts",
            "type": "string",
            "format": "",
            "description": "The number of times the containers in this pod have been restarted "
            "and when the last container in this pod has restarted.",
            "priority": 0,
        },
        {
            "name": "Age",
            "type": "string",
            "format": "",
            "description": DOCS["metav1.ObjectMeta.creationTimestamp"],
            "priority": 0,
        },
        {
            "name": "IP",
            "type": "string",
            "format": "",
            "description": "podIP address allocated to the pod. Routable at least within the "
            "cluster. Empty if not yet allocated.",
            "priority": 1,
        },
        {
            "name": "Node",
            "type": "string",
            "format": "",
            "description": DOCS["apiv1.PodSpec.nodeName"],
            "priority": 1,
        },
        {
            "name": "Nominated Node",
            "type": "string",
            "format": "",
            "description": DOCS["apiv1.PodStatus.nominatedNodeName"],
            "priority": 1,
        },
        {
            "name": "Readiness Gates",
            "type": "string",
            "format": "",
            "description": DOCS["apiv1.PodSpec.readinessGates"],
            "priority": 1,
        },
    ]


def test_metadata_descriptions_are_the_swagger_docs_word_for_word() -> None:
    assert DOCS["metav1.ObjectMeta.name"].startswith(
        "Name must be unique within a namespace. Is required when creating resources"
    )
    assert DOCS["metav1.ObjectMeta.creationTimestamp"].endswith(
        "Populated by the system. Read-only. Null for lists. More info: "
        "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md"
        "#metadata"
    )
    # keys upstream looks up but the swagger maps lack read as Go's zero value
    assert DOCS["metav1.ObjectMeta.handler"] == ""


# -- apps --------------------------------------------------------------------------------------

TWO_CONTAINERS = {
    "containers": [
        {"name": "fake-container1", "image": "fake-image1"},
        {"name": "fake-container2", "image": "fake-image2"},
    ]
}


def test_deployment_row() -> None:
    deployment = {
        "metadata": meta("test1", ALMOST_NOW),
        "spec": {
            "replicas": 5,
            "template": {"spec": TWO_CONTAINERS},
            "selector": {"matchLabels": {"foo": "bar"}},
        },
        "status": {
            "replicas": 10,
            "updatedReplicas": 2,
            "availableReplicas": 1,
            "unavailableReplicas": 4,
        },
    }
    assert row("apps", "Deployment", deployment) == [
        "test1",
        "0/5",
        2,
        1,
        "0s",
        "fake-container1,fake-container2",
        "fake-image1,fake-image2",
        "foo=bar",
    ]
    assert [c["name"] for c in column_definitions("apps", "Deployment")] == [
        "Name",
        "Ready",
        "Up-to-date",
        "Available",
        "Age",
        "Containers",
        "Images",
        "Selector",
    ]


def test_deployment_selector_uses_selector_string_not_format() -> None:
    no_selector = {"metadata": meta("d"), "spec": {}}
    bad = {"metadata": meta("d"), "spec": {"selector": {"matchExpressions": [{"operator": "?"}]}}}
    assert row("apps", "Deployment", no_selector)[7] == ""
    assert row("apps", "Deployment", bad)[7] == "<invalid>"


def test_replica_set_row() -> None:
    replica_set = {
        "metadata": meta("test1", ALMOST_NOW),
        "spec": {
            "replicas": 5,
            "template": {"spec": TWO_CONTAINERS},
            "selector": {"matchLabels": {"foo": "bar"}},
        },
        "status": {"replicas": 5, "readyReplicas": 2},
    }
    assert visible("apps", "ReplicaSet", replica_set) == ["test1", 5, 5, 2, "0s"]
    assert row("apps", "ReplicaSet", replica_set)[5:] == [
        "fake-container1,fake-container2",
        "fake-image1,fake-image2",
        "foo=bar",
    ]
    empty = {"metadata": meta("replicaset2", ALMOST_NOW), "spec": {"replicas": 4}}
    assert row("apps", "ReplicaSet", empty) == ["replicaset2", 4, 0, 0, "0s", "", "", "<none>"]


def test_stateful_set_and_daemon_set_rows() -> None:
    stateful_set = {
        "metadata": meta("test1", ALMOST_NOW),
        "spec": {"replicas": 5, "template": {"spec": TWO_CONTAINERS}},
        "status": {"replicas": 5, "readyReplicas": 2},
    }
    assert row("apps", "StatefulSet", stateful_set) == [
        "test1",
        "2/5",
        "0s",
        "fake-container1,fake-container2",
        "fake-image1,fake-image2",
    ]
    daemon_set = {
        "metadata": meta("test1", ALMOST_NOW),
        "spec": {
            "template": {"spec": TWO_CONTAINERS},
            "selector": {"matchLabels": {"foo": "bar"}},
        },
        "status": {
            "currentNumberScheduled": 2,
            "desiredNumberScheduled": 3,
            "numberReady": 1,
            "updatedNumberScheduled": 2,
            "numberAvailable": 0,
        },
    }
    assert row("apps", "DaemonSet", daemon_set) == [
        "test1",
        3,
        2,
        1,
        2,
        0,
        "<none>",
        "0s",
        "fake-container1,fake-container2",
        "fake-image1,fake-image2",
        "foo=bar",
    ]


@pytest.mark.parametrize(
    ("owners", "expected"),
    [
        (
            [{"controller": True, "apiVersion": "apps/v1", "kind": "DaemonSet", "name": "foo"}],
            "daemonset.apps/foo",
        ),
        ([{"controller": False, "kind": "ABC", "name": "foo"}], "<none>"),
        ([], "<none>"),
        (None, "<none>"),
    ],
)
def test_controller_revision_row(owners: list[dict[str, Any]] | None, expected: str) -> None:
    revision = {"metadata": meta("test1", ALMOST_NOW, ownerReferences=owners), "revision": 1}
    assert row("apps", "ControllerRevision", revision) == ["test1", expected, 1, "0s"]


# -- services ----------------------------------------------------------------------------------


def service(name: str, **spec: Any) -> dict[str, Any]:
    status = spec.pop("status", None)
    obj: dict[str, Any] = {"metadata": meta(name), "spec": spec}
    if status is not None:
        obj["status"] = status
    return obj


def lb_status(*ingress: dict[str, str]) -> dict[str, Any]:
    return {"loadBalancer": {"ingress": list(ingress)}}


SERVICE_CASES = [
    pytest.param(
        service(
            "test1",
            type="ClusterIP",
            ports=[{"protocol": "tcp", "port": 2233}],
            clusterIPs=["10.9.8.7"],
            selector={"foo": "bar"},
        ),
        ["test1", "ClusterIP", "10.9.8.7", "<none>", "2233/tcp", "<unknown>", "foo=bar"],
        id="cluster-ip",
    ),
    pytest.param(
        service(
            "test2",
            type="NodePort",
            ports=[{"protocol": "tcp", "port": 8888, "nodePort": 9999}],
            clusterIPs=["10.9.8.7"],
        ),
        ["test2", "NodePort", "10.9.8.7", "<none>", "8888:9999/tcp", "<unknown>", "<none>"],
        id="node-port",
    ),
    pytest.param(
        service(
            "test3",
            type="LoadBalancer",
            ports=[{"protocol": "tcp", "port": 8888}],
            clusterIPs=["10.9.8.7"],
        ),
        ["test3", "LoadBalancer", "10.9.8.7", "<pending>", "8888/tcp", "<unknown>", "<none>"],
        id="load-balancer-pending",
    ),
    pytest.param(
        service(
            "test4",
            type="LoadBalancer",
            ports=[{"protocol": "tcp", "port": 8888}],
            clusterIPs=["10.9.8.7"],
            externalIPs=["80.11.12.10"],
        ),
        ["test4", "LoadBalancer", "10.9.8.7", "80.11.12.10", "8888/tcp", "<unknown>", "<none>"],
        id="load-balancer-external-ip-no-status",
    ),
    pytest.param(
        service(
            "test5",
            type="LoadBalancer",
            ports=[{"protocol": "tcp", "port": 8888}],
            clusterIPs=["10.9.8.7"],
            externalIPs=["80.11.12.10"],
            status=lb_status({"ip": "3.4.5.6", "hostname": "test.cluster.com"}),
        ),
        [
            "test5",
            "LoadBalancer",
            "10.9.8.7",
            "3.4.5.6,80.11.12.10",
            "8888/tcp",
            "<unknown>",
            "<none>",
        ],
        id="load-balancer-ingress-then-external-ip",
    ),
    pytest.param(
        service(
            "test6",
            type="LoadBalancer",
            ports=[{"protocol": "tcp", "port": 8888}],
            clusterIPs=["10.9.8.7"],
            externalIPs=["80.11.12.10", "80.11.12.11"],
            status=lb_status(
                {"ip": "2.3.4.5", "hostname": "test.cluster.local"},
                {"ip": "3.4.5.6", "hostname": "test.cluster.com"},
            ),
        ),
        [
            "test6",
            "LoadBalancer",
            "10.9.8.7",
            "2.3.4.5,3.4.5.6,80.11.12.10,80.11.12.11",
            "8888/tcp",
            "<unknown>",
            "<none>",
        ],
        id="load-balancer-many",
    ),
    pytest.param(
        service(
            "service4",
            type="LoadBalancer",
            ports=[
                {"port": 80, "protocol": "TCP"},
                {"port": 8090, "protocol": "UDP"},
                {"port": 8000, "protocol": "TCP"},
            ],
            clusterIPs=["1.5.6.7"],
            status=lb_status(
                {"ip": "5.6.7.8", "hostname": "host5678"}, {"ip": "3.4.5.6"}, {"ip": "2.3.4.5"}
            ),
        ),
        [
            "service4",
            "LoadBalancer",
            "1.5.6.7",
            "2.3.4.5,3.4.5.6,5.6.7.8",  # sorted, and never clipped: the server prints wide
            "80/TCP,8090/UDP,8000/TCP",
            "<unknown>",
            "<none>",
        ],
        id="load-balancer-addresses-sorted-and-unclipped",
    ),
    pytest.param(
        service("test7", type="ExternalName", externalName="my.database.example.com"),
        [
            "test7",
            "ExternalName",
            "<none>",
            "my.database.example.com",
            "<none>",
            "<unknown>",
            "<none>",
        ],
        id="external-name",
    ),
    pytest.param(
        service("headless", type="ClusterIP", clusterIP="None", clusterIPs=["None"]),
        ["headless", "ClusterIP", "None", "<none>", "<none>", "<unknown>", "<none>"],
        id="headless",
    ),
    pytest.param(
        service("untyped"),
        ["untyped", "", "<none>", "<unknown>", "<none>", "<unknown>", "<none>"],
        id="sparse",
    ),
]


@pytest.mark.parametrize(("obj", "expected"), SERVICE_CASES)
def test_service_row(obj: dict[str, Any], expected: list[Any]) -> None:
    assert row("", "Service", obj) == expected


def test_service_columns() -> None:
    definitions = column_definitions("", "Service")
    assert [(c["name"], c["priority"]) for c in definitions] == [
        ("Name", 0),
        ("Type", 0),
        ("Cluster-IP", 0),
        ("External-IP", 0),
        ("Port(s)", 0),
        ("Age", 0),
        ("Selector", 1),
    ]
    assert definitions[3]["description"] == DOCS["apiv1.ServiceSpec.externalIPs"]


# -- nodes -------------------------------------------------------------------------------------


def node(name: str, *conditions: dict[str, Any], unschedulable: bool = False) -> dict[str, Any]:
    obj: dict[str, Any] = {"metadata": meta(name), "status": {"conditions": list(conditions)}}
    if unschedulable:
        obj["spec"] = {"unschedulable": True}
    return obj


READY = {"type": "Ready", "status": "True"}
NOT_READY = {"type": "Ready", "status": "False"}
INVALID = {"type": "InvalidValue", "status": "True"}


@pytest.mark.parametrize(
    ("obj", "status"),
    [
        (node("foo1", READY), "Ready"),
        (node("foo2", READY, unschedulable=True), "Ready,SchedulingDisabled"),
        (node("foo3", READY, READY), "Ready"),
        (node("foo4", NOT_READY), "NotReady"),
        (node("foo5", NOT_READY, unschedulable=True), "NotReady,SchedulingDisabled"),
        (node("foo6", INVALID), "Unknown"),
        (node("foo7", {}), "Unknown"),
        (node("foo8", INVALID, unschedulable=True), "Unknown,SchedulingDisabled"),
        (node("foo9", {}, unschedulable=True), "Unknown,SchedulingDisabled"),
        (node("foo10", {"type": "Ready", "status": "Unknown"}), "NotReady"),
    ],
)
def test_node_status(obj: dict[str, Any], status: str) -> None:
    assert visible("", "Node", obj) == [obj["metadata"]["name"], status, "<none>", "<unknown>", ""]


@pytest.mark.parametrize(
    ("labels", "roles"),
    [
        (None, "<none>"),
        (
            {
                "node-role.kubernetes.io/master": "",
                "node-role.kubernetes.io/control-plane": "",
                "node-role.kubernetes.io/proxy": "",
                "kubernetes.io/role": "node",
            },
            "control-plane,master,node,proxy",
        ),
        ({"kubernetes.io/role": "node"}, "node"),
        ({"kubernetes.io/role": "", "node-role.kubernetes.io/": "x"}, "<none>"),
    ],
)
def test_node_roles(labels: dict[str, str] | None, roles: str) -> None:
    obj = {"metadata": meta("n", labels=labels)}
    assert row("", "Node", obj)[2] == roles


@pytest.mark.parametrize(
    ("status", "wide"),
    [
        (
            {
                "nodeInfo": {"osImage": "fake-os-image"},
                "addresses": [{"type": "ExternalIP", "address": "1.1.1.1"}],
            },
            ["<none>", "1.1.1.1", "fake-os-image", "<unknown>", "<unknown>"],
        ),
        (
            {
                "nodeInfo": {"kernelVersion": "fake-kernel-version"},
                "addresses": [{"type": "InternalIP", "address": "1.1.1.1"}],
            },
            ["1.1.1.1", "<none>", "<unknown>", "fake-kernel-version", "<unknown>"],
        ),
        (
            {
                "nodeInfo": {"containerRuntimeVersion": "foo://1.2.3"},
                "addresses": [
                    {"type": "ExternalIP", "address": "2.2.2.2"},
                    {"type": "InternalIP", "address": "3.3.3.3"},
                    {"type": "ExternalIP", "address": "4.4.4.4"},
                ],
            },
            ["3.3.3.3", "2.2.2.2", "<unknown>", "<unknown>", "foo://1.2.3"],
        ),
    ],
)
def test_node_wide_cells(status: dict[str, Any], wide: list[str]) -> None:
    assert row("", "Node", {"metadata": meta("foo1"), "status": status})[5:] == wide


def test_node_version_and_age() -> None:
    obj = {
        "metadata": meta("n1", ago(3 * DAY + 3600)),
        "status": {"conditions": [READY], "nodeInfo": {"kubeletVersion": "v1.32.0"}},
    }
    assert visible("", "Node", obj) == ["n1", "Ready", "<none>", "3d1h", "v1.32.0"]


# -- namespaces, secrets, configmaps, service accounts -----------------------------------------


def test_namespace_row() -> None:
    assert row(
        "", "Namespace", {"metadata": meta("namespace1", ALMOST_NOW), "status": {"phase": "Foo"}}
    ) == ["namespace1", "Foo", "0s"]
    assert row("", "Namespace", {"metadata": meta("namespace2")}) == [
        "namespace2",
        "",
        "<unknown>",
    ]


@pytest.mark.parametrize(
    ("data", "count"), [({"token": "c2VjcmV0IGRhdGE="}, 1), (None, 0), ({}, 0)]
)
def test_secret_row(data: dict[str, str] | None, count: int) -> None:
    secret: dict[str, Any] = {
        "metadata": meta("secret1", ALMOST_NOW),
        "type": "kubernetes.io/service-account-token",
    }
    if data is not None:
        secret["data"] = data
    assert row("", "Secret", secret) == [
        "secret1",
        "kubernetes.io/service-account-token",
        count,
        "0s",
    ]


@pytest.mark.parametrize(
    ("extra", "count"),
    [
        ({}, 0),
        ({"data": {"foo": "bar"}}, 1),
        ({"data": {"foo": "bar"}, "binaryData": {"bin": "YmluYXJ5IGRhdGE="}}, 2),
    ],
)
def test_config_map_row_counts_data_and_binary_data(extra: dict[str, Any], count: int) -> None:
    config_map = {"metadata": meta("configmap1", ALMOST_NOW), **extra}
    assert row("", "ConfigMap", config_map) == ["configmap1", count, "0s"]


def test_service_account_row() -> None:
    sa = {"metadata": meta("sa1", ALMOST_NOW), "secrets": [{"name": "a"}, {"name": "b"}]}
    assert row("", "ServiceAccount", sa) == ["sa1", 2, "0s"]
    assert row("", "ServiceAccount", {"metadata": meta("sa1", ALMOST_NOW)}) == ["sa1", 0, "0s"]


def test_endpoints_row() -> None:
    def endpoints(*subsets: dict[str, Any]) -> dict[str, Any]:
        return {"metadata": meta("ep", ALMOST_NOW), "subsets": list(subsets)}

    ips = [{"ip": ip} for ip in ("1.2.3.4", "5.6.7.8", "9.8.7.6", "6.6.6.6")]
    assert row("", "Endpoints", endpoints())[1] == "<none>"
    assert row("", "Endpoints", endpoints({"addresses": ips[:2]}))[1] == "1.2.3.4,5.6.7.8"
    port = [{"port": 8001, "protocol": "TCP"}]
    assert (
        row("", "Endpoints", endpoints({"addresses": ips[:2], "ports": port}))[1]
        == "1.2.3.4:8001,5.6.7.8:8001"
    )
    assert (
        row("", "Endpoints", endpoints({"addresses": ips, "ports": port}))[1]
        == "1.2.3.4:8001,5.6.7.8:8001,9.8.7.6:8001 + 1 more..."
    )
    v6 = endpoints({"addresses": [{"ip": "fd00::1"}], "ports": port})
    assert row("", "Endpoints", v6)[1] == "[fd00::1]:8001"


# -- events ------------------------------------------------------------------------------------


def event(**fields: Any) -> dict[str, Any]:
    return {
        "metadata": meta(fields.pop("name", "event1")),
        "involvedObject": {
            "kind": "Deployment",
            "name": "Deployment Name",
            "fieldPath": "spec.containers{foo}",
        },
        "reason": "Event Reason",
        "message": "Message Data",
        "type": "Warning",
        **fields,
    }


EVENT_CASES = [
    pytest.param(
        event(
            source={"component": "kubelet", "host": "Node1"},
            firstTimestamp=ago(3 * DAY),
            lastTimestamp=ago(2 * DAY),
            count=6,
            name="event2",
        ),
        [
            "2d",
            "Warning",
            "Event Reason",
            "deployment/Deployment Name",
            "spec.containers{foo}",
            "kubelet, Node1",
            "Message Data",
            "3d",
            6,
            "event2",
        ],
        id="basic",
    ),
    pytest.param(
        event(
            source={"component": "kubelet", "host": "Node1"},
            eventTime=ago(3 * DAY),
            lastTimestamp=ago(3 * DAY),
            count=1,
        ),
        [
            "3d",
            "Warning",
            "Event Reason",
            "deployment/Deployment Name",
            "spec.containers{foo}",
            "kubelet, Node1",
            "Message Data",
            "3d",
            1,
            "event1",
        ],
        id="no-first-timestamp-uses-event-time",
    ),
    pytest.param(
        event(source={"component": "kubelet"}, eventTime=ago(3 * DAY)),
        [
            "3d",
            "Warning",
            "Event Reason",
            "deployment/Deployment Name",
            "spec.containers{foo}",
            "kubelet",
            "Message Data",
            "3d",
            1,
            "event1",
        ],
        id="singleton-without-timestamps-or-count",
    ),
    pytest.param(
        event(
            source={"component": "kubelet", "host": "Node1"},
            eventTime=ago(3 * DAY),
            series={"count": 2, "lastObservedTime": ago(2 * DAY)},
        ),
        [
            "2d",
            "Warning",
            "Event Reason",
            "deployment/Deployment Name",
            "spec.containers{foo}",
            "kubelet, Node1",
            "Message Data",
            "3d",
            2,
            "event1",
        ],
        id="series",
    ),
    pytest.param(
        event(
            reportingComponent="kubelet",
            reportingInstance="test",
            firstTimestamp=ago(3 * DAY),
            lastTimestamp=ago(2 * DAY),
            count=6,
            message="  Message Data\n",
        ),
        [
            "2d",
            "Warning",
            "Event Reason",
            "deployment/Deployment Name",
            "spec.containers{foo}",
            "kubelet, test",
            "Message Data",
            "3d",
            6,
            "event1",
        ],
        id="source-from-reporting-controller",
    ),
    pytest.param(
        {"involvedObject": {"kind": "Node"}},
        ["<unknown>", "", "", "node", "", "", "", "<unknown>", 1, ""],
        id="sparse",
    ),
]


@pytest.mark.parametrize(("obj", "expected"), EVENT_CASES)
def test_event_row(obj: dict[str, Any], expected: list[Any]) -> None:
    assert row("", "Event", obj) == expected


def test_event_columns_and_narrow_view() -> None:
    assert [(c["name"], c["priority"]) for c in column_definitions("", "Event")] == [
        ("Last Seen", 0),
        ("Type", 0),
        ("Reason", 0),
        ("Object", 0),
        ("Subobject", 1),
        ("Source", 1),
        ("Message", 0),
        ("First Seen", 1),
        ("Count", 1),
        ("Name", 1),
    ]
    obj = event(
        source={"component": "kubelet"},
        firstTimestamp=ago(3 * DAY),
        lastTimestamp=ago(2 * DAY),
        count=6,
        type="Normal",
        involvedObject={"kind": "Pod", "name": "Pod Name", "fieldPath": "spec.containers{foo}"},
    )
    assert visible("", "Event", obj) == [
        "2d",
        "Normal",
        "Event Reason",
        "pod/Pod Name",
        "Message Data",
    ]


def test_events_k8s_io_event_uses_the_same_printer() -> None:
    obj = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": meta("e1"),
        "regarding": {"kind": "Pod", "name": "web", "fieldPath": "spec.containers{app}"},
        "note": "Pulled image",
        "reason": "Pulled",
        "type": "Normal",
        "reportingController": "kubelet",
        "reportingInstance": "node-1",
        "eventTime": ago(90),
        "deprecatedCount": 3,
        "deprecatedFirstTimestamp": ago(600),
        "deprecatedLastTimestamp": ago(90),
    }
    assert row("events.k8s.io", "Event", obj) == [
        "90s",
        "Normal",
        "Pulled",
        "pod/web",
        "spec.containers{app}",
        "kubelet, node-1",
        "Pulled image",
        "10m",
        3,
        "e1",
    ]
    assert column_definitions("events.k8s.io", "Event") == column_definitions("", "Event")


# -- batch -------------------------------------------------------------------------------------

JOB_TEMPLATE = {
    "spec": {
        "containers": [
            {"name": "fake-job-container1", "image": "fake-job-image1"},
            {"name": "fake-job-container2", "image": "fake-job-image2"},
        ]
    }
}


def job(name: str, created: str = ALMOST_NOW, *, spec: Any = None, **status: Any) -> dict:
    obj: dict[str, Any] = {"metadata": meta(name, created), "spec": spec or {}}
    if status:
        obj["status"] = status
    return obj


def job_condition(condition_type: str) -> list[dict[str, str]]:
    return [{"type": condition_type, "status": "True"}]


JOB_CASES = [
    pytest.param(
        job(
            "job1",
            spec={
                "completions": 2,
                "template": JOB_TEMPLATE,
                "selector": {"matchLabels": {"job-label": "job-label-value"}},
            },
            succeeded=1,
        ),
        [
            "job1",
            "Running",
            "1/2",
            "",
            "0s",
            "fake-job-container1,fake-job-container2",
            "fake-job-image1,fake-job-image2",
            "job-label=job-label-value",
        ],
        id="running",
    ),
    pytest.param(
        job("job2", ago(10 * 365 * DAY)),
        ["job2", "Running", "0/1", "", "10y", "", "", "<none>"],
        id="ten-years-old",
    ),
    pytest.param(
        job("job3", ago(10 * 365 * DAY), startTime=at(60), completionTime=at(31 * 60)),
        ["job3", "Running", "0/1", "30m", "10y", "", "", "<none>"],
        id="duration-start-to-completion",
    ),
    pytest.param(
        job("job4", ago(10 * 365 * DAY), startTime=ago(20 * 60)),
        ["job4", "Running", "0/1", "20m", "10y", "", "", "<none>"],
        id="duration-while-running",
    ),
    pytest.param(
        job("job5", conditions=job_condition("Complete")),
        ["job5", "Complete", "0/1", "", "0s", "", "", "<none>"],
        id="complete",
    ),
    pytest.param(
        job("job6", conditions=job_condition("Failed")),
        ["job6", "Failed", "0/1", "", "0s", "", "", "<none>"],
        id="failed",
    ),
    pytest.param(
        job("job7", conditions=job_condition("Suspended")),
        ["job7", "Suspended", "0/1", "", "0s", "", "", "<none>"],
        id="suspended",
    ),
    pytest.param(
        job("job8", conditions=job_condition("FailureTarget")),
        ["job8", "FailureTarget", "0/1", "", "0s", "", "", "<none>"],
        id="failure-target",
    ),
    pytest.param(
        {**job("job9"), "metadata": meta("job9", ALMOST_NOW, deletionTimestamp=ALMOST_NOW)},
        ["job9", "Terminating", "0/1", "", "0s", "", "", "<none>"],
        id="terminating",
    ),
    pytest.param(
        job("job10", spec={"parallelism": 3}, succeeded=1),
        ["job10", "Running", "1/1 of 3", "", "0s", "", "", "<none>"],
        id="work-queue-parallelism",
    ),
    pytest.param(
        job(
            "job11",
            conditions=[
                {"type": "Complete", "status": "False"},
                {"type": "Complete", "status": "True"},
            ],
        ),
        ["job11", "Running", "0/1", "", "0s", "", "", "<none>"],
        id="only-the-first-condition-of-a-type-counts",
    ),
]


@pytest.mark.parametrize(("obj", "expected"), JOB_CASES)
def test_job_row(obj: dict[str, Any], expected: list[Any]) -> None:
    assert row("batch", "Job", obj) == expected


def cron_job(name: str, created: str = ALMOST_NOW, **spec: Any) -> dict[str, Any]:
    status = spec.pop("status", {})
    return {"metadata": meta(name, created), "spec": spec, "status": status}


CRON_JOB_CASES = [
    pytest.param(
        cron_job(
            "cronjob1",
            schedule="0/5 * * * ?",
            suspend=False,
            jobTemplate={
                "spec": {
                    "completions": 2,
                    "template": JOB_TEMPLATE,
                    "selector": {"matchLabels": {"a": "b"}},
                }
            },
            status={"lastScheduleTime": ALMOST_NOW},
        ),
        [
            "cronjob1",
            "0/5 * * * ?",
            "<none>",
            "False",
            0,
            "0s",
            "0s",
            "fake-job-container1,fake-job-container2",
            "fake-job-image1,fake-job-image2",
            "a=b",
        ],
        id="basic",
    ),
    pytest.param(
        cron_job(
            "cronjob1",
            schedule="0/5 * * * ?",
            timeZone="LOCAL",
            suspend=False,
            status={"lastScheduleTime": ALMOST_NOW},
        ),
        ["cronjob1", "0/5 * * * ?", "LOCAL", "False", 0, "0s", "0s", "", "", "<none>"],
        id="time-zone",
    ),
    pytest.param(
        cron_job(
            "cronjob2",
            ago(300),
            schedule="0/5 * * * ?",
            suspend=False,
            status={"lastScheduleTime": ago(30)},
        ),
        ["cronjob2", "0/5 * * * ?", "<none>", "False", 0, "30s", "5m", "", "", "<none>"],
        id="last-schedule-and-age",
    ),
    pytest.param(
        cron_job("cronjob3", ago(300), schedule="0/5 * * * ?", suspend=False),
        ["cronjob3", "0/5 * * * ?", "<none>", "False", 0, "<none>", "5m", "", "", "<none>"],
        id="never-scheduled",
    ),
    pytest.param(
        cron_job(
            "cronjob4",
            ago(300),
            schedule="@hourly",
            status={"active": [{"name": "j1"}, {"name": "j2"}]},
        ),
        ["cronjob4", "@hourly", "<none>", "<unset>", 2, "<none>", "5m", "", "", "<none>"],
        id="suspend-unset-and-active-jobs",
    ),
]


@pytest.mark.parametrize(("obj", "expected"), CRON_JOB_CASES)
def test_cron_job_row(obj: dict[str, Any], expected: list[Any]) -> None:
    assert row("batch", "CronJob", obj) == expected


def test_cron_job_columns() -> None:
    assert [
        (c["name"], c["type"], c["priority"]) for c in column_definitions("batch", "CronJob")
    ] == [
        ("Name", "string", 0),
        ("Schedule", "string", 0),
        ("Timezone", "string", 0),
        ("Suspend", "boolean", 0),
        ("Active", "integer", 0),
        ("Last Schedule", "string", 0),
        ("Age", "string", 0),
        ("Containers", "string", 1),
        ("Images", "string", 1),
        ("Selector", "string", 1),
    ]


# -- a few other groups ------------------------------------------------------------------------


def test_storage_class_row() -> None:
    default = {
        "metadata": meta(
            "standard",
            ago(300),
            annotations={"storageclass.kubernetes.io/is-default-class": "true"},
        ),
        "provisioner": "k8s.io/minikube-hostpath",
    }
    assert row("storage.k8s.io", "StorageClass", default) == [
        "standard (default)",
        "k8s.io/minikube-hostpath",
        "Delete",
        "Immediate",
        False,
        "5m",
    ]
    retain = {
        "metadata": meta("sc6", ago(300)),
        "provisioner": "kubernetes.io/nfs",
        "reclaimPolicy": "Retain",
        "allowVolumeExpansion": True,
        "volumeBindingMode": "WaitForFirstConsumer",
    }
    assert row("storage.k8s.io", "StorageClass", retain) == [
        "sc6",
        "kubernetes.io/nfs",
        "Retain",
        "WaitForFirstConsumer",
        True,
        "5m",
    ]


def test_persistent_volume_and_claim_rows() -> None:
    pv = {
        "metadata": meta("test4"),
        "spec": {
            "claimRef": {"name": "test", "namespace": "default"},
            "storageClassName": "my-scn",
            "volumeAttributesClassName": "my-vacn",
            "accessModes": ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteOnce"],
            "capacity": {"storage": "10Gi"},
        },
        "status": {"phase": "Pending"},
    }
    assert row("", "PersistentVolume", pv) == [
        "test4",
        "10Gi",
        "RWO,ROX",
        "",
        "Pending",
        "default/test",
        "my-scn",
        "my-vacn",
        "",
        "<unknown>",
        "<unset>",
    ]
    pvc = {
        "metadata": meta("test1"),
        "spec": {"volumeName": "my-volume", "volumeMode": "Filesystem"},
        "status": {
            "phase": "Bound",
            "accessModes": ["ReadOnlyMany"],
            "capacity": {"storage": "4Gi"},
        },
    }
    assert row("", "PersistentVolumeClaim", pvc) == [
        "test1",
        "Bound",
        "my-volume",
        "4Gi",
        "ROX",
        "",
        "<unset>",
        "<unknown>",
        "Filesystem",
    ]
    lost = {**pvc, "spec": {"volumeMode": "Filesystem"}, "status": {"phase": "Lost"}}
    assert row("", "PersistentVolumeClaim", lost)[1:5] == ["Lost", "", "", ""]


def test_role_binding_row() -> None:
    binding = {
        "metadata": meta("binding2", ALMOST_NOW),
        "subjects": [
            {"kind": "User", "name": "user-name"},
            {"kind": "Group", "name": "group-name"},
            {
                "kind": "ServiceAccount",
                "name": "service-account-name",
                "namespace": "service-account-namespace",
            },
        ],
        "roleRef": {"kind": "Role", "name": "role-name"},
    }
    assert row("rbac.authorization.k8s.io", "RoleBinding", binding) == [
        "binding2",
        "Role/role-name",
        "0s",
        "user-name",
        "group-name",
        "service-account-namespace/service-account-name",
    ]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"minAvailable": 22}, ["pdb1", "22", "N/A", 5, "0s"]),
        ({"maxUnavailable": "10%"}, ["pdb1", "N/A", "10%", 5, "0s"]),
    ],
)
def test_pod_disruption_budget_row(spec: dict[str, Any], expected: list[Any]) -> None:
    pdb = {"metadata": meta("pdb1", ALMOST_NOW), "spec": spec, "status": {"disruptionsAllowed": 5}}
    assert row("policy", "PodDisruptionBudget", pdb) == expected


def test_horizontal_pod_autoscaler_targets() -> None:
    hpa = {
        "metadata": meta("some-hpa"),
        "spec": {
            "scaleTargetRef": {"kind": "ReplicationController", "name": "some-rc"},
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": [
                {"type": "Pods", "pods": {"target": {"averageValue": "100m"}}},
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"averageUtilization": 80}},
                },
                {"type": "Pods", "pods": {"target": {"averageValue": "400m"}}},
            ],
        },
        "status": {
            "currentReplicas": 4,
            "currentMetrics": [
                {"type": "Pods", "pods": {"current": {"averageValue": "50m"}}},
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "current": {"averageUtilization": 50}},
                },
            ],
        },
    }
    assert row("autoscaling", "HorizontalPodAutoscaler", hpa) == [
        "some-hpa",
        "ReplicationController/some-rc",
        "50m/100m, cpu: 50%/80% + 1 more...",
        "2",
        10,
        4,
        "<unknown>",
    ]
    v1 = {
        "apiVersion": "autoscaling/v1",
        "metadata": meta("web"),
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "web"},
            "maxReplicas": 5,
            "targetCPUUtilizationPercentage": 80,
        },
    }
    assert row("autoscaling", "HorizontalPodAutoscaler", v1)[2:4] == [
        "cpu: <unknown>/80%",
        "<unset>",
    ]


def test_flow_schema_list_is_sorted_by_precedence_then_name() -> None:
    schemas = [
        {"metadata": meta(name), "spec": {"matchingPrecedence": precedence}}
        for name, precedence in [("b", 500), ("z", 1), ("a", 500)]
    ]
    table = table_for("flowcontrol.apiserver.k8s.io", "FlowSchema", schemas, now=NOW)
    assert [r["cells"][0] for r in table["rows"]] == ["z", "a", "b"]
    assert table["rows"][0]["cells"][3:] == ["<none>", "<unknown>", "?"]


# -- the Table envelope ------------------------------------------------------------------------


def test_kinds_without_a_printer_get_the_default_table() -> None:
    role = {"metadata": meta("reader", "2025-05-31T08:00:00Z", namespace="default")}
    table = table_for("rbac.authorization.k8s.io", "Role", [role], now=NOW)
    assert table["columnDefinitions"] == [
        {
            "name": "Name",
            "type": "string",
            "format": "name",
            "description": DOCS["metav1.ObjectMeta.name"],
            "priority": 0,
        },
        {
            "name": "Created At",
            "type": "date",
            "format": "",
            "description": DOCS["metav1.ObjectMeta.creationTimestamp"],
            "priority": 0,
        },
    ]
    assert table["rows"][0]["cells"] == ["reader", "2025-05-31T08:00:00Z"]
    for group, kind in [
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("", "LimitRange"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("example.com", "Widget"),
    ]:
        assert printer_for(group, kind) is None
        widget = {"metadata": {"name": "w", "creationTimestamp": "2025-05-31T08:00:00.5+00:00"}}
        assert table_for(group, kind, [widget], now=NOW)["rows"][0]["cells"] == [
            "w",
            "2025-05-31T08:00:00Z",
        ]
    assert table_for("example.com", "Widget", [{}], now=NOW)["rows"][0]["cells"] == [
        "",
        "0001-01-01T00:00:00Z",
    ]


def test_table_envelope_and_partial_object_metadata_by_default() -> None:
    obj = pod("web", phase="Running")
    obj["metadata"].update(namespace="default", labels={"app": "web"}, resourceVersion="42")
    table = table_for(
        "", "Pod", [obj], now=NOW, list_metadata={"resourceVersion": "101", "continue": ""}
    )
    assert list(table) == ["kind", "apiVersion", "metadata", "columnDefinitions", "rows"]
    assert table["kind"] == "Table"
    assert table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "101"}
    assert table["rows"][0]["object"] == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj["metadata"],
    }
    assert table_for("", "Pod", [obj], now=NOW, include_object="")["rows"] == table["rows"]


def test_include_object_object_and_none() -> None:
    obj = pod("web", phase="Running")
    assert table_for("", "Pod", [obj], now=NOW, include_object="Object")["rows"][0]["object"] is obj
    assert "object" not in table_for("", "Pod", [obj], now=NOW, include_object="None")["rows"][0]
    with pytest.raises(BadRequest, match='unrecognized includeObject value: "Everything"'):
        table_for("", "Pod", [obj], now=NOW, include_object="Everything")


def test_no_headers_drops_column_definitions_for_watch_events_after_the_first() -> None:
    obj = pod("web", phase="Running")
    first = table_for("", "Pod", [obj], now=NOW)
    later = table_for("", "Pod", [obj], now=NOW, no_headers=True)
    assert first["columnDefinitions"] == column_definitions("", "Pod")
    assert later["columnDefinitions"] == []
    assert later["rows"] == first["rows"]


def test_list_and_single_object_tables_share_identical_headers() -> None:
    # kubectl reprints the header when a watch Table's definitions differ from the list's
    listed = table_for("apps", "Deployment", [], now=NOW, list_metadata={"remainingItemCount": 0})
    single = table_for("apps", "Deployment", [{"metadata": meta("d")}], now=NOW)
    assert listed["columnDefinitions"] == single["columnDefinitions"]
    assert listed["rows"] == []
    assert listed["metadata"] == {"remainingItemCount": 0}


def test_every_row_has_one_cell_per_column_even_for_empty_objects() -> None:
    from apiserver.printers.registry import PRINTERS

    for (group, kind), printer in PRINTERS.items():
        cells = table_for(group, kind, [{}], now=NOW)["rows"][0]["cells"]
        expected = len(printer.columns) + (1 if kind == "IPAddress" else 0)  # upstream's extra age
        assert len(cells) == expected, (group, kind)


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        table_for("", "Pod", [], now=datetime(2025, 1, 1))


NULLS = {
    "metadata": None,
    "spec": {"containers": None, "initContainers": None, "template": None, "selector": None},
    "status": {
        "conditions": None,
        "containerStatuses": [{"state": None, "lastState": None, "restartCount": None}],
        "initContainerStatuses": None,
        "loadBalancer": None,
    },
}


def test_null_fields_read_as_go_zero_values() -> None:
    from apiserver.printers.registry import PRINTERS

    for group, kind in PRINTERS:
        for obj in ({"metadata": None, "spec": None, "status": None}, NULLS):
            table_for(group, kind, [obj], now=NOW)  # must not raise
    assert row("", "Pod", NULLS)[:4] == ["", "0/0", "", "0"]
