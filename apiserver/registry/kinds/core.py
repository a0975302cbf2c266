"""Strategies of core/v1 kinds with rules of their own.

Defaults follow ``pkg/apis/core/v1/defaults.go``; create/update rules follow each kind's
``pkg/registry/core/<kind>/strategy.go``; selectable fields follow ``ToSelectableFields`` and
``pkg/apis/core/v1/conversion.go``. Validation here covers what the API server itself enforces
for these kinds; the full per-field validation of ``pkg/apis/core/validation`` is larger than
this file and grows kind by kind (see the issue notes for what is not there yet).
"""

from __future__ import annotations

import re
from typing import Any

from apiserver.registry.kinds.core_podspec import (
    container_is_sound,
    validate_container,
    validate_volumes,
)
from apiserver.registry.objectmeta import FIELD_IMMUTABLE, name_is_dns_label
from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError
from minikube_py.names import is_dns1123_label_ok
from minikube_py.objects import Object

_POD_FIELDS = (
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.podIPs",
    "status.nominatedNodeName",
)


def _get(obj: Object, *path: str) -> Any:
    value: Any = obj
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class NamespaceStrategy(Strategy):
    has_status = True
    selectable = ("status.phase",)
    name_validator = staticmethod(name_is_dns_label)

    def default(self, obj: Object) -> None:
        """``SetDefaults_Namespace``: every namespace carries its name as the
        ``kubernetes.io/metadata.name`` label (so selectors can pick namespaces by name)."""
        metadata = obj.get("metadata")
        if isinstance(metadata, dict) and metadata.get("name"):
            labels = metadata.get("labels")
            if not isinstance(labels, dict):
                labels = metadata["labels"] = {}
            labels["kubernetes.io/metadata.name"] = metadata["name"]

    def prepare_for_create(self, obj: Object) -> None:
        obj["status"] = {"phase": "Active"}
        spec = obj.setdefault("spec", {})
        finalizers = list(spec.get("finalizers") or ())
        if "kubernetes" not in finalizers:
            finalizers.append("kubernetes")
        spec["finalizers"] = finalizers

    def prepare_for_update(self, new: Object, old: Object) -> None:
        new["spec"] = old.get("spec", {})
        new["status"] = old.get("status", {})

    def should_delete_during_update(self, new: Object, old: Object) -> bool:
        """A namespace also waits for its ``spec.finalizers`` (``kubernetes``: the namespace
        controller's) before an update may complete its deletion."""
        return super().should_delete_during_update(new, old) and not (new.get("spec") or {}).get(
            "finalizers"
        )

    def prepare_for_finalize(self, new: Object, old: Object) -> None:
        """``namespaceFinalizeStrategy``: only ``spec.finalizers`` may change."""
        finalizers = (new.get("spec") or {}).get("finalizers")
        for key in list(new):
            if key not in ("metadata", "apiVersion", "kind"):
                del new[key]
        for key, value in old.items():
            if key != "metadata":
                new[key] = value
        new["spec"] = {**old.get("spec", {})}
        if finalizers:
            new["spec"]["finalizers"] = finalizers
        else:
            new["spec"].pop("finalizers", None)

    def fields(self, obj: Object) -> dict[str, str]:
        fields = super().fields(obj)
        fields["status.phase"] = _get(obj, "status", "phase") or ""
        return fields


_CONFIG_KEY = re.compile(r"[-._a-zA-Z0-9]+")
_CONFIG_KEY_ERROR = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
    "'[-._a-zA-Z0-9]+')"
)
#: ``core.MaxSecretSize``, which ConfigMaps share.
MAX_DATA_SIZE = 1024 * 1024


def config_key_errors(key: str) -> list[str]:
    """``validation.IsConfigMapKey``."""
    errors = []
    if len(key.encode()) > 253:
        errors.append("must be no more than 253 characters")
    if _CONFIG_KEY.fullmatch(key) is None:
        errors.append(_CONFIG_KEY_ERROR)
    if key in (".", ".."):
        errors.append(f"must not be '{key}'")
    elif key.startswith(".."):
        errors.append("must not start with '..'")
    return errors


