"""The volume binder: which PV (or which provisioning) serves each claim of a pod on a node.

Upstream: ``framework/plugins/volumebinding/binder.go`` (v1.32, ``volumeBinder``) and the
helpers of ``k8s.io/component-helpers/storage/volume`` (``FindMatchingVolume``,
``GetBindVolumeToClaim``, ``IsDelayBindingMode``). The phases:

* :meth:`VolumeBinder.get_pod_volume_claims` (PreFilter): the pod's claims split into bound,
  unbound with delayed binding (WaitForFirstConsumer, no ``volumeName``) and unbound
  immediate ones (which the PV controller should have bound already), with the PVs of each
  delayed claim's class listed once; :meth:`VolumeBinder.get_eligible_nodes` narrows the
  nodes to those the bound local PVs name (``kubernetes.io/hostname In``);
* :meth:`VolumeBinder.find_pod_volumes` (Filter, per node): bound PVs' node affinity must match
  the node; each delayed claim needs an available PV on this node (the smallest that fits,
  each PV chosen once) or a class whose provisioner can provision here (``allowedTopologies``);
  a claim already given a ``selected-node`` only fits that node;
* :meth:`VolumeBinder.assume_pod_volumes` (Reserve): the PVs assumed bound (``claimRef``,
  ``pv.kubernetes.io/bound-by-controller``) and the claims to provision assumed annotated with
  ``volume.kubernetes.io/selected-node``, in the assume caches;
* :meth:`VolumeBinder.bind_pod_volumes` (PreBind): those writes through the API, then a poll
  every second (``bindTimeout``, 600 s by default) until the PV controller and provisioners
  report every claim fully bound (``volumeName`` and ``pv.kubernetes.io/bind-completed``), or
  until something undoes the binding (claimRef reset, selected node removed, pod deleted).

Storage capacity (``hasEnoughCapacity``): a claim to provision whose class's provisioner is a
CSIDriver with ``storageCapacity: true`` needs a CSIStorageCapacity of that class, reachable
from the node (``nodeTopology``), whose ``maximumVolumeSize`` (else ``capacity``) holds the
requested size -- else "node(s) did not have enough free storage".

Not implemented: the CSI migration of in-tree PVs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import trio

from controllers.scheduler.framework.types import LABEL_HOSTNAME
from controllers.scheduler.plugins.volumebinding.assume_cache import AssumeCache, AssumeError
from controllers.scheduler.plugins.volumeutil import (
    ANN_BIND_COMPLETED,
    ANN_SELECTED_NODE,
    NOT_SUPPORTED_PROVISIONER,
    WAIT_FOR_FIRST_CONSUMER,
    MatchError,
    VolumeListers,
    bind_volume_to_claim,
    check_node_affinity,
    claim_class,
    claim_name,
    find_matching_volume,
    match_topology_selector_terms,
    requested_storage,
    volume_class,
    volume_is_for_pod,
)
from minikube_py.errors import StatusError
from minikube_py.objects import Object
from minikube_py.quantity import value as quantity_value
from minikube_py.selectors.labels import SelectorParseError, from_label_selector

if TYPE_CHECKING:
    from controllers.scheduler.framework.runtime import Framework

#: ``ErrReasonBindConflict``, ``ErrReasonNodeConflict``, ``ErrReasonNotEnoughSpace``,
#: ``ErrReasonPVNotExist``
ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
ERR_REASON_NODE_CONFLICT = "node(s) had volume node affinity conflict"
ERR_REASON_NOT_ENOUGH_SPACE = "node(s) did not have enough free storage"
ERR_REASON_PV_NOT_EXIST = (
    "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
)
#: ``DefaultBindTimeoutSeconds``; the poll interval of ``BindPodVolumes``
DEFAULT_BIND_TIMEOUT_SECONDS = 600
BIND_POLL_INTERVAL = 1.0


class BindingError(Exception):
    """An error of the binder: the plugin turns it into an Error status."""


@dataclass(slots=True)
class BindingInfo:
    """``BindingInfo``: a claim and the PV proposed (then assumed) for it."""

    pvc: Object
    pv: Object


@dataclass(slots=True)
class PodVolumes:
    """``PodVolumes``: the decisions for one node."""

    static_bindings: list[BindingInfo] = field(default_factory=list)
    dynamic_provisions: list[Object] = field(default_factory=list)


@dataclass(slots=True)
class PodVolumeClaims:
    """``PodVolumeClaims``: a pod's claims by binding state, and the candidate PVs of the
    delayed ones' classes."""

    bound_claims: list[Object] = field(default_factory=list)
    unbound_claims_delay_binding: list[Object] = field(default_factory=list)
    unbound_claims_immediate: list[Object] = field(default_factory=list)
    unbound_volumes_delay_binding: dict[str, list[Object]] = field(default_factory=dict)


