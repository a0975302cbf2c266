"""Pure functions and single plugins, without a cluster: pod requests, the score formulas,
FitError's message, the queue's backoff arithmetic."""

from __future__ import annotations

from typing import Any

from controllers.scheduler.framework.interface import CycleState, Diagnosis, FitError, unresolvable
from controllers.scheduler.framework.types import NodeInfo, PodInfo
from controllers.scheduler.plugins.imagelocality import ImageLocality
from controllers.scheduler.plugins.noderesources import (
    NodeResourcesBalancedAllocation,
    NodeResourcesFit,
    fits_request,
)
from controllers.scheduler.resources import (
    DEFAULT_MEMORY_REQUEST,
    DEFAULT_MILLI_CPU_REQUEST,
    pod_non_zero_requests,
    pod_requests,
)


def container(cpu: str | None = None, memory: str | None = None, **extra: Any) -> dict:
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    return {"name": "c", "image": "i", "resources": {"requests": requests}, **extra}


def make_pod(containers: list[dict], init: list[dict] | None = None, **spec: Any) -> dict:
    return {
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"containers": containers, "initContainers": init or [], **spec},
    }


def test_requests_sum_containers_and_take_the_init_peak():
    pod = make_pod(
        [container("1", "1Gi"), container("500m", "512Mi")],
        [container("2", "100Mi"), container("100m", "2Gi")],
    )
    r = pod_requests(pod)
    assert (r.milli_cpu, r.memory) == (2000, 2 * 1024**3)


def test_sidecars_run_beside_later_init_containers_and_the_app():
    pod = make_pod(
        [container("1")],
        [container("500m", restartPolicy="Always"), container("2")],
    )
    # app phase: 1 + 0.5 = 1.5; init peak: 2 + 0.5 (sidecar started before it) = 2.5
    assert pod_requests(pod).milli_cpu == 2500


def test_overhead_is_added():
    pod = make_pod([container("1", "1Gi")], overhead={"cpu": "250m", "memory": "120Mi"})
    r = pod_requests(pod)
    assert (r.milli_cpu, r.memory) == (1250, 1024**3 + 120 * 1024**2)


def test_non_zero_defaults_for_containers_that_name_nothing():
    r = pod_non_zero_requests(make_pod([container(), container("1")]))
    assert r.milli_cpu == DEFAULT_MILLI_CPU_REQUEST + 1000
    assert r.memory == 2 * DEFAULT_MEMORY_REQUEST


def node(cpu: str, memory: str, pods: list[dict] = (), images: Any = None) -> NodeInfo:
    status: dict[str, Any] = {"allocatable": {"cpu": cpu, "memory": memory, "pods": "110"}}
    if images:
        status["images"] = images
    info = NodeInfo({"metadata": {"name": "n", "labels": {}}, "spec": {}, "status": status})
    for i, p in enumerate(pods):
        p = {**p, "metadata": {"name": f"existing-{i}", "namespace": "default"}}
        info.add_pod(PodInfo(p))
    return info


class _Handle:
    class snapshot:
        all_nodes_have_cpu_and_memory = True
        image_num_nodes: dict[str, int] = {}
        node_info_list: list[NodeInfo] = []


def test_least_allocated_and_balanced_scores():
    """``(alloc - req) * 100 / alloc`` averaged; ``(1 - |f_cpu - f_mem| / 2) * 100``."""
    info = node("4", "10000", [make_pod([container("3", "5000")])])
    pod = PodInfo(make_pod([container("1", "2000")]))
    fit = NodeResourcesFit({}, _Handle)  # type: ignore[arg-type]
    balanced = NodeResourcesBalancedAllocation({}, _Handle)  # type: ignore[arg-type]
    state = CycleState()
    fit.pre_score(state, pod, [info])
    balanced.pre_score(state, pod, [info])
    # cpu: (4000 - 4000) * 100 / 4000 = 0; memory: (10000 - 7000) * 100 / 10000 = 30
    assert fit.score(state, pod, info) == 15 == fit.score_nodes(state, pod, [info])[0]
    # fractions 1.0 and 0.7: std 0.15 -> (1 - 0.15) * 100, truncated as Go does
    assert balanced.score(state, pod, info) == 85 == balanced.score_nodes(state, pod, [info])[0]


