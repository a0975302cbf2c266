"""Tables of the core ("") group, pods aside: services, nodes, events, namespaces, config.

Mirrors the core-group printers of ``pkg/printers/internalversion/printers.go`` (Kubernetes
v1.32): ``printReplicationController``, ``printService`` (with ``getServiceExternalIP`` and
``makePortString``), ``printEndpoints`` (``formatEndpoints``), ``printNode`` (``findNodeRoles``,
``getNodeInternalIP``/``getNodeExternalIP``), ``printEvent``, ``printNamespace``,
``printSecret``, ``printServiceAccount``, ``printPersistentVolume``,
``printPersistentVolumeClaim``, ``printConfigMap``, ``printResourceQuota`` and
``printComponentStatus``. LimitRange has no printer upstream and gets the default table.

Upstream prints *internal* objects, converted from what was stored; where that conversion
changes what a printer sees, the served (v1) fields are read the way the conversion would
present them: a pod's or service's singular IP field and its plural list, events.k8s.io/v1's
``regarding``/``note``/``deprecated*`` fields for the same Event printer.

Quantities (capacities, quota amounts) are printed as the strings the objects carry; upstream
prints ``resource.Quantity.String()``, which equals them once the API server has canonicalised
the quantity on write. A missing quantity prints "0", a zero ``Quantity``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from apiserver.printers._format import (
    NONE,
    UNSET,
    format_labels,
    items,
    join_host_port,
    load_balancer_addresses,
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
    Column,
    Obj,
    TablePrinter,
    integer,
    string,
)
from apiserver.printers.duration import UNKNOWN, Since


def _name(obj: Obj) -> str:
    return text(sub(obj, "metadata"), "name")


def _age(obj: Obj, since: Since) -> str:
    return since.age(sub(obj, "metadata").get("creationTimestamp"))


def _terminating(obj: Obj) -> bool:
    return bool(sub(obj, "metadata").get("deletionTimestamp"))


def _quantity(resources: Mapping[str, Any], name: str) -> str:
    """``resources[name].String()``: the quantity as served, "0" when absent."""
    value = resources.get(name)
    return "0" if value is None else str(value)


# -- ReplicationController -------------------------------------------------------------------

_RC_COLUMNS: Final = (
    NAME,
    integer("Desired", DOCS["apiv1.ReplicationControllerSpec.replicas"]),
    integer("Current", DOCS["apiv1.ReplicationControllerStatus.replicas"]),
    integer("Ready", DOCS["apiv1.ReplicationControllerStatus.readyReplicas"]),
    AGE,
    CONTAINERS_WIDE,
    IMAGES_WIDE,
    string("Selector", DOCS["apiv1.ReplicationControllerSpec.selector"], priority=1),
)


def _rc_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    status = sub(obj, "status")
    names, images = pod_template_containers(sub(spec, "template"))
    return [
        _name(obj),
        number(spec, "replicas"),
        number(status, "replicas"),
        number(status, "readyReplicas"),
        _age(obj, since),
        names,
        images,
        format_labels(spec.get("selector")),
    ]


# -- Service -----------------------------------------------------------------------------------

_SERVICE_COLUMNS: Final = (
    NAME,
    string("Type", DOCS["apiv1.ServiceSpec.type"]),
    string("Cluster-IP", DOCS["apiv1.ServiceSpec.clusterIP"]),
    string("External-IP", DOCS["apiv1.ServiceSpec.externalIPs"]),
    string("Port(s)", DOCS["apiv1.ServiceSpec.ports"]),
    AGE,
    string("Selector", DOCS["apiv1.ServiceSpec.selector"], priority=1),
)


def _external_ip(spec: Mapping[str, Any], status: Mapping[str, Any]) -> str:
    """``getServiceExternalIP`` (wide: the load-balancer list is never clipped)."""
    service_type = spec.get("type")
    external_ips = [str(ip) for ip in items(spec, "externalIPs")]
    if service_type in ("ClusterIP", "NodePort"):
        return ",".join(external_ips) if external_ips else NONE
    if service_type == "LoadBalancer":
        lb_ips = load_balancer_addresses(sub(status, "loadBalancer"))
        if external_ips:
            results = lb_ips.split(",") if lb_ips else []
            return ",".join(results + external_ips)
        return lb_ips or "<pending>"
    if service_type == "ExternalName":
        return text(spec, "externalName")
    return UNKNOWN


def _ports(ports: list[Any]) -> str:
    """``makePortString``: ``port/proto``, or ``port:nodePort/proto`` when a node port is set."""
    pieces = []
    for port in ports:
        if not isinstance(port, Mapping):
            port = {}
        node_port = number(port, "nodePort")
        protocol = text(port, "protocol")
        if node_port > 0:
            pieces.append(f"{number(port, 'port')}:{node_port}/{protocol}")
        else:
            pieces.append(f"{number(port, 'port')}/{protocol}")
    return ",".join(pieces)


def _service_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    cluster_ips = items(spec, "clusterIPs")
    internal_ip = str(cluster_ips[0]) if cluster_ips else text(spec, "clusterIP")
    return [
        _name(obj),
        text(spec, "type"),
        internal_ip or NONE,
        _external_ip(spec, sub(obj, "status")),
        _ports(items(spec, "ports")) or NONE,
        _age(obj, since),
        format_labels(spec.get("selector")),
    ]


# -- Endpoints ---------------------------------------------------------------------------------

_ENDPOINTS_COLUMNS: Final = (
    NAME,
    string("Endpoints", DOCS["apiv1.Endpoints.subsets"]),
    AGE,
)

_MAX_SHOWN: Final = 3


def _format_endpoints(subsets: list[Any]) -> str:
    """``formatEndpoints(endpoints, nil)``: up to three ``ip:port``, then "+ N more..."."""
    if not subsets:
        return NONE
    shown: list[str] = []
    more = False
    count = 0
    for subset in subsets:
        addresses = items(subset, "addresses") if isinstance(subset, Mapping) else []
        ports = items(subset, "ports") if isinstance(subset, Mapping) else []
        if not ports:
            # headless services may have no ports
            count += len(addresses)
            for address in addresses:
                if len(shown) == _MAX_SHOWN:
                    more = True
                    break
                shown.append(text(address, "ip"))
            continue
        for port in ports:
            count += len(addresses)
            for address in addresses:
                if len(shown) == _MAX_SHOWN:
                    more = True
                    break
                shown.append(join_host_port(text(address, "ip"), number(port, "port")))
    joined = ",".join(shown)
    if more:
        return f"{joined} + {count - _MAX_SHOWN} more..."
    return joined


def _endpoints_cells(obj: Obj, since: Since) -> list[Any]:
    return [_name(obj), _format_endpoints(items(obj, "subsets")), _age(obj, since)]


# -- Node --------------------------------------------------------------------------------------

_NODE_COLUMNS: Final = (
    NAME,
    string("Status", "The status of the node"),
    string("Roles", "The roles of the node"),
    AGE,
    string("Version", DOCS["apiv1.NodeSystemInfo.kubeletVersion"]),
    string("Internal-IP", DOCS["apiv1.NodeStatus.addresses"], priority=1),
    string("External-IP", DOCS["apiv1.NodeStatus.addresses"], priority=1),
    string("OS-Image", DOCS["apiv1.NodeSystemInfo.osImage"], priority=1),
    string("Kernel-Version", DOCS["apiv1.NodeSystemInfo.kernelVersion"], priority=1),
    string("Container-Runtime", DOCS["apiv1.NodeSystemInfo.containerRuntimeVersion"], priority=1),
)

_NODE_ROLE_PREFIX: Final = "node-role.kubernetes.io/"
_NODE_ROLE_LABEL: Final = "kubernetes.io/role"


def _node_roles(labels: object) -> str:
    """``findNodeRoles``: ``node-role.kubernetes.io/<role>`` keys and ``kubernetes.io/role``."""
    if not isinstance(labels, Mapping):
        return NONE
    roles: set[str] = set()
    for key, value in labels.items():
        if key.startswith(_NODE_ROLE_PREFIX):
            role = key[len(_NODE_ROLE_PREFIX) :]
            if role:
                roles.add(role)
        elif key == _NODE_ROLE_LABEL and value:
            roles.add(value)
    return ",".join(sorted(roles)) or NONE


def _node_status(obj: Obj) -> str:
    ready = None
    for condition in items(sub(obj, "status"), "conditions"):
        if isinstance(condition, Mapping) and condition.get("type") == "Ready":
            ready = condition  # the last one wins, as in upstream's map
    parts = [
        "Unknown" if ready is None else "Ready" if ready.get("status") == "True" else "NotReady"
    ]
    if sub(obj, "spec").get("unschedulable"):
        parts.append("SchedulingDisabled")
    return ",".join(parts)


def _node_address(status: Mapping[str, Any], address_type: str) -> str:
    for address in items(status, "addresses"):
        if isinstance(address, Mapping) and address.get("type") == address_type:
            return text(address, "address")
    return NONE


def _node_cells(obj: Obj, since: Since) -> list[Any]:
    status = sub(obj, "status")
    info = sub(status, "nodeInfo")
    return [
        _name(obj),
        _node_status(obj),
        _node_roles(sub(obj, "metadata").get("labels")),
        _age(obj, since),
        text(info, "kubeletVersion"),
        _node_address(status, "InternalIP"),
        _node_address(status, "ExternalIP"),
        text(info, "osImage") or UNKNOWN,
        text(info, "kernelVersion") or UNKNOWN,
        text(info, "containerRuntimeVersion") or UNKNOWN,
    ]


# -- Event (core/v1 and events.k8s.io/v1 share one printer upstream) ---------------------------

_EVENT_COLUMNS: Final = (
    string("Last Seen", DOCS["apiv1.Event.lastTimestamp"]),
    string("Type", DOCS["apiv1.Event.type"]),
    string("Reason", DOCS["apiv1.Event.reason"]),
    string("Object", DOCS["apiv1.Event.involvedObject"]),
    string("Subobject", DOCS["apiv1.ObjectReference.fieldPath"], priority=1),
    string("Source", DOCS["apiv1.Event.source"], priority=1),
    string("Message", DOCS["apiv1.Event.message"]),
    string("First Seen", DOCS["apiv1.Event.firstTimestamp"], priority=1),
    string("Count", DOCS["apiv1.Event.count"], priority=1),
    Column("Name", "string", DOCS["metav1.ObjectMeta.name"], 1, "name"),
)


def _event_row(
    obj: Obj,
    since: Since,
    *,
    involved: Mapping[str, Any],
    source: Mapping[str, Any],
    first_timestamp: object,
    last_timestamp: object,
    count: int,
    reporting_controller: str,
    message: str,
) -> list[Any]:
    """``printEvent`` over the internal Event's fields, whichever version they were served in."""
    first_seen = since.age(first_timestamp)
    if first_seen == UNKNOWN:
        first_seen = since.age(obj.get("eventTime"))
    last_seen = since.age(last_timestamp)
    if last_seen == UNKNOWN:
        last_seen = first_seen
    series = obj.get("series")
    if isinstance(series, Mapping):
        last_seen = since.age(series.get("lastObservedTime"))
        count = number(series, "count")
    elif count == 0:
        count = 1  # singleton events carry no count in the new API
    kind = text(involved, "kind").lower()
    involved_name = text(involved, "name")
    component = text(source, "component") or reporting_controller
    host = text(source, "host") or text(obj, "reportingInstance")
    return [
        last_seen,
        text(obj, "type"),
        text(obj, "reason"),
        f"{kind}/{involved_name}" if involved_name else kind,
        text(involved, "fieldPath"),
        f"{component}, {host}" if host else component,
        message.strip(),
        first_seen,
        count,
        _name(obj),
    ]