def _key(obj: Object) -> str:
    metadata = obj.get("metadata") or {}
    namespace = metadata.get("namespace") or ""
    return f"{namespace}/{metadata.get('name', '')}" if namespace else metadata.get("name", "")


def _annotations(obj: Object) -> dict[str, str]:
    return (obj.get("metadata") or {}).get("annotations") or {}


def _version(obj: Object | None) -> int:
    try:
        return int(((obj or {}).get("metadata") or {}).get("resourceVersion") or 0)
    except ValueError:
        return 0


def is_pvc_fully_bound(pvc: Object) -> bool:
    """``isPVCFullyBound``: a volume name and the PV controller's bind-completed mark."""
    return bool((pvc.get("spec") or {}).get("volumeName")) and (
        ANN_BIND_COMPLETED in _annotations(pvc)
    )


def local_volume_node_names(pv: Object) -> set[str]:
    """``GetLocalPersistentVolumeNodeNames``: the ``kubernetes.io/hostname In`` values of
    each required term (intersected within a term, united across terms)."""
    affinity = (pv.get("spec") or {}).get("nodeAffinity") or {}
    required = affinity.get("required")
    result: set[str] = set()
    if not required:
        return result
    for term in required.get("nodeSelectorTerms") or ():
        nodes: set[str] | None = None
        for expression in term.get("matchExpressions") or ():
            if expression.get("key") == LABEL_HOSTNAME and expression.get("operator") == "In":
                values = set(expression.get("values") or ())
                nodes = values if nodes is None else nodes & values
        result |= nodes or set()
    return result


