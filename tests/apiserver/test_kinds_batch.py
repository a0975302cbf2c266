"""batch/v1 Job and CronJob through the full pipeline: defaults, the generated selector, and
the validation messages a v1.32 apiserver gives."""

from __future__ import annotations

from typing import Any

import pytest

from apiserver.client import InProcessClient
from apiserver.registry.kinds.cron import duration_error, schedule_error
from minikube_py.errors import Invalid


def job(name: str = "pi", restart: str | None = "Never", **spec: Any) -> dict[str, Any]:
    pod: dict[str, Any] = {"containers": [{"name": "pi", "image": "perl:5.34"}]}
    if restart is not None:
        pod["restartPolicy"] = restart
    body: dict[str, Any] = {"template": {"spec": pod}}
    body.update(spec)
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": body}


def cronjob(name: str = "tick", schedule: str = "*/5 * * * *", **spec: Any) -> dict[str, Any]:
    template = {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    template["spec"]["restartPolicy"] = "OnFailure"
    body: dict[str, Any] = {"schedule": schedule, "jobTemplate": {"spec": {"template": template}}}
    body.update(spec)
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name}, "spec": body}


async def invalid(api: InProcessClient, obj: dict[str, Any]) -> str:
    with pytest.raises(Invalid) as info:
        await api.create(obj)
    return info.value.message


# -- Job: defaults and the generated selector --------------------------------------------------


async def test_job_spec_defaults(api: InProcessClient) -> None:
    created = await api.create(job())
    spec = created["spec"]
    assert spec["completions"] == 1 and spec["parallelism"] == 1
    assert spec["backoffLimit"] == 6
    assert spec["completionMode"] == "NonIndexed"
    assert spec["suspend"] is False
    assert spec["manualSelector"] is False
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    pod = spec["template"]["spec"]
    assert pod["dnsPolicy"] == "ClusterFirst" and pod["terminationGracePeriodSeconds"] == 30
    assert created["metadata"]["generation"] == 1
    assert "status" not in created


async def test_parallelism_alone_leaves_completions_unset(api: InProcessClient) -> None:
    created = await api.create(job(parallelism=3))
    assert created["spec"]["parallelism"] == 3
    assert "completions" not in created["spec"]


async def test_backoff_limit_per_index_makes_the_global_limit_unbounded(
    api: InProcessClient,
) -> None:
    created = await api.create(job(completionMode="Indexed", completions=3, backoffLimitPerIndex=1))
    assert created["spec"]["backoffLimit"] == 2147483647


async def test_pod_failure_policy_changes_the_replacement_default(api: InProcessClient) -> None:
    policy = {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]}
    created = await api.create(job(podFailurePolicy=policy))
    assert created["spec"]["podReplacementPolicy"] == "Failed"
    rule = created["spec"]["podFailurePolicy"]["rules"][0]
    assert rule["onPodConditions"] == [{"type": "DisruptionTarget", "status": "True"}]


async def test_create_generates_selector_and_labels_from_the_uid(api: InProcessClient) -> None:
    created = await api.create(job())
    uid, name = created["metadata"]["uid"], "pi"
    expected = {
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": name,
        "controller-uid": uid,
        "job-name": name,
    }
    assert created["spec"]["template"]["metadata"]["labels"] == expected
    assert created["spec"]["selector"] == {
        "matchLabels": {"batch.kubernetes.io/controller-uid": uid}
    }
    # every read of a Job without labels of its own shows its template's
    assert created["metadata"]["labels"] == expected
    assert await api.get("jobs", "pi") == created


async def test_template_labels_are_kept_beside_the_generated_ones(api: InProcessClient) -> None:
    body = job()
    body["metadata"]["labels"] = {"team": "a"}
    body["spec"]["template"]["metadata"] = {"labels": {"app": "pi"}}
    created = await api.create(body)
    assert created["metadata"]["labels"] == {"team": "a"}
    assert created["spec"]["template"]["metadata"]["labels"]["app"] == "pi"
    assert "job-name" in created["spec"]["template"]["metadata"]["labels"]


