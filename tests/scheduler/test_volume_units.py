"""The volume binder's pieces without a cluster, against the cases of upstream's
``binder_test.go``, ``assume_cache_test.go`` and component-helpers' ``FindMatchingVolume``
tests; and the plugins' queueing hints."""

from __future__ import annotations

from typing import Any

import pytest
from volume_harness import claim_volume, pv, pvc

from controllers.scheduler.framework.interface import QueueingHint
from controllers.scheduler.plugins.volumebinding.assume_cache import AssumeCache, AssumeError
from controllers.scheduler.plugins.volumebinding.binder import local_volume_node_names
from controllers.scheduler.plugins.volumeutil import (
    bind_volume_to_claim,
    check_node_affinity,
    claim_event_hint,
    find_matching_volume,
    match_topology_selector_terms,
)
from controllers.scheduler.plugins.volumezone import _after_volume_change

HOST = {"kubernetes.io/hostname": "n1"}


def available(volume: dict[str, Any], **meta: Any) -> dict[str, Any]:
    volume["status"] = {"phase": "Available"}
    volume["metadata"].update(meta)
    return volume


def claim(name: str = "c", **kw: Any) -> dict[str, Any]:
    made = pvc(name, **kw)
    made["metadata"]["uid"] = f"uid-{name}"
    return made


def match(wanted: dict[str, Any], volumes: list[Any], excluded: Any = frozenset()) -> Any:
    """The scheduler's path: on node ``n1``, delayed binding."""
    return find_matching_volume(wanted, volumes, HOST, set(excluded), delay_binding=True)


def test_smallest_available_volume_of_the_class_wins():
    volumes = [
        available(pv("big", size="5Gi", storage_class="local")),
        available(pv("small", size="1Gi", storage_class="local")),
        available(pv("fits", size="2Gi", storage_class="local")),
        available(pv("other-class", size="2Gi", storage_class="ssd")),
    ]
    chosen = match(claim(size="2Gi", storage_class="local"), volumes)
    assert chosen is not None and chosen["metadata"]["name"] == "fits"
    excluded = match(claim(size="2Gi", storage_class="local"), volumes, frozenset({"fits"}))
    assert excluded is not None and excluded["metadata"]["name"] == "big"


def test_unavailable_wrong_mode_or_access_or_node_is_skipped():
    pending = pv("pending", storage_class="local")
    block = available(pv("block", storage_class="local"))
    block["spec"]["volumeMode"] = "Block"
    rwx = available(pv("rwx", storage_class="local", modes=("ReadWriteMany",)))
    far = available(
        pv("far", storage_class="local", node_affinity={"kubernetes.io/hostname": ["n2"]})
    )
    deleting = available(pv("deleting", storage_class="local"), deletionTimestamp="x")
    wanted = claim(storage_class="local")
    assert match(wanted, [pending, block, rwx, far, deleting]) is None


def test_selector_filters_volumes():
    labelled = available(pv("fast", storage_class="local", labels={"speed": "fast"}))
    plain = available(pv("plain", storage_class="local"))
    wanted = claim(storage_class="local")
    wanted["spec"]["selector"] = {"matchLabels": {"speed": "fast"}}
    chosen = match(wanted, [plain, labelled])
    assert chosen is not None and chosen["metadata"]["name"] == "fast"


def test_prebound_volume_wins_even_when_not_available_unless_the_node_does_not_fit():
    wanted = claim(storage_class="local")
    prebound = pv("pre", size="9Gi", storage_class="other")
    prebound["spec"]["claimRef"] = {"name": "c", "namespace": "default"}
    smaller = available(pv("small", storage_class="local"))
    assert match(wanted, [smaller, prebound]) is prebound
    prebound["spec"]["nodeAffinity"] = pv("x", node_affinity={"kubernetes.io/hostname": ["n2"]})[
        "spec"
    ]["nodeAffinity"]
    assert match(wanted, [smaller, prebound]) is None
    taken = available(pv("taken", storage_class="local"))
    taken["spec"]["claimRef"] = {"name": "else", "namespace": "default"}
    assert match(wanted, [taken]) is None


def test_pv_controller_path_binds_only_immediate_claims_to_unbound_volumes():
    volume = available(pv("v", storage_class="local"))
    wanted = claim(storage_class="local")
    assert find_matching_volume(wanted, [volume], None, set(), delay_binding=False) is volume
    assert find_matching_volume(wanted, [volume], None, set(), delay_binding=True) is None
    volume["spec"]["claimRef"] = {"name": "c", "namespace": "default", "uid": "uid-c"}
    assert find_matching_volume(wanted, [volume], None, set(), delay_binding=True) is volume