class VolumeBinder:
    """``volumeBinder``: the listers, the two assume caches and the client."""

    def __init__(self, handle: Framework, bind_timeout: float) -> None:
        self.handle = handle
        self.listers = VolumeListers(handle)
        self.pv_cache = AssumeCache(self.listers.pvs, "PersistentVolume")
        self.pvc_cache = AssumeCache(self.listers.pvcs, "PersistentVolumeClaim")
        self.pods = handle.informer("pods")
        self.nodes = handle.informer("nodes")
        self.csi_drivers = handle.informer("csidrivers")
        self.capacities = handle.informer("csistoragecapacities")
        self.bind_timeout = bind_timeout

    # -- PreFilter -----------------------------------------------------------------------------

    def _is_delay_binding_mode(self, pvc: Object) -> bool:
        """``IsDelayBindingMode``: the claim's class binds WaitForFirstConsumer (a missing
        class binds immediately)."""
        class_name = claim_class(pvc)
        if not class_name:
            return False
        storage_class = self.listers.storage_class(class_name)
        if storage_class is None:
            return False
        mode = storage_class.get("volumeBindingMode")
        if mode is None:
            raise BindingError(f'VolumeBindingMode not set for StorageClass "{class_name}"')
        return bool(mode == WAIT_FOR_FIRST_CONSUMER)

    def _volume_claim(self, pod: Object, volume: dict[str, Any]) -> Object | None:
        """``isVolumeBound``'s lookup: the claim behind a volume (None: not a claim)."""
        claim = claim_name(pod, volume)
        if claim is None:
            return None
        name, ephemeral = claim
        namespace = (pod.get("metadata") or {}).get("namespace", "")
        pvc = self.pvc_cache.get(f"{namespace}/{name}")
        if pvc is None:
            raise BindingError(f'error getting PVC "{namespace}/{name}": not found')
        if ephemeral:
            problem = volume_is_for_pod(pod, pvc)
            if problem is not None:
                raise BindingError(problem)
        return pvc

    def get_pod_volume_claims(self, pod: Object) -> PodVolumeClaims:
        """``GetPodVolumeClaims``."""
        claims = PodVolumeClaims()
        for volume in (pod.get("spec") or {}).get("volumes") or ():
            pvc = self._volume_claim(pod, volume)
            if pvc is None:
                continue
            if is_pvc_fully_bound(pvc):
                claims.bound_claims.append(pvc)
            elif self._is_delay_binding_mode(pvc) and not (pvc.get("spec") or {}).get("volumeName"):
                claims.unbound_claims_delay_binding.append(pvc)
            else:  # prebound claims count as immediate: the PV controller binds them
                claims.unbound_claims_immediate.append(pvc)
        for pvc in claims.unbound_claims_delay_binding:
            class_name = claim_class(pvc)
            claims.unbound_volumes_delay_binding[class_name] = self.pv_cache.list(
                lambda pv, c=class_name: volume_class(pv) == c
            )
        return claims

    def get_eligible_nodes(self, bound_claims: list[Object]) -> set[str] | None:
        """``GetEligibleNodes``: the nodes local PVs of bound claims pin the pod to (the
        intersection over the PVs), None when nothing narrows (or a PV cannot be read)."""
        eligible: set[str] | None = None
        for pvc in bound_claims:
            pv = self.pv_cache.get((pvc.get("spec") or {}).get("volumeName") or "")
            if pv is None:
                return None
            names = local_volume_node_names(pv)
            if names:
                eligible = set(names) if eligible is None else eligible & names
        return eligible

    def are_pod_volumes_bound(self, pod: Object) -> bool:
        """``arePodVolumesBound``."""
        for volume in (pod.get("spec") or {}).get("volumes") or ():
            try:
                pvc = self._volume_claim(pod, volume)
            except BindingError:
                return False
            if pvc is not None and not is_pvc_fully_bound(pvc):
                return False
        return True

    # -- Filter --------------------------------------------------------------------------------

    def find_pod_volumes(
        self, pod: Object, claims: PodVolumeClaims, node_name: str, node_labels: dict[str, str]
    ) -> tuple[PodVolumes, list[str]]:
        """``FindPodVolumes``: the decisions for this node, or the reasons it does not fit."""
        volumes = PodVolumes()
        bound_satisfied = bound_found = unbound_satisfied = enough_space = True
        if claims.bound_claims:
            bound_satisfied, bound_found = self._check_bound_claims(
                claims.bound_claims, node_labels
            )
        if claims.unbound_claims_delay_binding:
            to_match: list[Object] = []
            to_provision: list[Object] = []
            for pvc in claims.unbound_claims_delay_binding:
                selected = _annotations(pvc).get(ANN_SELECTED_NODE)
                if selected is None:
                    to_match.append(pvc)
                elif selected != node_name:
                    return volumes, _reasons(bound_satisfied, False, True, bound_found)
                else:
                    to_provision.append(pvc)
            if to_match:
                unbound_satisfied, volumes.static_bindings, unmatched = self._find_matching(
                    to_match, claims.unbound_volumes_delay_binding, node_labels
                )
                to_provision.extend(unmatched)
            if to_provision:
                unbound_satisfied, enough_space, volumes.dynamic_provisions = (
                    self._check_volume_provisions(to_provision, node_labels)
                )
        return volumes, _reasons(bound_satisfied, unbound_satisfied, enough_space, bound_found)

    def _check_bound_claims(
        self, claims: list[Object], node_labels: dict[str, str]
    ) -> tuple[bool, bool]:
        """``checkBoundClaims``: (node affinity satisfied, every PV found)."""
        for pvc in claims:
            pv = self.pv_cache.get((pvc.get("spec") or {}).get("volumeName") or "")
            if pv is None:
                return True, False
            if not check_node_affinity(pv, node_labels):
                return False, True
        return True, True

    def _find_matching(
        self, claims: list[Object], candidates: dict[str, list[Object]], node_labels: dict[str, str]
    ) -> tuple[bool, list[BindingInfo], list[Object]]:
        """``findMatchingVolumes``: smallest claims first, each PV chosen once."""
        chosen: set[str] = set()
        bindings: list[BindingInfo] = []
        unmatched: list[Object] = []
        for pvc in sorted(claims, key=requested_storage):
            volumes = candidates.get(claim_class(pvc), [])
            try:
                pv = find_matching_volume(pvc, volumes, node_labels, chosen, delay_binding=True)
            except MatchError as error:
                raise BindingError(str(error)) from error
            if pv is None:
                unmatched.append(pvc)
                continue
            chosen.add((pv.get("metadata") or {}).get("name", ""))
            bindings.append(BindingInfo(pvc, pv))
        return not unmatched, bindings, unmatched

    def _check_volume_provisions(
        self, claims: list[Object], node_labels: dict[str, str]
    ) -> tuple[bool, bool, list[Object]]:
        """``checkVolumeProvisions``: (each claim's class can provision on this node, there
        is room for each, the claims to provision)."""
        provisions: list[Object] = []
        for pvc in claims:
            class_name = claim_class(pvc)
            if not class_name:
                raise BindingError(f'no class for claim "{_key(pvc)}"')
            storage_class = self.listers.storage_class(class_name)
            if storage_class is None:
                raise BindingError(f'failed to find storage class "{class_name}"')
            provisioner = storage_class.get("provisioner") or ""
            if not provisioner or provisioner == NOT_SUPPORTED_PROVISIONER:
                return False, True, []
            if not match_topology_selector_terms(
                storage_class.get("allowedTopologies"), node_labels
            ):
                return False, True, []
            if not self._has_enough_capacity(provisioner, pvc, class_name, node_labels):
                return True, False, []
            provisions.append(pvc)
        return True, True, provisions

    def _has_enough_capacity(
        self, provisioner: str, pvc: Object, class_name: str, node_labels: dict[str, str]
    ) -> bool:
        """``hasEnoughCapacity``: only drivers that opted into capacity tracking are limited."""
        requests = ((pvc.get("spec") or {}).get("resources") or {}).get("requests") or {}
        if "storage" not in requests:
            return True
        driver = self.csi_drivers.get("", provisioner)
        if driver is None or not (driver.get("spec") or {}).get("storageCapacity"):
            return True
        size = quantity_value(requests["storage"])
        for capacity in self.capacities.list():
            if capacity.get("storageClassName") != class_name:
                continue
            limit = volume_limit(capacity)
            if limit is None or quantity_value(limit) < size:
                continue
            if _node_has_access(capacity, node_labels):
                return True
        return False

    # -- Reserve / Unreserve -------------------------------------------------------------------

    def assume_pod_volumes(self, pod: Object, node_name: str, volumes: PodVolumes) -> bool:
        """``AssumePodVolumes``: whether every claim is bound already; otherwise assume the
        bindings and provisionings (``volumes`` then holds the assumed objects)."""
        if self.are_pod_volumes_bound(pod):
            return True
        bindings: list[BindingInfo] = []
        for binding in volumes.static_bindings:
            pv, dirty = bind_volume_to_claim(binding.pv, binding.pvc)
            if dirty:
                try:
                    self.pv_cache.assume(pv)
                except AssumeError as error:
                    self._revert(bindings, [])
                    raise BindingError(str(error)) from error
            bindings.append(BindingInfo(binding.pvc, pv))
        provisions: list[Object] = []
        for pvc in volumes.dynamic_provisions:
            metadata = dict(pvc.get("metadata") or {})
            metadata["annotations"] = {**_annotations(pvc), ANN_SELECTED_NODE: node_name}
            claim = {**pvc, "metadata": metadata}
            try:
                self.pvc_cache.assume(claim)
            except AssumeError as error:
                self._revert(bindings, provisions)
                raise BindingError(str(error)) from error
            provisions.append(claim)
        volumes.static_bindings = bindings
        volumes.dynamic_provisions = provisions
        return False

    def _revert(self, bindings: list[BindingInfo], claims: list[Object]) -> None:
        for binding in bindings:
            self.pv_cache.restore(_key(binding.pv))
        for claim in claims:
            self.pvc_cache.restore(_key(claim))

    def revert_assumed_pod_volumes(self, volumes: PodVolumes) -> None:
        """``RevertAssumedPodVolumes``."""
        self._revert(volumes.static_bindings, volumes.dynamic_provisions)

    # -- PreBind -------------------------------------------------------------------------------

    async def bind_pod_volumes(self, pod: Object, node_name: str, volumes: PodVolumes) -> None:
        """``BindPodVolumes``: write the assumed objects, then wait until the claims are fully
        bound (or the binding is undone, or ``bind_timeout`` passes)."""
        await self._bind_api_update(volumes)
        with trio.move_on_after(self.bind_timeout):
            while True:
                if self._check_bindings(pod, node_name, volumes):
                    return
                await trio.sleep(BIND_POLL_INTERVAL)
        raise BindingError("binding volumes: context deadline exceeded")

    async def _bind_api_update(self, volumes: PodVolumes) -> None:
        """``bindAPIUpdate``: PVs first, then claims; what was not written is restored in the
        caches (there is no API rollback of what was)."""
        client = self.handle.client
        bindings, claims = volumes.static_bindings, volumes.dynamic_provisions
        done_bindings = done_claims = 0
        try:
            for binding in bindings:
                binding.pv = await client.update(_as_kind(binding.pv, "PersistentVolume"))
                done_bindings += 1
            for i, claim in enumerate(claims):
                claims[i] = await client.update(_as_kind(claim, "PersistentVolumeClaim"))
                done_claims += 1
        except StatusError as error:
            raise BindingError(str(error)) from error
        finally:
            self._revert(bindings[done_bindings:], claims[done_claims:])

    def _check_bindings(self, pod: Object, node_name: str, volumes: PodVolumes) -> bool:
        """``checkBindings``: every claim fully bound (True), not yet (False), or the
        binding undone (:class:`BindingError`); read from the API objects, not assumptions."""
        node = self.nodes.get("", node_name)
        if node is None:
            raise BindingError(f'binding volumes: failed to get node "{node_name}"')
        labels = (node.get("metadata") or {}).get("labels") or {}
        metadata = pod.get("metadata") or {}
        if self.pods.get(metadata.get("namespace", ""), metadata.get("name", "")) is None:
            raise BindingError(
                "binding volumes: pod does not exist any more: "
                f'pods "{metadata.get("name", "")}" not found'
            )
        for binding in volumes.static_bindings:
            pv = self.pv_cache.get_api(_key(binding.pv))
            pvc = self.pvc_cache.get_api(_key(binding.pvc))
            if pv is None or pvc is None:
                raise BindingError(
                    f'binding volumes: failed to check binding: "{_key(binding.pv)}" not found'
                )
            if _version(binding.pv) > _version(pv):
                return False  # our write has not come back through the informer yet
            name = (pv.get("metadata") or {}).get("name", "")
            if not check_node_affinity(pv, labels):
                raise BindingError(
                    f'binding volumes: pv "{name}" node affinity doesn\'t match node '
                    f'"{node_name}": no matching NodeSelectorTerms'
                )
            ref = (pv.get("spec") or {}).get("claimRef") or {}
            if not ref.get("uid"):
                raise BindingError(f'binding volumes: ClaimRef got reset for pv "{name}"')
            if not is_pvc_fully_bound(pvc):
                return False
        for claim in volumes.dynamic_provisions:
            pvc = self.pvc_cache.get_api(_key(claim))
            if pvc is None:
                raise BindingError(
                    f'binding volumes: failed to check provisioning pvc: "{_key(claim)}" not found'
                )
            if _version(claim) > _version(pvc):
                return False
            name = (pvc.get("metadata") or {}).get("name", "")
            if _annotations(pvc).get(ANN_SELECTED_NODE) != node_name:
                # the provisioner removes the selected node to ask for another try
                raise BindingError(f'binding volumes: provisioning failed for PVC "{name}"')
            volume_name = (pvc.get("spec") or {}).get("volumeName")
            if volume_name:
                pv = self.pv_cache.get_api(volume_name)
                if pv is None:
                    return False  # not seen yet
                if not check_node_affinity(pv, labels):
                    raise BindingError(
                        f'binding volumes: pv "{volume_name}" node affinity doesn\'t match '
                        f'node "{node_name}": no matching NodeSelectorTerms'
                    )
            if not is_pvc_fully_bound(pvc):
                return False
        return True


