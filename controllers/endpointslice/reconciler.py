"""The EndpointSlice reconciler (upstream ``staging/src/k8s.io/endpointslice/reconciler.go``).

Given a service, its pods and the slices it has, it works out the fewest writes that make the
slices say what the pods say, per address type and then per *port map* (pods whose service
ports resolve to the same numbers share slices):

1. every existing slice keeps the endpoints still desired (updated in place when their data
   changed) and loses the others; a slice left empty is deleted;
2. endpoints still to place first fill the slices already being updated, fullest first;
3. what remains goes into one unchanged slice that it fits best (``getSliceToFill``) if less
   than a slice's worth remains, else into new slices of at most ``max_endpoints_per_slice``
   (100);
4. a service with no endpoints keeps one empty placeholder slice;
5. ``finalize`` turns a create plus a delete into an update of the slice to delete, creates
   nothing for a service being deleted, then writes: creates, updates, deletes.

The packing deliberately avoids churn: slices are not rebalanced, so a slice can stay
partly empty while endpoints elsewhere come and go, as upstream.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from controllers.endpoint.utils import (
    LAST_CHANGE_TRIGGER_TIME,
    format_trigger_time,
    service_address_families,
    should_pod_be_in_endpoints,
)
from controllers.endpointslice.trafficdist import reconcile_hints, topology_hints_requested
from controllers.endpointslice.utils import (
    EndpointSet,
    EndpointSliceTracker,
    PortMapKey,
    endpoints_equal_beyond_hash,
    get_endpoint_ports,
    new_endpoint_slice,
    owned_by,
    pod_to_endpoint,
    port_map_key,
    set_endpoint_slice_labels,
)
from minikube_py.client import Client
from minikube_py.errors import NotFound, StatusError
from minikube_py.informer import SharedInformer
from minikube_py.objects import Object, deep_copy

#: ``--max-endpoints-per-slice`` default
MAX_ENDPOINTS_PER_SLICE = 100


class NodeNotFound(Exception):
    """Some pods were left out because their node is not known (the service is retried)."""


def _meta(obj: Object) -> dict[str, Any]:
    return obj.get("metadata") or {}


def _name(obj: Object) -> str:
    return _meta(obj).get("name", "")


def _same_placeholder(a: Object, b: Object) -> bool:
    """``placeholderSliceCompare``: equal but for the name and server-set metadata."""

    def shape(slice_: Object) -> tuple[Any, ...]:
        metadata = _meta(slice_)
        return (
            metadata.get("namespace"),
            metadata.get("labels") or {},
            [
                {k: ref.get(k) for k in ("apiVersion", "kind", "name", "uid", "controller")}
                for ref in metadata.get("ownerReferences") or ()
            ],
            slice_.get("addressType"),
            slice_.get("endpoints") or [],
            slice_.get("ports") or [],
        )

    return shape(a) == shape(b)


class Reconciler:
    def __init__(
        self,
        client: Client,
        nodes: SharedInformer,
        tracker: EndpointSliceTracker,
        *,
        max_endpoints_per_slice: int = MAX_ENDPOINTS_PER_SLICE,
    ) -> None:
        self.client = client
        self.nodes = nodes
        self.tracker = tracker
        self.max_endpoints_per_slice = max_endpoints_per_slice

    async def reconcile(
        self,
        service: Object,
        pods: list[Object],
        existing: list[Object],
        trigger_time: datetime | None,
    ) -> None:
        """Make the slices right; raises :class:`NodeNotFound` after writing if pods were
        skipped for an unknown node."""
        families = service_address_families(service)
        to_delete = [s for s in existing if s.get("addressType") not in families]
        by_type: dict[str, list[Object]] = {}
        for slice_ in existing:
            if slice_.get("addressType") in families:
                by_type.setdefault(slice_["addressType"], []).append(slice_)
        if to_delete:
            await self.finalize(service, [], [], to_delete, trigger_time)
        missing_nodes: list[str] = []
        for address_type in families:
            missing_nodes += await self.reconcile_by_address_type(
                service, pods, by_type.get(address_type, []), trigger_time, address_type
            )
        if missing_nodes:
            raise NodeNotFound(
                "skipping pods for service "
                f"{_meta(service).get('namespace')}/{_name(service)}: nodes not found: "
                + ", ".join(sorted(set(missing_nodes)))
            )

    async def reconcile_by_address_type(
        self,
        service: Object,
        pods: list[Object],
        existing: list[Object],
        trigger_time: datetime | None,
        address_type: str,
    ) -> list[str]:
        to_create: list[Object] = []
        to_update: list[Object] = []
        to_delete: list[Object] = []
        existing_by_port_map: dict[PortMapKey, list[Object]] = {}
        for slice_ in existing:
            if owned_by(slice_, service):
                existing_by_port_map.setdefault(port_map_key(slice_.get("ports")), []).append(
                    slice_
                )
            else:
                to_delete.append(slice_)

        desired_ports: dict[PortMapKey, list[dict[str, Any]]] = {}
        desired: dict[PortMapKey, EndpointSet] = {}
        publish_not_ready = bool((service.get("spec") or {}).get("publishNotReadyAddresses"))
        missing_nodes: list[str] = []
        for pod in pods:
            if not should_pod_be_in_endpoints(pod, True):
                continue
            ports = get_endpoint_ports(service, pod)
            key = port_map_key(ports)
            desired.setdefault(key, EndpointSet())
            desired_ports.setdefault(key, ports)
            node_name = (pod.get("spec") or {}).get("nodeName") or ""
            node = self.nodes.get("", node_name) if node_name else None
            if node is None and not publish_not_ready:
                # a pod pointing at a missing node is left out (and the service retried),
                # unless the user asked for every address to be published
                missing_nodes.append(node_name)
                continue
            endpoint = pod_to_endpoint(pod, node, service, address_type)
            if endpoint["addresses"]:
                desired[key].insert(endpoint)

        for key, endpoints in desired.items():
            creates, updates, deletes = self.reconcile_by_port_mapping(
                service,
                existing_by_port_map.get(key, []),
                endpoints,
                desired_ports[key],
                address_type,
            )
            to_create += creates
            to_update += updates
            to_delete += deletes
        for key, slices in existing_by_port_map.items():
            if key not in desired:
                to_delete += slices

        if len(existing) == len(to_delete) and not to_create:
            placeholder = new_endpoint_slice(service, [], address_type)
            if len(to_delete) == 1 and _same_placeholder(to_delete[0], placeholder):
                to_delete = []  # the placeholder is already there
            else:
                to_create.append(placeholder)
        if not topology_hints_requested(service):
            written = {_name(s) for s in (*to_update, *to_delete)}
            unchanged = [
                s
                for slices in existing_by_port_map.values()
                for s in slices
                if _name(s) not in written
            ]
            to_update += reconcile_hints(service, to_create, to_update, unchanged)
        await self.finalize(service, to_create, to_update, to_delete, trigger_time)
        return missing_nodes

    def reconcile_by_port_mapping(
        self,
        service: Object,
        existing: list[Object],
        desired: EndpointSet,
        ports: list[dict[str, Any]],
        address_type: str,
    ) -> tuple[list[Object], list[Object], list[Object]]:
        by_name: dict[str, Object] = {}
        unchanged: list[str] = []  # ordered sets, for replayable runs
        to_update: list[str] = []
        to_delete: list[str] = []
        maximum = self.max_endpoints_per_slice

        # 1. keep what is still desired, update what changed, drop the rest
        for slice_ in existing:
            name = _name(slice_)
            by_name[name] = slice_
            kept = []
            endpoint_updated = False
            for endpoint in slice_.get("endpoints") or ():
                wanted = desired.get(endpoint)
                if wanted is not None:
                    kept.append(wanted)
                    if not endpoints_equal_beyond_hash(wanted, endpoint):
                        endpoint_updated = True
                    desired.delete(endpoint)
            labels, labels_changed = set_endpoint_slice_labels(slice_, service)
            if endpoint_updated or len(slice_.get("endpoints") or ()) != len(kept):
                if not kept:
                    to_delete.append(name)
                else:
                    copy = deep_copy(slice_)
                    copy["endpoints"] = kept
                    copy["metadata"]["labels"] = labels
                    by_name[name] = copy
                    to_update.append(name)
            elif labels_changed:
                copy = deep_copy(slice_)
                copy["metadata"]["labels"] = labels
                by_name[name] = copy
                to_update.append(name)
            else:
                unchanged.append(name)

        # 2. fill the slices being updated anyway, fullest first
        if desired and to_update:
            slices = sorted((by_name[n] for n in to_update), key=lambda s: -len(s["endpoints"]))
            for slice_ in slices:
                while desired and len(slice_["endpoints"]) < maximum:
                    slice_["endpoints"].append(desired.pop_any())

        # 3. the rest: into the unchanged slice it fits best, else new slices
        to_create: list[Object] = []
        while desired:
            slice_to_fill: Object | None = None
            if len(desired) < maximum and unchanged:
                slice_to_fill = get_slice_to_fill(
                    [by_name[n] for n in unchanged], len(desired), maximum
                )
            if slice_to_fill is None:
                slice_to_fill = new_endpoint_slice(service, ports, address_type)
            else:
                slice_to_fill = deep_copy(slice_to_fill)
                by_name[_name(slice_to_fill)] = slice_to_fill
            endpoints = slice_to_fill.setdefault("endpoints", [])
            while desired and len(endpoints) < maximum:
                endpoints.append(desired.pop_any())
            name = _name(slice_to_fill)
            if name:
                if name not in to_update:
                    to_update.append(name)
                unchanged.remove(name)
            else:
                to_create.append(slice_to_fill)
        return to_create, [by_name[n] for n in to_update], [by_name[n] for n in to_delete]

    async def finalize(
        self,
        service: Object,
        to_create: list[Object],
        to_update: list[Object],
        to_delete: list[Object],
        trigger_time: datetime | None,
    ) -> None:
        # a create and a delete make one update of the slice that would have been deleted
        i = 0
        while i < len(to_delete) and to_create:
            deleting, creating = to_delete[i], to_create[-1]
            if owned_by(deleting, service) and creating.get("addressType") == deleting.get(
                "addressType"
            ):
                metadata = creating["metadata"]
                metadata["name"] = _name(deleting)
                metadata["resourceVersion"] = _meta(deleting).get("resourceVersion", "")
                to_create.pop()
                to_update.append(creating)
                del to_delete[i]
            else:
                i += 1
        namespace = _meta(service).get("namespace", "")
        # no new slices for a service on its way out: the garbage collector is removing them
        if not _meta(service).get("deletionTimestamp"):
            for slice_ in to_create:
                _set_trigger_time(slice_, trigger_time)
                try:
                    created = await self.client.create(slice_, namespace=namespace)
                except StatusError as error:
                    if "NamespaceTerminating" in repr(error.details):
                        return
                    raise
                self.tracker.update(created)
        for slice_ in to_update:
            _set_trigger_time(slice_, trigger_time)
            slice_.setdefault("apiVersion", "discovery.k8s.io/v1")
            slice_.setdefault("kind", "EndpointSlice")
            updated = await self.client.update(slice_)
            self.tracker.update(updated)
        for slice_ in to_delete:
            with contextlib.suppress(NotFound):
                await self.client.delete("endpointslices", _name(slice_), namespace=namespace)
            self.tracker.expect_deletion(slice_)


def get_slice_to_fill(slices: list[Object], num_endpoints: int, maximum: int) -> Object | None:
    """``getSliceToFill``: the slice the endpoints fill closest to full, if any fits."""
    closest_diff, closest = maximum, None
    for slice_ in slices:
        diff = maximum - (num_endpoints + len(slice_.get("endpoints") or ()))
        if 0 <= diff < closest_diff:
            closest_diff, closest = diff, slice_
            if diff == 0:
                return slice_
    return closest


def _set_trigger_time(slice_: Object, trigger_time: datetime | None) -> None:
    annotations = slice_["metadata"].setdefault("annotations", {})
    if trigger_time is not None:
        annotations[LAST_CHANGE_TRIGGER_TIME] = format_trigger_time(trigger_time)
    else:
        annotations.pop(LAST_CHANGE_TRIGGER_TIME, None)
    if not annotations:
        del slice_["metadata"]["annotations"]