class ConfigMapStrategy(Strategy):
    def validate(self, obj: Object) -> list[FieldError]:
        errors: list[FieldError] = []
        data, binary = obj.get("data") or {}, obj.get("binaryData") or {}
        size = 0
        for name, values in (("data", data), ("binaryData", binary)):
            for key in sorted(values):
                errors += [
                    field.invalid(field.key(name, key), key, msg) for msg in config_key_errors(key)
                ]
                size += len(key.encode()) + len(str(values[key]).encode())
        for key in sorted(set(data) & set(binary)):
            errors.append(field.invalid("data", key, "duplicate of key present in binaryData"))
        if size > MAX_DATA_SIZE:
            errors.append(
                field.FieldError(
                    "",
                    field.FieldErrorType.TOO_LONG,
                    f"Too long: must have at most {MAX_DATA_SIZE} bytes",
                )
            )
        return errors

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        errors = self.validate(new)
        if old.get("immutable"):
            if new.get("immutable") is not True:
                errors.append(
                    field.forbidden("immutable", "field is immutable when `immutable` is set")
                )
            for name in ("data", "binaryData"):
                if new.get(name) != old.get(name):
                    errors.append(
                        field.forbidden(name, "field is immutable when `immutable` is set")
                    )
        return errors


class SecretStrategy(ConfigMapStrategy):
    selectable = ("type",)

    def default(self, obj: Object) -> None:
        obj.setdefault("type", "Opaque")

    def validate(self, obj: Object) -> list[FieldError]:
        errors: list[FieldError] = []
        data = obj.get("data") or {}
        for key in sorted(data):
            errors += [
                field.invalid(field.key("data", key), key, msg) for msg in config_key_errors(key)
            ]
        total = sum(len(str(v)) * 3 // 4 for v in data.values())
        if total > 1024 * 1024:
            errors.append(field.too_long("data", 1024 * 1024))
        return errors

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        errors = super().validate_update(new, old)
        if new.get("type", "Opaque") != old.get("type", "Opaque"):
            errors.append(field.invalid("type", new.get("type"), FIELD_IMMUTABLE))
        return errors

    def fields(self, obj: Object) -> dict[str, str]:
        fields = super().fields(obj)
        fields["type"] = obj.get("type") or ""
        return fields


class EventStrategy(Strategy):
    selectable = (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    )

    def fields(self, obj: Object) -> dict[str, str]:
        fields = super().fields(obj)
        involved = obj.get("involvedObject") or {}
        for name in (
            "kind",
            "namespace",
            "name",
            "uid",
            "apiVersion",
            "resourceVersion",
            "fieldPath",
        ):
            fields[f"involvedObject.{name}"] = str(involved.get(name) or "")
        fields["reason"] = obj.get("reason") or ""
        fields["reportingComponent"] = obj.get("reportingComponent") or ""
        fields["source"] = (obj.get("source") or {}).get("component") or ""
        fields["type"] = obj.get("type") or ""
        return fields


class NodeStrategy(Strategy):
    has_status = True
    selectable = ("spec.unschedulable",)

    def fields(self, obj: Object) -> dict[str, str]:
        fields = super().fields(obj)
        fields["spec.unschedulable"] = "true" if _get(obj, "spec", "unschedulable") else "false"
        return fields


def _image_pull_policy(image: str) -> str:
    """``SetDefaults_Container``: Always for ``:latest`` or an untagged image, else
    IfNotPresent (a digest counts as a tag)."""
    last = image.rsplit("/", 1)[-1]
    if "@" in last:
        return "IfNotPresent"
    tag = last.rpartition(":")[2] if ":" in last else ""
    return "Always" if tag in ("", "latest") else "IfNotPresent"


_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
_PROBE_NUMBERS = (
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
)


def _default_probe(probe: dict[str, Any]) -> None:
    """``SetDefaults_Probe`` and ``SetDefaults_HTTPGetAction``."""
    probe.setdefault("timeoutSeconds", 1)
    probe.setdefault("periodSeconds", 10)
    probe.setdefault("successThreshold", 1)
    probe.setdefault("failureThreshold", 3)
    http = probe.get("httpGet")
    if isinstance(http, dict):
        http.setdefault("path", "/")
        http.setdefault("scheme", "HTTP")


def _probe_is_sound(probe: Any, kind: str) -> bool:
    """The usual answer of :func:`_validate_probe` (nothing wrong), without building anything."""
    if type(probe) is not dict:
        return False
    handlers = 0
    for handler in _PROBE_HANDLERS:
        if probe.get(handler) is not None:
            handlers += 1
    if handlers != 1:
        return False
    for name in _PROBE_NUMBERS:
        value = probe.get(name)
        if type(value) is int and value < 0:
            return False
    grace = probe.get("terminationGracePeriodSeconds")
    if kind == "readinessProbe":
        return grace is None
    return probe.get("successThreshold") in (None, 1) and not (type(grace) is int and grace <= 0)


def _validate_probe(probe: Any, kind: str, path: str) -> list[FieldError]:
    """``validateProbe`` (+ the liveness/startup ``successThreshold`` rule and
    readinessProbe's ``terminationGracePeriodSeconds``): one handler, non-negative numbers."""
    if probe is None:
        return []
    if not isinstance(probe, dict):
        return [field.invalid(path, probe, "must be an object")]
    errors: list[FieldError] = []
    handlers = [h for h in _PROBE_HANDLERS if probe.get(h) is not None]
    if not handlers:
        errors.append(field.required(path, "must specify a handler type"))
    for extra in handlers[1:]:
        errors.append(
            field.forbidden(field.child(path, extra), "may not specify more than 1 handler type")
        )
    for name in _PROBE_NUMBERS:
        value = probe.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            errors.append(
                field.invalid(field.child(path, name), value, "must be greater than or equal to 0")
            )
    threshold = probe.get("successThreshold")
    if kind != "readinessProbe" and threshold not in (None, 1):
        errors.append(field.invalid(field.child(path, "successThreshold"), threshold, "must be 1"))
    grace = probe.get("terminationGracePeriodSeconds")
    if kind == "readinessProbe" and grace is not None:
        errors.append(
            field.invalid(
                field.child(path, "terminationGracePeriodSeconds"),
                grace,
                "must not be set for readinessProbes",
            )
        )
    elif isinstance(grace, int) and not isinstance(grace, bool) and grace <= 0:
        errors.append(
            field.invalid(
                field.child(path, "terminationGracePeriodSeconds"), grace, "must be greater than 0"
            )
        )
    return errors


def default_pod_spec(spec: dict[str, Any]) -> None:
    """``SetDefaults_PodSpec`` and the container defaults, in place."""
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("enableServiceLinks", True)
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or ():
            if not isinstance(container, dict):
                continue
            container.setdefault("terminationMessagePath", "/dev/termination-log")
            container.setdefault("terminationMessagePolicy", "File")
            if isinstance(container.get("image"), str):
                container.setdefault("imagePullPolicy", _image_pull_policy(container["image"]))
            container.setdefault("resources", {})
            for port in container.get("ports") or ():
                if isinstance(port, dict):
                    port.setdefault("protocol", "TCP")
            for kind in _PROBES:
                probe = container.get(kind)
                if isinstance(probe, dict):
                    _default_probe(probe)
    if spec.get("serviceAccountName") and "serviceAccount" not in spec:
        spec["serviceAccount"] = spec["serviceAccountName"]


class PodStrategy(Strategy):
    has_status = True
    return_deleted_object = True
    selectable = _POD_FIELDS
    name_blind_defaults = True  # SetDefaults_Pod reads the spec only

    def default(self, obj: Object) -> None:
        spec = obj.get("spec")
        if isinstance(spec, dict):
            default_pod_spec(spec)

    def prepare_for_create(self, obj: Object) -> None:
        super().prepare_for_create(obj)
        spec = obj.get("spec")
        if isinstance(spec, dict) and isinstance(spec.get("affinity"), dict):
            labels = (obj.get("metadata") or {}).get("labels") or {}
            _apply_match_label_keys(spec["affinity"], labels)

    def initial_status(self, obj: Object) -> dict[str, Any]:
        return {"phase": "Pending", "qosClass": _qos_class(obj.get("spec") or {})}

    def validate(self, obj: Object) -> list[FieldError]:
        return validate_pod_spec(obj.get("spec"), "spec")

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        errors = self.validate(new)
        old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
        errors.extend(_only_deleted_scheduling_gates(new_spec, old_spec))
        # a gated pod may still gain node selector entries (as Kueue injects them before it
        # lifts its gate); its existing ones stay as they are
        gated = bool(old_spec.get("schedulingGates"))
        if gated:
            errors.extend(_node_selector_additions_only(new_spec, old_spec))
        if _mutable_pod_fields_only(new_spec, gated) != _mutable_pod_fields_only(old_spec, gated):
            errors.append(
                field.forbidden(
                    "spec",
                    "pod updates may not change fields other than `spec.containers[*].image`,"
                    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
                    "`spec.tolerations` (only additions to existing tolerations),"
                    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
                    "previously negative)",
                )
            )
        return errors

    def grace_period(self, obj: Object, requested: int | None) -> int | None:
        """``podStrategy.CheckGracefulDelete``: unscheduled or finished pods go at once."""
        spec = obj.get("spec") or {}
        grace = (
            requested if requested is not None else spec.get("terminationGracePeriodSeconds", 30)
        )
        if grace is None or grace < 0:
            grace = 1
        if not spec.get("nodeName"):
            return 0
        if (obj.get("status") or {}).get("phase") in ("Failed", "Succeeded"):
            return 0
        return grace

    def fields(self, obj: Object) -> dict[str, str]:
        fields = super().fields(obj)
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        fields["spec.nodeName"] = spec.get("nodeName") or ""
        fields["spec.restartPolicy"] = spec.get("restartPolicy") or ""
        fields["spec.schedulerName"] = spec.get("schedulerName") or ""
        fields["spec.serviceAccountName"] = spec.get("serviceAccountName") or ""
        fields["spec.hostNetwork"] = "true" if spec.get("hostNetwork") else "false"
        fields["status.phase"] = status.get("phase") or ""
        fields["status.podIP"] = status.get("podIP") or ""
        fields["status.podIPs"] = ",".join(ip.get("ip", "") for ip in status.get("podIPs") or ())
        fields["status.nominatedNodeName"] = status.get("nominatedNodeName") or ""
        return fields


def _pod_spec_is_sound(spec: Any) -> bool:
    """The usual answer of :func:`validate_pod_spec` (nothing wrong), in one pass that builds
    no paths, closures or messages: every Pod create and every template passes here."""
    if type(spec) is not dict:
        return False
    containers = spec.get("containers")
    if not containers or type(containers) is not list:
        return False
    if spec.get("restartPolicy") not in (None, "Always", "OnFailure", "Never"):
        return False
    volumes: set[str] = set()
    for volume in spec.get("volumes") or ():
        name = volume.get("name") if type(volume) is dict else None
        if type(name) is not str or not name or name in volumes:
            return False
        if not is_dns1123_label_ok(name):
            return False
        volumes.add(name)
    names: set[str] = set()
    for listed, probed in ((containers, True), (spec.get("initContainers") or (), False)):
        for container in listed:
            if type(container) is not dict:
                return False
            name = container.get("name")
            if not name or name in names or not container.get("image"):
                return False
            names.add(name)
            if not container_is_sound(container, volumes):
                return False
            if probed:
                for kind in _PROBES:
                    probe = container.get(kind)
                    if probe is not None and not _probe_is_sound(probe, kind):
                        return False
    return True


def validate_pod_spec(spec: Any, path: str) -> list[FieldError]:
    """The parts of ``ValidatePodSpec`` enforced so far: containers and init containers (names
    unique across both, images, probes of containers, and :mod:`.core_podspec`'s rules), the
    volumes' names, and restartPolicy."""
    if _pod_spec_is_sound(spec):
        return []
    if not isinstance(spec, dict):
        return [field.required(path, "")]
    errors: list[FieldError] = []
    containers = spec.get("containers")
    if not containers:
        errors.append(field.required(field.child(path, "containers"), ""))
    names: set[str] = set()
    volumes: set[str] = set()
    if spec.get("volumes"):
        volumes, volume_errors = validate_volumes(spec["volumes"], field.child(path, "volumes"))
        errors.extend(volume_errors)

    # containers first, as upstream: an init container named like one is the duplicate
    for key in ("containers", "initContainers"):
        listed = spec.get(key)
        if not listed or not isinstance(listed, list):
            continue

        def at(i: int, child: str = "", key: str = key) -> str:  # paths built only for errors
            container_path = field.index(field.child(path, key), i)
            return field.child(container_path, child) if child else container_path

        for i, container in enumerate(listed):
            if not isinstance(container, dict):
                errors.append(field.invalid(at(i), container, "must be an object"))
                continue
            name = container.get("name")
            if not name:
                errors.append(field.required(at(i, "name"), ""))
            elif name in names:
                errors.append(field.duplicate(at(i, "name"), name))
            else:
                names.add(name)
            if not container.get("image"):
                errors.append(field.required(at(i, "image"), ""))
            errors.extend(validate_container(container, lambda i=i: at(i), volumes))
            if key == "containers":
                for kind in _PROBES:
                    probe = container.get(kind)
                    if probe is not None and not _probe_is_sound(probe, kind):
                        errors.extend(_validate_probe(probe, kind, at(i, kind)))
    policy = spec.get("restartPolicy")
    if policy not in (None, "Always", "OnFailure", "Never"):
        errors.append(
            field.not_supported(
                field.child(path, "restartPolicy"), policy, ["Always", "OnFailure", "Never"]
            )
        )
    return errors


def _apply_match_label_keys(affinity: dict[str, Any], labels: dict[str, Any]) -> None:
    """``applyMatchLabelKeysAndMismatchLabelKeys`` (MatchLabelKeysInPodAffinity, on in
    v1.32): each pod (anti-)affinity term's ``matchLabelKeys`` / ``mismatchLabelKeys`` become
    ``In`` / ``NotIn`` requirements on the pod's own values of those labels, at creation."""
    for kind in ("podAffinity", "podAntiAffinity"):
        rules = affinity.get(kind)
        if not isinstance(rules, dict):
            continue
        terms = list(rules.get("requiredDuringSchedulingIgnoredDuringExecution") or ())
        for weighted in rules.get("preferredDuringSchedulingIgnoredDuringExecution") or ():
            if isinstance(weighted, dict):
                terms.append(weighted.get("podAffinityTerm"))
        for term in terms:
            if not isinstance(term, dict) or not isinstance(term.get("labelSelector"), dict):
                continue  # a nil selector matches nothing: nothing to add to
            added = [
                {"key": key, "operator": operator, "values": [labels[key]]}
                for keys, operator in (
                    (term.get("matchLabelKeys"), "In"),
                    (term.get("mismatchLabelKeys"), "NotIn"),
                )
                for key in keys or ()
                if isinstance(key, str) and isinstance(labels.get(key), str)
            ]
            if added:
                selector = term["labelSelector"]
                selector["matchExpressions"] = list(selector.get("matchExpressions") or ()) + added


def _only_deleted_scheduling_gates(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    """``validateOnlyDeletedSchedulingGates``: a pod's scheduling gates can only be removed."""
    known = {g.get("name") for g in old.get("schedulingGates") or () if isinstance(g, dict)}
    errors = []
    for i, gate in enumerate(new.get("schedulingGates") or ()):
        name = gate.get("name") if isinstance(gate, dict) else None
        if name not in known:
            errors.append(
                field.forbidden(
                    field.child(field.index("spec.schedulingGates", i), "name"),
                    f"only deletion is allowed, but found new scheduling gate '{name}'",
                )
            )
    return errors


def _node_selector_additions_only(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    """``validateNodeSelectorMutation``: while gated, entries may be added, not changed or
    removed."""
    old_selector = old.get("nodeSelector") or {}
    new_selector = new.get("nodeSelector") or {}
    if not isinstance(old_selector, dict) or not isinstance(new_selector, dict):
        return []
    for key, value in old_selector.items():
        if new_selector.get(key, _ABSENT) != value:
            return [
                field.invalid(
                    "spec.nodeSelector",
                    new_selector,
                    "only additions to spec.nodeSelector are allowed (no mutations or deletions)",
                    rendered="map[string]string{"
                    + ", ".join(
                        f"{field.go_quote(str(k))}:{field.go_quote(str(v))}"
                        for k, v in sorted(new_selector.items())
                    )
                    + "}",
                )
            ]
    return []


_ABSENT = object()
_UPDATABLE = frozenset(
    {"activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds", "schedulingGates"}
)


def _mutable_pod_fields_only(spec: dict[str, Any], gated: bool = False) -> dict[str, Any]:
    """A pod spec with the fields an update may change blanked out (scheduling gates are
    checked on their own: they may only go; so is a gated pod's nodeSelector)."""
    skipped = _UPDATABLE | {"nodeSelector"} if gated else _UPDATABLE
    masked = {k: v for k, v in spec.items() if k not in skipped}
    for key in ("containers", "initContainers"):
        if isinstance(masked.get(key), list):
            masked[key] = [
                {k: v for k, v in c.items() if k != "image"} if isinstance(c, dict) else c
                for c in masked[key]
            ]
    return masked


def _qos_class(spec: dict[str, Any]) -> str:
    """``qos.GetPodQOS``: Guaranteed, Burstable or BestEffort."""
    requests_seen = limits_seen = False
    guaranteed = True
    containers = list(spec.get("containers") or ()) + list(spec.get("initContainers") or ())
    for container in containers:
        resources = (container or {}).get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        if requests:
            requests_seen = True
        if limits:
            limits_seen = True
        for name in ("cpu", "memory"):
            if name not in limits or (name in requests and requests[name] != limits[name]):
                guaranteed = False
    if not requests_seen and not limits_seen:
        return "BestEffort"
    return "Guaranteed" if guaranteed and limits_seen else "Burstable"


__all__ = [
    "ConfigMapStrategy",
    "EventStrategy",
    "NamespaceStrategy",
    "NodeStrategy",
    "PodStrategy",
    "SecretStrategy",
    "default_pod_spec",
]