def volume_limit(capacity: Object) -> Any:
    """``volumeLimit``: ``maximumVolumeSize`` when set (more precise), else ``capacity``."""
    maximum = capacity.get("maximumVolumeSize")
    return maximum if maximum is not None else capacity.get("capacity")


def _node_has_access(capacity: Object, node_labels: dict[str, str]) -> bool:
    """``nodeHasAccess``: the capacity's ``nodeTopology`` selects the node (none: no node)."""
    topology = capacity.get("nodeTopology")
    if topology is None:
        return False
    try:
        return from_label_selector(topology).matches(node_labels)
    except SelectorParseError:
        return False


def _reasons(
    bound_satisfied: bool, unbound_satisfied: bool, enough_space: bool, bound_found: bool
) -> list[str]:
    """The conflict reasons in upstream's order."""
    reasons: list[str] = []
    if not bound_satisfied:
        reasons.append(ERR_REASON_NODE_CONFLICT)
    if not unbound_satisfied:
        reasons.append(ERR_REASON_BIND_CONFLICT)
    if not enough_space:
        reasons.append(ERR_REASON_NOT_ENOUGH_SPACE)
    if not bound_found:
        reasons.append(ERR_REASON_PV_NOT_EXIST)
    return reasons


def _as_kind(obj: Object, kind: str) -> Object:
    if obj.get("kind") == kind:
        return obj
    return {**obj, "apiVersion": "v1", "kind": kind}


__all__ = [
    "DEFAULT_BIND_TIMEOUT_SECONDS",
    "ERR_REASON_BIND_CONFLICT",
    "ERR_REASON_NODE_CONFLICT",
    "ERR_REASON_NOT_ENOUGH_SPACE",
    "ERR_REASON_PV_NOT_EXIST",
    "BindingError",
    "BindingInfo",
    "PodVolumeClaims",
    "PodVolumes",
    "VolumeBinder",
    "is_pvc_fully_bound",
    "local_volume_node_names",
    "volume_limit",
]