async def test_a_job_without_labels_shows_its_template_labels(api: InProcessClient) -> None:
    body = job()
    body["spec"]["template"]["metadata"] = {"labels": {"app": "pi"}}
    created = await api.create(body)
    template_labels = created["spec"]["template"]["metadata"]["labels"]
    assert set(template_labels) == {
        "app",
        "batch.kubernetes.io/controller-uid",
        "batch.kubernetes.io/job-name",
        "controller-uid",
        "job-name",
    }
    assert created["metadata"]["labels"] == template_labels
    created["metadata"]["labels"]["extra"] = "x"
    assert "extra" not in (await api.get("jobs", "pi"))["spec"]["template"]["metadata"]["labels"]
    unlabelled = await api.patch("jobs", "pi", {"metadata": {"labels": None}})
    assert unlabelled["metadata"]["labels"] == template_labels


async def test_manual_selector_is_not_generated(api: InProcessClient) -> None:
    body = job(manualSelector=True, selector={"matchLabels": {"app": "pi"}})
    body["spec"]["template"]["metadata"] = {"labels": {"app": "pi"}}
    created = await api.create(body)
    assert created["spec"]["selector"] == {"matchLabels": {"app": "pi"}}
    assert created["spec"]["template"]["metadata"]["labels"] == {"app": "pi"}
    assert created["metadata"]["labels"] == {"app": "pi"}


async def test_manual_selector_must_still_match_the_template(api: InProcessClient) -> None:
    body = job(manualSelector=True, selector={"matchLabels": {"app": "pi"}})
    assert await invalid(api, body) == (
        'Job.batch "pi" is invalid: spec.template.metadata.labels: Invalid value: '
        "map[string]string(nil): `selector` does not match template `labels`"
    )


async def test_a_foreign_selector_is_not_auto_generated(api: InProcessClient) -> None:
    body = job(selector={"matchLabels": {"app": "other"}})
    message = await invalid(api, body)
    uid = message.split("controller-uid: ")[1][:36]
    assert message == (
        'Job.batch "pi" is invalid: [spec.selector: Invalid value: &LabelSelector{MatchLabels:'
        f"map[string]string{{app: other,batch.kubernetes.io/controller-uid: {uid},}},"
        "MatchExpressions:[]LabelSelectorRequirement{},}: `selector` not auto-generated, "
        "spec.template.metadata.labels: Invalid value: map[string]string{"
        f'"batch.kubernetes.io/controller-uid":"{uid}", "batch.kubernetes.io/job-name":"pi", '
        f'"controller-uid":"{uid}", "job-name":"pi"}}: `selector` does not match template '
        "`labels`]"
    )


# -- Job: validation ---------------------------------------------------------------------------


async def test_job_pods_may_not_restart_always(api: InProcessClient) -> None:
    assert await invalid(api, job(restart=None)) == (
        'Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Required value: '
        'valid values: "OnFailure", "Never"'
    )


async def test_unknown_restart_policy(api: InProcessClient) -> None:
    assert await invalid(api, job(restart="Sometimes")) == (
        'Job.batch "pi" is invalid: [spec.template.spec.restartPolicy: Unsupported value: '
        '"Sometimes": supported values: "Always", "OnFailure", "Never", '
        'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: '
        '"OnFailure", "Never"]'
    )


async def test_negative_counts_are_invalid(api: InProcessClient) -> None:
    assert await invalid(api, job(parallelism=-1, backoffLimit=-2)) == (
        'Job.batch "pi" is invalid: [spec.parallelism: Invalid value: -1: must be greater than '
        "or equal to 0, spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0]"
    )