def _event_cells(obj: Obj, since: Since) -> list[Any]:
    """A core/v1 Event (``reportingComponent`` is the internal ``ReportingController``)."""
    return _event_row(
        obj,
        since,
        involved=sub(obj, "involvedObject"),
        source=sub(obj, "source"),
        first_timestamp=obj.get("firstTimestamp"),
        last_timestamp=obj.get("lastTimestamp"),
        count=number(obj, "count"),
        reporting_controller=text(obj, "reportingComponent"),
        message=text(obj, "message"),
    )


def _events_v1_cells(obj: Obj, since: Since) -> list[Any]:
    """An events.k8s.io/v1 Event, read as its conversion to the internal Event presents it."""
    return _event_row(
        obj,
        since,
        involved=sub(obj, "regarding"),
        source=sub(obj, "deprecatedSource"),
        first_timestamp=obj.get("deprecatedFirstTimestamp"),
        last_timestamp=obj.get("deprecatedLastTimestamp"),
        count=number(obj, "deprecatedCount"),
        reporting_controller=text(obj, "reportingController"),
        message=text(obj, "note"),
    )


# -- Namespace, Secret, ServiceAccount, ConfigMap ----------------------------------------------

_NAMESPACE_COLUMNS: Final = (NAME, string("Status", "The status of the namespace"), AGE)


