"""What the volume plugins share: claims of a pod, storage classes, PV node affinity, listers.

Upstream: ``k8s.io/component-helpers/storage/volume`` (``GetPersistentVolumeClaimClass``,
``GetPersistentVolumeClass``, ``CheckNodeAffinity``, ``IsVolumeBoundToClaim``,
``CheckAccessModes``, ``CheckVolumeModeMismatches``, the ``pv.kubernetes.io`` and
``volume.kubernetes.io`` annotations), ``k8s.io/component-helpers/storage/ephemeral``
(``VolumeClaimName``, ``VolumeIsForPod``) and ``pkg/apis/core/v1/helper``
(``MatchTopologySelectorTerms``).

Objects are the informers' read-only dicts. A missing object is reported with the API's
NotFound message (``persistentvolumeclaim "data" not found``), which plugins turn into an
UnschedulableAndUnresolvable status as upstream does with ``err.Error()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from controllers.scheduler.framework.interface import QueueingHint, QueueingHintFn
from controllers.scheduler.plugins.helper import compile_node_selector
from minikube_py.objects import Object
from minikube_py.quantity import value as quantity_value
from minikube_py.selectors.labels import SelectorParseError, from_label_selector

if TYPE_CHECKING:
    from controllers.scheduler.framework.runtime import Framework

#: ``volume.AnnSelectedNode``: the node a WaitForFirstConsumer claim is provisioned for
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
#: ``volume.AnnBindCompleted``: the PV controller finished binding the claim
ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
#: ``volume.AnnBoundByController``: the binding was made by a controller, not the user
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
#: ``v1.BetaStorageClassAnnotation``: wins over ``storageClassName``
BETA_STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"
#: ``volume.NotSupportedProvisioner``: a class whose volumes are only created by hand
NOT_SUPPORTED_PROVISIONER = "kubernetes.io/no-provisioner"
READ_WRITE_ONCE_POD = "ReadWriteOncePod"
WAIT_FOR_FIRST_CONSUMER = "WaitForFirstConsumer"


def not_found(resource: str, name: str) -> str:
    """The message of the API's NotFound error (``apierrors.NewNotFound(...).Error()``)."""
    return f'{resource} "{name}" not found'


def claim_name(pod: Object, volume: Mapping[str, Any]) -> tuple[str, bool] | None:
    """The claim a volume uses and whether it is a generic ephemeral volume's (named
    ``<pod>-<volume>``, ``ephemeral.VolumeClaimName``); None when it uses none."""
    claim = volume.get("persistentVolumeClaim")
    if claim is not None:
        return str(claim.get("claimName") or ""), False
    if volume.get("ephemeral") is not None:
        pod_name = (pod.get("metadata") or {}).get("name", "")
        return f"{pod_name}-{volume.get('name', '')}", True
    return None


def pod_claims(pod: Object) -> list[tuple[str, bool]]:
    """Every ``(claim, ephemeral)`` of the pod's volumes, in volume order."""
    claims: list[tuple[str, bool]] = []
    for volume in (pod.get("spec") or {}).get("volumes") or ():
        claim = claim_name(pod, volume)
        if claim is not None:
            claims.append(claim)
    return claims