def test_remembered_scores_and_fits_follow_the_nodes_state():
    """Batch scores and fit masks are remembered per node state (its generation): a pod added
    to a node changes that node's answers, and only that node's."""
    busy, idle = node("4", "10000"), node("4", "10000")
    pod = PodInfo(make_pod([container("1", "2000")]))
    fit = NodeResourcesFit({}, _Handle)  # type: ignore[arg-type]
    balanced = NodeResourcesBalancedAllocation({}, _Handle)  # type: ignore[arg-type]
    state = CycleState()
    fit.pre_score(state, pod, [busy, idle])
    balanced.pre_score(state, pod, [busy, idle])

    def answers() -> tuple[list[int], list[int], list[bool]]:
        nodes = [busy, idle]
        return (
            fit.score_nodes(state, pod, nodes),
            balanced.score_nodes(state, pod, nodes),
            fit.filter_mask(state, pod, nodes),
        )

    # cpu 3000/4000 free after the pod -> 75, memory 8000/10000 -> 80: 77; fractions 0.25
    # and 0.2: (1 - 0.025) * 100 -> 97
    assert answers() == answers() == ([77, 77], [97, 97], [True, True])
    busy.add_pod(PodInfo({**make_pod([container("3500m", "5000")]), "metadata": {"name": "x"}}))
    # cpu: 500m left, not enough -> 0, memory (10000 - 7000) -> 30: 15; fractions 1.0, 0.7: 85
    assert answers() == ([15, 77], [85, 97], [False, True])
    assert fit.score(state, pod, busy) == 15 and balanced.score(state, pod, busy) == 85


def test_most_allocated():
    info = node("4", "10000", [make_pod([container("3", "5000")])])
    pod = PodInfo(make_pod([container("1", "2000")]))
    fit = NodeResourcesFit({"scoringStrategy": {"type": "MostAllocated"}}, _Handle)  # type: ignore[arg-type]
    state = CycleState()
    fit.pre_score(state, pod, [info])
    assert fit.score(state, pod, info) == (100 + 70) // 2


def test_fits_request_reasons():
    info = node("1", "1Gi", [make_pod([container("500m", "512Mi")])])
    pod = PodInfo(make_pod([container("600m", "600Mi")]))
    assert fits_request(pod.requests, info) == ["Insufficient cpu", "Insufficient memory"]


def test_image_locality_scales_by_spread():
    mb = 1024 * 1024
    images = [{"names": ["nginx:latest"], "sizeBytes": 500 * mb}]
    info = node("4", "8Gi", images=images)

    class Handle:
        class snapshot:
            image_num_nodes = {"nginx:latest": 1}
            node_info_list = [info, object()]

    plugin = ImageLocality(Handle)  # type: ignore[arg-type]
    pod = PodInfo(make_pod([{"name": "c", "image": "nginx"}]))
    state = CycleState()
    plugin.pre_score(state, pod, [info])
    # 500 MB on 1 of 2 nodes -> 250 MB; (250 - 23) * 100 / (1000 - 23) = 23
    assert plugin.score(state, pod, info) == 100 * (250 * mb - 23 * mb) // (977 * mb)


def test_fit_error_message_with_absent_nodes():
    diagnosis = Diagnosis(
        node_to_status={"a": unresolvable("node(s) didn't match Pod's node affinity/selector")},
        absent_nodes_status=unresolvable("Preemption is not helpful for scheduling"),
    )
    pod = PodInfo(make_pod([container()]))
    assert str(FitError(pod, 3, diagnosis)) == (
        "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
        "2 Preemption is not helpful for scheduling."
    )