def _namespace_cells(obj: Obj, since: Since) -> list[Any]:
    return [_name(obj), text(sub(obj, "status"), "phase"), _age(obj, since)]


_SECRET_COLUMNS: Final = (
    NAME,
    string("Type", DOCS["apiv1.Secret.type"]),
    string("Data", DOCS["apiv1.Secret.data"]),
    AGE,
)


def _secret_cells(obj: Obj, since: Since) -> list[Any]:
    return [_name(obj), text(obj, "type"), len(sub(obj, "data")), _age(obj, since)]


_SERVICE_ACCOUNT_COLUMNS: Final = (
    NAME,
    string("Secrets", DOCS["apiv1.ServiceAccount.secrets"]),
    AGE,
)


def _service_account_cells(obj: Obj, since: Since) -> list[Any]:
    return [_name(obj), len(items(obj, "secrets")), _age(obj, since)]


_CONFIG_MAP_COLUMNS: Final = (NAME, string("Data", DOCS["apiv1.ConfigMap.data"]), AGE)


def _config_map_cells(obj: Obj, since: Since) -> list[Any]:
    size = len(sub(obj, "data")) + len(sub(obj, "binaryData"))
    return [_name(obj), size, _age(obj, since)]


# -- PersistentVolume, PersistentVolumeClaim ---------------------------------------------------