async def test_indexed_job_needs_completions(api: InProcessClient) -> None:
    assert await invalid(api, job(completionMode="Indexed", parallelism=2)) == (
        'Job.batch "pi" is invalid: spec.completions: Required value: '
        "when completion mode is Indexed"
    )


async def test_unknown_completion_mode(api: InProcessClient) -> None:
    assert await invalid(api, job(completionMode="Sometimes")) == (
        'Job.batch "pi" is invalid: spec.completionMode: Unsupported value: "Sometimes": '
        'supported values: "NonIndexed", "Indexed"'
    )


async def test_backoff_limit_per_index_requires_indexed_mode(api: InProcessClient) -> None:
    assert await invalid(api, job(backoffLimitPerIndex=1)) == (
        'Job.batch "pi" is invalid: spec.backoffLimitPerIndex: Invalid value: 1: '
        "requires indexed completion mode"
    )


async def test_pod_failure_policy_needs_never(api: InProcessClient) -> None:
    policy = {"rules": [{"action": "FailJob", "onExitCodes": {"operator": "In", "values": [42]}}]}
    assert await invalid(api, job(restart="OnFailure", podFailurePolicy=policy)) == (
        'Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Invalid value: '
        '"OnFailure": only "Never" is supported when podFailurePolicy is specified'
    )


async def test_pod_failure_rule_needs_a_requirement(api: InProcessClient) -> None:
    policy = {"rules": [{"action": "FailJob"}]}
    assert await invalid(api, job(podFailurePolicy=policy)) == (
        'Job.batch "pi" is invalid: spec.podFailurePolicy.rules[0]: Invalid value: '
        "specifying one of OnExitCodes and OnPodConditions is required"
    )


async def test_indexed_job_names_must_fit_pod_hostnames(api: InProcessClient) -> None:
    name = "a" * 62
    message = await invalid(api, job(name, completionMode="Indexed", completions=10))
    assert message.endswith(
        f'metadata.name: Invalid value: "{name}": will not able to create pod with invalid DNS '
        f"label: {name}-9"
    )


# -- Job: updates ------------------------------------------------------------------------------


async def test_completions_are_immutable(api: InProcessClient) -> None:
    created = await api.create(job())
    created["spec"]["completions"] = 3
    with pytest.raises(Invalid) as info:
        await api.update(created)
    assert info.value.message == (
        'Job.batch "pi" is invalid: spec.completions: Invalid value: 3: field is immutable'
    )


async def test_indexed_completions_scale_with_parallelism(api: InProcessClient) -> None:
    await api.create(job(completionMode="Indexed", completions=2, parallelism=2))
    scaled = await api.patch("jobs", "pi", {"spec": {"completions": 4, "parallelism": 4}})
    assert scaled["spec"]["completions"] == 4
    assert scaled["metadata"]["generation"] == 2
    with pytest.raises(Invalid) as info:
        await api.patch("jobs", "pi", {"spec": {"completions": 5}})
    assert info.value.message == (
        'Job.batch "pi" is invalid: spec.completions: Invalid value: 5: can only be modified in '
        "tandem with spec.parallelism"
    )


async def test_the_template_of_a_running_job_is_immutable(api: InProcessClient) -> None:
    await api.create(job())
    with pytest.raises(Invalid) as info:
        await api.patch(
            "jobs", "pi", {"spec": {"template": {"spec": {"nodeSelector": {"a": "b"}}}}}
        )
    assert info.value.message.startswith(
        'Job.batch "pi" is invalid: spec.template: Invalid value: core.PodTemplateSpec{'
    )
    assert info.value.message.endswith("}: field is immutable")


async def test_a_suspended_job_may_change_scheduling_directives(api: InProcessClient) -> None:
    await api.create(job(suspend=True))
    patched = await api.patch(
        "jobs", "pi", {"spec": {"template": {"spec": {"nodeSelector": {"zone": "a"}}}}}
    )
    assert patched["spec"]["template"]["spec"]["nodeSelector"] == {"zone": "a"}
    with pytest.raises(Invalid, match=r"spec\.template: Invalid value"):
        await api.patch("jobs", "pi", {"spec": {"template": {"spec": {"hostname": "x"}}}})