def claim_event_hint(*, ephemeral: bool) -> QueueingHintFn:
    """The queueing hint of a claim's add (or update): Queue when the claim is one the pod
    uses -- its ``persistentVolumeClaim`` volumes, and generic ephemeral volumes' claims when
    ``ephemeral`` (``isSchedulableAfterPVCAdded`` and its siblings)."""

    def hint(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
        if new is None:
            return QueueingHint.QUEUE_SKIP
        metadata = new.get("metadata") or {}
        if metadata.get("namespace") != (pod.get("metadata") or {}).get("namespace"):
            return QueueingHint.QUEUE_SKIP
        for volume in (pod.get("spec") or {}).get("volumes") or ():
            claim = claim_name(pod, volume)
            if (
                claim is not None
                and claim[0] == metadata.get("name")
                and (ephemeral or not claim[1])
            ):
                return QueueingHint.QUEUE
        return QueueingHint.QUEUE_SKIP

    return hint


def volume_is_for_pod(pod: Object, pvc: Object) -> str | None:
    """``ephemeral.VolumeIsForPod``: an error message unless the pod controls the claim."""
    pod_meta, pvc_meta = pod.get("metadata") or {}, pvc.get("metadata") or {}
    controlled = any(
        ref.get("controller") and ref.get("uid") == pod_meta.get("uid")
        for ref in pvc_meta.get("ownerReferences") or ()
    )
    if pvc_meta.get("namespace") != pod_meta.get("namespace") or not controlled:
        return (
            f"PVC {pvc_meta.get('namespace')}/{pvc_meta.get('name')} was not created for pod "
            f"{pod_meta.get('namespace')}/{pod_meta.get('name')} (pod is not owner)"
        )
    return None


def claim_class(pvc: Object) -> str:
    """``GetPersistentVolumeClaimClass``: the beta annotation, else ``storageClassName``."""
    annotations = (pvc.get("metadata") or {}).get("annotations") or {}
    if BETA_STORAGE_CLASS_ANNOTATION in annotations:
        return str(annotations[BETA_STORAGE_CLASS_ANNOTATION])
    return str((pvc.get("spec") or {}).get("storageClassName") or "")


def volume_class(pv: Object) -> str:
    """``GetPersistentVolumeClass``."""
    return claim_class(pv)


def access_modes(obj: Object) -> list[str]:
    return list((obj.get("spec") or {}).get("accessModes") or ())


def requested_storage(pvc: Object) -> int:
    requests = ((pvc.get("spec") or {}).get("resources") or {}).get("requests") or {}
    return quantity_value(requests.get("storage") or 0)


def volume_capacity(pv: Object) -> int:
    return quantity_value(((pv.get("spec") or {}).get("capacity") or {}).get("storage") or 0)


def is_volume_bound_to_claim(pv: Object, pvc: Object) -> bool:
    """``IsVolumeBoundToClaim``: the PV's claimRef names the claim (and its uid, if set)."""
    ref = (pv.get("spec") or {}).get("claimRef")
    if not ref:
        return False
    meta = pvc.get("metadata") or {}
    if ref.get("name") != meta.get("name") or ref.get("namespace") != meta.get("namespace"):
        return False
    return not ref.get("uid") or ref.get("uid") == meta.get("uid")


def check_access_modes(pvc: Object, pv: Object) -> bool:
    """``CheckAccessModes``: the PV offers every mode the claim asks for."""
    offered = set(access_modes(pv))
    return all(mode in offered for mode in access_modes(pvc))


def volume_mode_mismatch(pvc: Object, pv: Object) -> bool:
    """``CheckVolumeModeMismatches`` (both default to Filesystem)."""
    claim_mode = (pvc.get("spec") or {}).get("volumeMode") or "Filesystem"
    volume_mode = (pv.get("spec") or {}).get("volumeMode") or "Filesystem"
    return claim_mode != volume_mode


class _LabelsOnly:
    """A node as ``CheckNodeAffinity`` builds it: labels and no name."""

    __slots__ = ("labels", "name")

    def __init__(self, labels: Mapping[str, str]) -> None:
        self.labels = labels
        self.name = ""


def check_node_affinity(pv: Object, node_labels: Mapping[str, str]) -> bool:
    """``CheckNodeAffinity``: the PV's required node affinity matches a node with these
    labels (a PV without node affinity fits every node)."""
    affinity = (pv.get("spec") or {}).get("nodeAffinity")
    if not affinity or affinity.get("required") is None:
        return True
    check = compile_node_selector(affinity["required"])
    return check is None or check(_LabelsOnly(node_labels))  # type: ignore[arg-type]


def match_topology_selector_terms(
    terms: Iterable[Mapping[str, Any]] | None, labels: Mapping[str, str]
) -> bool:
    """``MatchTopologySelectorTerms``: no terms match every node; an empty term none."""
    terms = list(terms or ())
    if not terms:
        return True
    for term in terms:
        expressions = term.get("matchLabelExpressions") or ()
        if expressions and all(
            e.get("key") in labels and labels[e["key"]] in (e.get("values") or ())
            for e in expressions
        ):
            return True
    return False


class MatchError(Exception):
    """A claim whose selector does not parse (``FindMatchingVolume``'s error)."""


def find_matching_volume(
    pvc: Object,
    volumes: Iterable[Object],
    node_labels: Mapping[str, str] | None,
    excluded: set[str],
    *,
    delay_binding: bool,
) -> Object | None:
    """``FindMatchingVolume``: the PV pre-bound to the claim (None if it does not fit the
    node), else the smallest available PV of the claim's class that fits its size, volume
    mode and selector -- and, on the scheduler's path (``node_labels`` given), the node and
    the access modes. The PV controller's path (no node) leaves delayed claims unmatched."""
    requested = requested_storage(pvc)
    requested_class = claim_class(pvc)
    selector_spec = (pvc.get("spec") or {}).get("selector")
    selector = None
    if selector_spec is not None:
        try:
            selector = from_label_selector(selector_spec)
        except SelectorParseError as error:
            meta = pvc.get("metadata") or {}
            raise MatchError(
                "error creating internal label selector for claim: "
                f"{meta.get('namespace')}/{meta.get('name')}: {error}"
            ) from error
    smallest: Object | None = None
    smallest_size = 0
    for pv in volumes:
        metadata = pv.get("metadata") or {}
        if metadata.get("name", "") in excluded:
            continue
        bound_here = is_volume_bound_to_claim(pv, pvc)
        if (pv.get("spec") or {}).get("claimRef") and not bound_here:
            continue
        size = volume_capacity(pv)
        if size < requested or volume_mode_mismatch(pvc, pv) or metadata.get("deletionTimestamp"):
            continue
        fits_node = node_labels is None or check_node_affinity(pv, node_labels)
        if bound_here:
            return pv if fits_node else None
        if node_labels is None and delay_binding:
            continue  # the scheduler binds delayed claims
        if (pv.get("status") or {}).get("phase") != "Available":
            continue
        if selector is not None and not selector.matches(metadata.get("labels") or {}):
            continue
        if volume_class(pv) != requested_class or not fits_node:
            continue
        if node_labels is not None and not check_access_modes(pvc, pv):
            continue
        if smallest is None or smallest_size > size:
            smallest, smallest_size = pv, size
    return smallest


def bind_volume_to_claim(pv: Object, pvc: Object) -> tuple[Object, bool]:
    """``GetBindVolumeToClaim``: a copy of the PV with its ``claimRef`` on the claim (and
    bound-by-controller unless the user pre-bound it); whether anything changed."""
    should_mark = not is_volume_bound_to_claim(pv, pvc)
    metadata, spec = dict(pv.get("metadata") or {}), dict(pv.get("spec") or {})
    claim_meta = pvc.get("metadata") or {}
    ref = spec.get("claimRef") or {}
    dirty = False
    if (
        ref.get("name") != claim_meta.get("name")
        or ref.get("namespace") != claim_meta.get("namespace")
        or ref.get("uid") != claim_meta.get("uid")
    ):
        spec["claimRef"] = {
            "kind": "PersistentVolumeClaim",
            "namespace": claim_meta.get("namespace"),
            "name": claim_meta.get("name"),
            "uid": claim_meta.get("uid"),
            "apiVersion": "v1",
            "resourceVersion": claim_meta.get("resourceVersion"),
        }
        dirty = True
    if should_mark and ANN_BOUND_BY_CONTROLLER not in (metadata.get("annotations") or {}):
        metadata["annotations"] = {
            **(metadata.get("annotations") or {}),
            ANN_BOUND_BY_CONTROLLER: "yes",
        }
        dirty = True
    return {**pv, "metadata": metadata, "spec": spec}, dirty


class VolumeListers:
    """The listers the volume plugins read (``SharedInformerFactory`` listers)."""

    def __init__(self, handle: Framework) -> None:
        self.pvcs = handle.informer("persistentvolumeclaims")
        self.pvs = handle.informer("persistentvolumes")
        self.classes = handle.informer("storageclasses")
        self.csi_nodes = handle.informer("csinodes")

    def pvc(self, namespace: str, name: str) -> Object | None:
        return self.pvcs.get(namespace, name)

    def pv(self, name: str) -> Object | None:
        return self.pvs.get("", name)

    def storage_class(self, name: str) -> Object | None:
        return self.classes.get("", name)

    def csi_node(self, name: str) -> Object | None:
        return self.csi_nodes.get("", name)


__all__ = [
    "ANN_BIND_COMPLETED",
    "ANN_BOUND_BY_CONTROLLER",
    "ANN_SELECTED_NODE",
    "NOT_SUPPORTED_PROVISIONER",
    "READ_WRITE_ONCE_POD",
    "WAIT_FOR_FIRST_CONSUMER",
    "MatchError",
    "VolumeListers",
    "access_modes",
    "bind_volume_to_claim",
    "check_access_modes",
    "check_node_affinity",
    "claim_class",
    "claim_event_hint",
    "claim_name",
    "find_matching_volume",
    "is_volume_bound_to_claim",
    "match_topology_selector_terms",
    "not_found",
    "pod_claims",
    "requested_storage",
    "volume_capacity",
    "volume_class",
    "volume_is_for_pod",
    "volume_mode_mismatch",
]