_ACCESS_MODES: Final = (
    ("ReadWriteOnce", "RWO"),
    ("ReadOnlyMany", "ROX"),
    ("ReadWriteMany", "RWX"),
    ("ReadWriteOncePod", "RWOP"),
)
#: ``core.BetaStorageClassAnnotation``, which wins over ``storageClassName``.
_BETA_STORAGE_CLASS: Final = "volume.beta.kubernetes.io/storage-class"


def _access_modes(modes: list[Any]) -> str:
    """``helper.GetAccessModesAsString``: always in the order RWO,ROX,RWX,RWOP."""
    present = set(modes)
    return ",".join(short for mode, short in _ACCESS_MODES if mode in present)


def _storage_class(obj: Obj, spec_class: object) -> str:
    annotations = sub(obj, "metadata").get("annotations")
    if isinstance(annotations, Mapping) and _BETA_STORAGE_CLASS in annotations:
        return str(annotations[_BETA_STORAGE_CLASS])
    return "" if spec_class is None else str(spec_class)


_PV_COLUMNS: Final = (
    NAME,
    string("Capacity", DOCS["apiv1.PersistentVolumeSpec.capacity"]),
    string("Access Modes", DOCS["apiv1.PersistentVolumeSpec.accessModes"]),
    string("Reclaim Policy", DOCS["apiv1.PersistentVolumeSpec.persistentVolumeReclaimPolicy"]),
    string("Status", DOCS["apiv1.PersistentVolumeStatus.phase"]),
    string("Claim", DOCS["apiv1.PersistentVolumeSpec.claimRef"]),
    string("StorageClass", "StorageClass of the pv"),
    string("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
    string("Reason", DOCS["apiv1.PersistentVolumeStatus.reason"]),
    AGE,
    string("VolumeMode", DOCS["apiv1.PersistentVolumeSpec.volumeMode"], priority=1),
)


def _pv_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    status = sub(obj, "status")
    claim_ref = spec.get("claimRef")
    claim = ""
    if isinstance(claim_ref, Mapping):
        claim = f"{text(claim_ref, 'namespace')}/{text(claim_ref, 'name')}"
    return [
        _name(obj),
        _quantity(sub(spec, "capacity"), "storage"),
        _access_modes(items(spec, "accessModes")),
        text(spec, "persistentVolumeReclaimPolicy"),
        "Terminating" if _terminating(obj) else text(status, "phase"),
        claim,
        _storage_class(obj, spec.get("storageClassName")),
        text(spec, "volumeAttributesClassName") or UNSET,
        text(status, "reason"),
        _age(obj, since),
        text(spec, "volumeMode") or UNSET,
    ]


_PVC_COLUMNS: Final = (
    NAME,
    string("Status", DOCS["apiv1.PersistentVolumeClaimStatus.phase"]),
    string("Volume", DOCS["apiv1.PersistentVolumeClaimSpec.volumeName"]),
    string("Capacity", DOCS["apiv1.PersistentVolumeClaimStatus.capacity"]),
    string("Access Modes", DOCS["apiv1.PersistentVolumeClaimStatus.accessModes"]),
    string("StorageClass", "StorageClass of the pvc"),
    string("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
    AGE,
    string("VolumeMode", DOCS["apiv1.PersistentVolumeClaimSpec.volumeMode"], priority=1),
)


def _pvc_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    status = sub(obj, "status")
    volume = text(spec, "volumeName")
    capacity = access_modes = ""
    if volume:
        access_modes = _access_modes(items(status, "accessModes"))
        capacity = _quantity(sub(status, "capacity"), "storage")
    return [
        _name(obj),
        "Terminating" if _terminating(obj) else text(status, "phase"),
        volume,
        capacity,
        access_modes,
        _storage_class(obj, spec.get("storageClassName")),
        text(spec, "volumeAttributesClassName") or UNSET,
        _age(obj, since),
        text(spec, "volumeMode") or UNSET,
    ]


# -- ResourceQuota, ComponentStatus ------------------------------------------------------------

_RESOURCE_QUOTA_COLUMNS: Final = (
    NAME,
    string(
        "Request",
        "Request represents a minimum amount of cpu/memory that a container may consume.",
    ),
    string(
        "Limit",
        "Limits control the maximum amount of cpu/memory that a container may use independent "
        "of contention on the node.",
    ),
    AGE,
)


def _resource_quota_cells(obj: Obj, since: Since) -> list[Any]:
    status = sub(obj, "status")
    hard = sub(status, "hard")
    used = sub(status, "used")
    requests: list[str] = []
    limits: list[str] = []
    for resource in sorted(hard):
        column = limits if resource.split(".")[0] == "limits" and "." in resource else requests
        column.append(f"{resource}: {_quantity(used, resource)}/{_quantity(hard, resource)}")
    return [_name(obj), ", ".join(requests), ", ".join(limits), _age(obj, since)]


_COMPONENT_STATUS_COLUMNS: Final = (
    NAME,
    string("Status", "Status of the component conditions"),
    string("Message", "Message of the component conditions"),
    string("Error", "Error of the component conditions"),
)


def _component_status_cells(obj: Obj, since: Since) -> list[Any]:
    health, message, error = "Unknown", "", ""
    for condition in items(obj, "conditions"):
        if isinstance(condition, Mapping) and condition.get("type") == "Healthy":
            health = "Healthy" if condition.get("status") == "True" else "Unhealthy"
            message, error = text(condition, "message"), text(condition, "error")
            break
    return [_name(obj), health, message, error]


PRINTERS: Final = {
    ("", "ReplicationController"): TablePrinter(_RC_COLUMNS, _rc_cells),
    ("", "Service"): TablePrinter(_SERVICE_COLUMNS, _service_cells),
    ("", "Endpoints"): TablePrinter(_ENDPOINTS_COLUMNS, _endpoints_cells),
    ("", "Node"): TablePrinter(_NODE_COLUMNS, _node_cells),
    ("", "Event"): TablePrinter(_EVENT_COLUMNS, _event_cells),
    ("events.k8s.io", "Event"): TablePrinter(_EVENT_COLUMNS, _events_v1_cells),
    ("", "Namespace"): TablePrinter(_NAMESPACE_COLUMNS, _namespace_cells),
    ("", "Secret"): TablePrinter(_SECRET_COLUMNS, _secret_cells),
    ("", "ServiceAccount"): TablePrinter(_SERVICE_ACCOUNT_COLUMNS, _service_account_cells),
    ("", "ConfigMap"): TablePrinter(_CONFIG_MAP_COLUMNS, _config_map_cells),
    ("", "PersistentVolume"): TablePrinter(_PV_COLUMNS, _pv_cells),
    ("", "PersistentVolumeClaim"): TablePrinter(_PVC_COLUMNS, _pvc_cells),
    ("", "ResourceQuota"): TablePrinter(_RESOURCE_QUOTA_COLUMNS, _resource_quota_cells),
    ("", "ComponentStatus"): TablePrinter(_COMPONENT_STATUS_COLUMNS, _component_status_cells),
}