async def test_the_selector_is_immutable(api: InProcessClient) -> None:
    created = await api.create(job())
    uid = created["metadata"]["uid"]
    labels = {"batch.kubernetes.io/controller-uid": uid, "job-name": "pi"}
    with pytest.raises(Invalid) as info:
        await api.patch("jobs", "pi", {"spec": {"selector": {"matchLabels": labels}}})
    assert info.value.message == (
        'Job.batch "pi" is invalid: spec.selector: Invalid value: &LabelSelector{'
        f"MatchLabels:map[string]string{{batch.kubernetes.io/controller-uid: {uid},job-name: pi,}},"
        "MatchExpressions:[]LabelSelectorRequirement{},}: field is immutable"
    )


async def test_suspend_is_mutable_and_bumps_the_generation(api: InProcessClient) -> None:
    await api.create(job())
    patched = await api.patch("jobs", "pi", {"spec": {"suspend": True}})
    assert patched["spec"]["suspend"] is True
    assert patched["metadata"]["generation"] == 2


async def test_status_is_cleared_on_create_and_selectable(api: InProcessClient) -> None:
    body = job()
    body["status"] = {"succeeded": 5}
    created = await api.create(body)
    assert "status" not in created
    status = await api.patch("jobs", "pi", {"status": {"succeeded": 1}}, subresource="status")
    assert status["status"] == {"succeeded": 1}
    listed = await api.list("jobs", field_selector="status.successful=1")
    assert [j["metadata"]["name"] for j in listed["items"]] == ["pi"]
    assert (await api.list("jobs", field_selector="status.successful=0"))["items"] == []


async def test_status_counters_may_not_be_negative(api: InProcessClient) -> None:
    await api.create(job())
    with pytest.raises(Invalid) as info:
        await api.patch("jobs", "pi", {"status": {"active": -1}}, subresource="status")
    assert info.value.message == (
        'Job.batch "pi" is invalid: status.active: Invalid value: -1: must be greater than or '
        "equal to 0"
    )


# -- CronJob -----------------------------------------------------------------------------------


async def test_cronjob_defaults(api: InProcessClient) -> None:
    created = await api.create(cronjob())
    spec = created["spec"]
    assert spec["concurrencyPolicy"] == "Allow"
    assert spec["suspend"] is False
    assert spec["successfulJobsHistoryLimit"] == 3
    assert spec["failedJobsHistoryLimit"] == 1
    job_spec = spec["jobTemplate"]["spec"]
    assert job_spec["template"]["spec"]["schedulerName"] == "default-scheduler"
    assert "backoffLimit" not in job_spec  # Job defaults apply when the Job is created
    assert created["metadata"]["generation"] == 1
    patched = await api.patch("cronjobs", "tick", {"spec": {"schedule": "@hourly"}})
    assert patched["metadata"]["generation"] == 2


@pytest.mark.parametrize(
    ("schedule", "detail"),
    [
        ("off", "expected exactly 5 fields, found 1: [off]"),
        ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
        ("61 * * * *", "end of range (61) above maximum (59): 61"),
        ("* 5-2 * * *", "beginning of range (5) beyond end of range (2): 5-2"),
        ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
        ("*/0 * * * *", "step of range should be a positive number: */0"),
        ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
        (
            "x * * * *",
            'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax',
        ),
        ("@fortnightly", "unrecognized descriptor: @fortnightly"),
        (
            "@every 5",
            'failed to parse duration @every 5: time: missing unit in duration "5"',
        ),
    ],
)
async def test_schedule_errors(api: InProcessClient, schedule: str, detail: str) -> None:
    assert await invalid(api, cronjob(schedule=schedule)) == (
        f'CronJob.batch "tick" is invalid: spec.schedule: Invalid value: "{schedule}": {detail}'
    )