def test_bind_volume_to_claim_sets_claim_ref_and_bound_by_controller():
    volume = available(pv("v", storage_class="local"), resourceVersion="7")
    wanted = claim(storage_class="local")
    bound, dirty = bind_volume_to_claim(volume, wanted)
    assert dirty
    assert bound["spec"]["claimRef"]["uid"] == "uid-c"
    assert bound["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"] == "yes"
    assert "claimRef" not in volume["spec"]  # the informer's object is left alone
    again, dirty = bind_volume_to_claim(bound, wanted)
    assert not dirty and again["spec"]["claimRef"] == bound["spec"]["claimRef"]
    # pre-bound by the user (no uid yet): the uid is filled in, no bound-by-controller mark
    user = pv("u")
    user["spec"]["claimRef"] = {"name": "c", "namespace": "default"}
    bound, dirty = bind_volume_to_claim(user, wanted)
    assert (dirty and "annotations" not in bound["metadata"]) or (
        "pv.kubernetes.io/bound-by-controller" not in bound["metadata"]["annotations"]
    )


def test_node_affinity_and_topology_terms():
    local = pv("v", node_affinity={"kubernetes.io/hostname": ["n1", "n2"]})
    assert check_node_affinity(local, HOST)
    assert not check_node_affinity(local, {"kubernetes.io/hostname": "n3"})
    assert check_node_affinity(pv("anywhere"), {})
    assert local_volume_node_names(local) == {"n1", "n2"}
    terms = [{"matchLabelExpressions": [{"key": "zone", "values": ["a", "b"]}]}]
    assert match_topology_selector_terms(terms, {"zone": "b"})
    assert not match_topology_selector_terms(terms, {"zone": "c"})
    assert match_topology_selector_terms([], {})
    assert not match_topology_selector_terms([{"matchLabelExpressions": []}], {})


class _Informer:
    """The slice of a SharedInformer the assume cache uses."""

    def __init__(self, *objects: dict[str, Any]) -> None:
        self.items = {o["metadata"]["name"]: o for o in objects}
        self.handler: Any = None

    def add_event_handler(self, handler: Any) -> None:
        self.handler = handler

    def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        return self.items.get(name)

    def list(self) -> list[dict[str, Any]]:
        return list(self.items.values())

    def update(self, obj: dict[str, Any]) -> None:
        old = self.items[obj["metadata"]["name"]]
        self.items[obj["metadata"]["name"]] = obj
        self.handler.on_update(old, obj)


def versioned(name: str, version: str, **spec: Any) -> dict[str, Any]:
    made = pv(name)
    made["metadata"]["resourceVersion"] = version
    made["spec"].update(spec)
    return made


def test_assume_cache_keeps_assumptions_until_a_newer_version():
    informer = _Informer(versioned("v", "5"))
    cache = AssumeCache(informer, "PersistentVolume")  # type: ignore[arg-type]
    assumed = versioned("v", "5", claimRef={"name": "c"})
    cache.assume(assumed)
    assert cache.get("v") is assumed and cache.get_api("v") is informer.items["v"]
    assert cache.list() == [assumed]
    informer.update(versioned("v", "5"))  # a resync: not newer
    assert cache.get("v") is assumed
    informer.update(versioned("v", "6"))
    assert cache.get("v") is informer.items["v"]
    with pytest.raises(AssumeError) as info:
        cache.assume(versioned("v", "5"))
    assert str(info.value) == 'PersistentVolume "v" is out of sync (stored: 6, assume: 5)'
    cache.assume(versioned("v", "6", claimRef={"name": "c"}))
    cache.restore("v")
    assert not cache.is_assumed("v")


def test_claim_hints_match_the_pods_claims():
    from scheduler_harness import pod

    user = pod("p", volumes=[claim_volume("data"), {"name": "scratch", "ephemeral": {}}])
    hint = claim_event_hint(ephemeral=True)
    assert hint(user, None, pvc("data")) == QueueingHint.QUEUE
    assert hint(user, None, pvc("p-scratch")) == QueueingHint.QUEUE
    assert hint(user, None, pvc("other")) == QueueingHint.QUEUE_SKIP
    assert claim_event_hint(ephemeral=False)(user, None, pvc("p-scratch")) == (
        QueueingHint.QUEUE_SKIP
    )
    elsewhere = pvc("data")
    elsewhere["metadata"]["namespace"] = "other"
    assert hint(user, None, elsewhere) == QueueingHint.QUEUE_SKIP
    zoned = pv("v", labels={"topology.kubernetes.io/zone": "a"})
    relabelled = pv("v", labels={"topology.kubernetes.io/zone": "b"})
    assert _after_volume_change(user, zoned, relabelled) == QueueingHint.QUEUE
    assert _after_volume_change(user, zoned, pv("v", labels=dict(zoned["metadata"]["labels"]))) == (
        QueueingHint.QUEUE_SKIP
    )
