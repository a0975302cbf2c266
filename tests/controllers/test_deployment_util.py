"""The Deployment controller's arithmetic, as ``deployment_util.go`` defines it."""

from __future__ import annotations

from typing import Any

import pytest

from controllers.deployment import util
from minikube_py.objects import Object


def rolling(replicas: int, surge: Any, unavailable: Any) -> Object:
    return {
        "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas,
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable},
            },
        },
    }


@pytest.mark.parametrize(
    ("replicas", "surge", "unavailable", "expected"),
    [
        (10, 3, 2, (3, 2)),
        (10, "25%", "25%", (3, 2)),  # 2.5: surge rounds up, unavailable down
        (1, "25%", "25%", (1, 0)),
        (3, "0%", "10%", (0, 1)),  # both resolve to zero: unavailable becomes 1
        (4, 0, 0, (0, 1)),
        (10, "100%", 0, (10, 0)),
        (5, "x%", 1, (0, 1)),  # unparsable: read as zero
    ],
)
def test_fenceposts_round_as_upstream(
    replicas: int, surge: Any, unavailable: Any, expected: tuple[int, int]
) -> None:
    d = rolling(replicas, surge, unavailable)
    assert (util.max_surge(d), util.max_unavailable(d)) == expected


def test_recreate_has_no_surge_and_no_unavailability() -> None:
    d = {"spec": {"replicas": 3, "strategy": {"type": "Recreate"}}}
    assert (util.max_surge(d), util.max_unavailable(d)) == (0, 0)


def test_max_unavailable_never_exceeds_replicas() -> None:
    assert util.max_unavailable(rolling(2, 0, 5)) == 2
    assert util.max_unavailable(rolling(0, 1, 1)) == 0


def test_hash_looks_like_upstream_and_moves_with_collisions() -> None:
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c"}]}}
    first = util.compute_hash(template, None)
    assert first == util.compute_hash(dict(reversed(list(template.items()))), None)
    assert set(first) <= set("bcdfghjklmnpqrstvwxz2456789") and 1 <= len(first) <= 10
    assert util.compute_hash(template, 1) != first
    assert util.compute_hash(template, 0) != first  # a count of 0 is still hashed in
    # digits (runes 48-57) land on alphabet[21:] and wrap: why upstream hashes read "7c5ddbdf54"
    assert util.safe_encode_string("0123456789") == "456789bcdf"
    assert set(first) <= set("456789bcdf")


def test_equal_ignore_hash() -> None:
    a = {"metadata": {"labels": {"app": "web", "pod-template-hash": "abc"}}, "spec": {}}
    b = {"metadata": {"labels": {"app": "web"}, "annotations": {}}}
    assert util.equal_ignore_hash(a, b)
    assert not util.equal_ignore_hash(a, {"metadata": {"labels": {"app": "db"}}})


def rs(name: str, replicas: int, *, max_replicas: int | None = None, created: str = "") -> Object:
    annotations = {} if max_replicas is None else {util.MAX_REPLICAS_ANNOTATION: str(max_replicas)}
    return {
        "metadata": {
            "name": name,
            "annotations": annotations,
            "creationTimestamp": created or "2026-01-01T00:00:00Z",
        },
        "spec": {"replicas": replicas},
    }


def test_proportions_share_a_resize_by_size() -> None:
    d = rolling(20, 3, 2)
    old, new = rs("old", 8, max_replicas=13), rs("new", 5, max_replicas=13)
    assert util.get_proportion(old, d, 10, 0) == 6  # round(8 * 23 / 13) - 8
    assert util.get_proportion(new, d, 10, 6) == 4  # capped by what is left
    assert util.get_proportion(rs("zero", 0), d, 10, 0) == 0
    scaled_to_zero = rolling(0, 3, 2)
    assert util.get_proportion(old, scaled_to_zero, -13, 0) == -8


def test_a_missing_max_replicas_annotation_falls_back_to_the_status() -> None:
    d = {**rolling(10, 0, 1), "status": {"replicas": 5}}
    assert util.get_replica_set_fraction(rs("a", 5), d) == 5  # 5 * 10 / 5 - 5
    d["status"] = {}
    assert util.get_replica_set_fraction(rs("a", 5), d) == 0  # never divides by zero


def test_new_rs_new_replicas_respects_the_surge() -> None:
    d = rolling(10, 3, 2)
    new = rs("new", 0)
    assert util.new_rs_new_replicas(d, [rs("old", 10), new], new) == 3
    assert util.new_rs_new_replicas(d, [rs("old", 13), new], new) == 0
    assert util.new_rs_new_replicas(d, [rs("old", 0), new], new) == 10


def test_revision_history_is_kept_on_rollback_and_bounded() -> None:
    d: Object = {"metadata": {"annotations": {"kubernetes.io/change-cause": "x"}}, "spec": {}}
    reused = {"metadata": {"annotations": {util.REVISION_ANNOTATION: "1"}}}
    assert util.set_new_replica_set_annotations(d, reused, "4", True, 2000)
    notes = reused["metadata"]["annotations"]
    assert notes[util.REVISION_ANNOTATION] == "4"
    assert notes[util.REVISION_HISTORY_ANNOTATION] == "1"
    assert notes["kubernetes.io/change-cause"] == "x"
    util.set_new_replica_set_annotations(d, reused, "6", True, 2000)
    assert notes[util.REVISION_HISTORY_ANNOTATION] == "1,4"
    util.set_new_replica_set_annotations(d, reused, "8", True, 3)
    assert notes[util.REVISION_HISTORY_ANNOTATION] == "4,6"
    # a higher revision is never lowered; a non-numeric one is left alone
    assert not util.set_new_replica_set_annotations(d, reused, "2", True, 2000)
    odd = {"metadata": {"annotations": {util.REVISION_ANNOTATION: "x"}}}
    assert not util.set_new_replica_set_annotations(d, odd, "2", True, 2000)


def test_last_revision_is_the_second_highest() -> None:
    rss = [
        {"metadata": {"annotations": {util.REVISION_ANNOTATION: v}}} for v in ("3", "1", "x", "2")
    ]
    assert util.max_revision(rss) == 3
    assert util.last_revision(rss) == 2


def test_size_orderings_break_ties_by_age() -> None:
    a = rs("a", 3, created="2026-01-01T00:00:00Z")
    b = rs("b", 3, created="2026-01-01T00:00:01Z")
    c = rs("c", 5, created="2026-01-01T00:00:02Z")
    assert [util.name(x) for x in util.sort_by_size_older([b, a, c])] == ["c", "a", "b"]
    assert [util.name(x) for x in util.sort_by_size_newer([a, b, c])] == ["c", "b", "a"]


def test_find_active_or_latest() -> None:
    new = rs("new", 0, created="2026-01-01T00:00:05Z")
    old1 = rs("old1", 0, created="2026-01-01T00:00:00Z")
    old2 = rs("old2", 0, created="2026-01-01T00:00:01Z")
    assert util.find_active_or_latest(new, [old1, old2]) is new
    assert util.find_active_or_latest(None, [old1, old2]) is old2
    busy = rs("busy", 2)
    assert util.find_active_or_latest(new, [busy]) is busy
    assert util.find_active_or_latest(rs("n", 1), [busy]) is None