@pytest.mark.parametrize(
    "schedule",
    ["0 0 * * *", "@hourly", "@every 1h30m", "*/15 9-17 * JAN-mar mon-FRI", "0 0 1,15 * ?"],
)
async def test_valid_schedules(api: InProcessClient, schedule: str) -> None:
    created = await api.create(cronjob(schedule=schedule))
    assert created["spec"]["schedule"] == schedule


async def test_time_zone_in_the_schedule_is_refused(api: InProcessClient) -> None:
    assert await invalid(api, cronjob(schedule="TZ=UTC 0 * * * *")) == (
        'CronJob.batch "tick" is invalid: spec.schedule: Invalid value: "TZ=UTC 0 * * * *": '
        "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
    )


async def test_time_zone_field(api: InProcessClient) -> None:
    created = await api.create(cronjob(timeZone="Europe/Paris"))
    assert created["spec"]["timeZone"] == "Europe/Paris"
    assert await invalid(api, cronjob("t2", timeZone="Mars/Olympus")) == (
        'CronJob.batch "t2" is invalid: spec.timeZone: Invalid value: "Mars/Olympus": '
        "unknown time zone Mars/Olympus"
    )
    assert await invalid(api, cronjob("t3", timeZone="Local")) == (
        'CronJob.batch "t3" is invalid: spec.timeZone: Invalid value: "Local": timeZone must be '
        "an explicit time zone as defined in https://www.iana.org/time-zones"
    )


async def test_cronjob_names_leave_room_for_the_job_suffix(api: InProcessClient) -> None:
    name = "c" * 53
    assert await invalid(api, cronjob(name)) == (
        f'CronJob.batch "{name}" is invalid: metadata.name: Invalid value: "{name}": '
        "must be no more than 52 characters"
    )


async def test_job_template_selector_is_generated_later(api: InProcessClient) -> None:
    body = cronjob()
    body["spec"]["jobTemplate"]["spec"]["selector"] = {"matchLabels": {"a": "b"}}
    assert await invalid(api, body) == (
        'CronJob.batch "tick" is invalid: spec.jobTemplate.spec.selector: Invalid value: '
        "&LabelSelector{MatchLabels:map[string]string{a: b,},"
        "MatchExpressions:[]LabelSelectorRequirement{},}: `selector` will be auto-generated"
    )


async def test_unknown_concurrency_policy(api: InProcessClient) -> None:
    assert await invalid(api, cronjob(concurrencyPolicy="Sometimes")) == (
        'CronJob.batch "tick" is invalid: spec.concurrencyPolicy: Unsupported value: '
        '"Sometimes": supported values: "Allow", "Forbid", "Replace"'
    )


# -- the cron grammar on its own ---------------------------------------------------------------


def test_schedule_error_edge_cases() -> None:
    assert schedule_error("") == "empty spec string"
    assert schedule_error("CRON_TZ=Asia/Tokyo 0 9 * * 1-5") is None
    assert schedule_error("TZ=Nowhere/City 0 * * * *") == (
        "provided bad location Nowhere/City: unknown time zone Nowhere/City"
    )
    assert schedule_error("TZ=UTC") == (
        "invalid schedule format: runtime error: slice bounds out of range [:-1]"
    )
    assert schedule_error("*/-1 * * * *") == "negative number (-1) not allowed: -1"
    assert schedule_error("5/10/2 * * * *") == "too many slashes: 5/10/2"


def test_go_duration_grammar() -> None:
    assert duration_error("1h2m3.5s") is None
    assert duration_error("-1.5h") is None
    assert duration_error("") == 'time: invalid duration ""'
    assert duration_error("1x") == 'time: unknown unit "x" in duration "1x"'
    assert duration_error(".s") == 'time: invalid duration ".s"'
