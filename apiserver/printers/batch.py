"""Tables of the batch group: Jobs and CronJobs.

Mirrors ``printJob`` (with ``hasJobCondition``) and ``printCronJob`` (with ``printBoolPtr``) of
``pkg/printers/internalversion/printers.go`` (Kubernetes v1.32).

A Job's STATUS is the first that holds of: Complete, Failed (their conditions True),
Terminating (a deletionTimestamp), Suspended, FailureTarget, else Running. COMPLETIONS is
``succeeded/completions``, or ``succeeded/1`` with ``of <parallelism>`` appended for a
work-queue Job running more than one pod. DURATION is empty before the Job starts, measured to
now while it runs, and from start to completion once it completes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from apiserver.printers._format import (
    NONE,
    bool_ptr,
    condition_status,
    format_label_selector,
    items,
    number,
    pod_template_containers,
    sub,
    text,
)
from apiserver.printers._swagger import DOCS
from apiserver.printers.columns import (
    AGE,
    CONTAINERS_WIDE,
    IMAGES_WIDE,
    NAME,
    Obj,
    TablePrinter,
    boolean,
    integer,
    string,
)
from apiserver.printers.duration import Since, human_duration, parse_timestamp

_JOB_COLUMNS: Final = (
    NAME,
    string("Status", "Status of the job."),
    string("Completions", DOCS["batchv1.JobStatus.succeeded"]),
    string("Duration", "Time required to complete the job."),
    AGE,
    CONTAINERS_WIDE,
    IMAGES_WIDE,
    string("Selector", DOCS["batchv1.JobSpec.selector"], priority=1),
)


def _job_status(obj: Obj, conditions: list[Any]) -> str:
    if condition_status(conditions, "Complete") == "True":
        return "Complete"
    if condition_status(conditions, "Failed") == "True":
        return "Failed"
    if sub(obj, "metadata").get("deletionTimestamp"):
        return "Terminating"
    if condition_status(conditions, "Suspended") == "True":
        return "Suspended"
    if condition_status(conditions, "FailureTarget") == "True":
        return "FailureTarget"
    return "Running"


def _completions(spec: Mapping[str, Any], succeeded: int) -> str:
    completions = spec.get("completions")
    if completions is not None:
        return f"{succeeded}/{completions}"
    parallelism = number(spec, "parallelism")
    if parallelism > 1:
        return f"{succeeded}/1 of {parallelism}"
    return f"{succeeded}/1"


def _job_duration(status: Mapping[str, Any], since: Since) -> str:
    start = parse_timestamp(status.get("startTime"))
    if start is None:
        return ""
    completion = parse_timestamp(status.get("completionTime"))
    if completion is None:
        return human_duration(since.elapsed(start))
    return human_duration(completion - start)


def _job_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    status = sub(obj, "status")
    names, images = pod_template_containers(sub(spec, "template"))
    return [
        text(sub(obj, "metadata"), "name"),
        _job_status(obj, items(status, "conditions")),
        _completions(spec, number(status, "succeeded")),
        _job_duration(status, since),
        since.age(sub(obj, "metadata").get("creationTimestamp")),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


_CRON_JOB_COLUMNS: Final = (
    NAME,
    string("Schedule", DOCS["batchv1beta1.CronJobSpec.schedule"]),
    string("Timezone", DOCS["batchv1beta1.CronJobSpec.timeZone"]),
    boolean("Suspend", DOCS["batchv1beta1.CronJobSpec.suspend"]),
    integer("Active", DOCS["batchv1beta1.CronJobStatus.active"]),
    string("Last Schedule", DOCS["batchv1beta1.CronJobStatus.lastScheduleTime"]),
    AGE,
    CONTAINERS_WIDE,
    IMAGES_WIDE,
    string("Selector", DOCS["batchv1.JobSpec.selector"], priority=1),
)


def _cron_job_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    status = sub(obj, "status")
    job_spec = sub(sub(spec, "jobTemplate"), "spec")
    names, images = pod_template_containers(sub(job_spec, "template"))
    last_schedule = status.get("lastScheduleTime")
    time_zone = spec.get("timeZone")
    return [
        text(sub(obj, "metadata"), "name"),
        text(spec, "schedule"),
        NONE if time_zone is None else str(time_zone),
        bool_ptr(spec.get("suspend")),
        len(items(status, "active")),
        NONE if last_schedule is None else since.age(last_schedule),
        since.age(sub(obj, "metadata").get("creationTimestamp")),
        names,
        images,
        format_label_selector(job_spec.get("selector")),
    ]


PRINTERS: Final = {
    ("batch", "Job"): TablePrinter(_JOB_COLUMNS, _job_cells),
    ("batch", "CronJob"): TablePrinter(_CRON_JOB_COLUMNS, _cron_job_cells),
}
