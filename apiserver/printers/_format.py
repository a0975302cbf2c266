"""Small formatting helpers shared by the printers, each named after its upstream original.

``FormatLabels`` and ``FormatLabelSelector`` (apimachinery ``labels`` and ``meta/v1``),
``layoutContainerCells``, ``listWithMoreString``, ``printBoolPtr``, ``formatResourceName`` and
the load-balancer address stringer (``pkg/printers/internalversion/printers.go``), and
``net.JoinHostPort``. They read JSON-shaped dicts and tolerate every optional field being absent
or null, the way Go's zero values make upstream tolerate them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from minikube_py.selectors import SelectorParseError, from_label_selector

NONE: Final = "<none>"
UNSET: Final = "<unset>"

#: An empty, read-only stand-in for a missing nested object.
EMPTY: Final[Mapping[str, Any]] = {}


def sub(obj: Mapping[str, Any] | None, key: str) -> Mapping[str, Any]:
    """``obj[key]`` when it is a mapping, else an empty one (a Go zero-value struct)."""
    if obj is None:
        return EMPTY
    value = obj.get(key)
    return value if isinstance(value, Mapping) else EMPTY


def items(obj: Mapping[str, Any] | None, key: str) -> list[Any]:
    """``obj[key]`` when it is a list, else an empty one (a nil slice)."""
    if obj is None:
        return []
    value = obj.get(key)
    return value if isinstance(value, list) else []


def text(obj: Mapping[str, Any] | None, key: str) -> str:
    """``obj[key]`` as a string; "" when absent or null."""
    if obj is None:
        return ""
    value = obj.get(key)
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def number(obj: Mapping[str, Any] | None, key: str) -> int:
    """``obj[key]`` as an integer; 0 when absent or null."""
    if obj is None:
        return 0
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        return int(value) if isinstance(value, float) else 0
    return value


def format_labels(labels: object) -> str:
    """``labels.FormatLabels``: the ``k=v`` pairs, sorted as strings, comma-joined; or "<none>"."""
    if not isinstance(labels, Mapping) or not labels:
        return NONE
    return ",".join(sorted(f"{k}={v}" for k, v in labels.items()))


def selector_string(selector: object) -> str | None:
    """``metav1.LabelSelectorAsSelector(s).String()``; None if the selector is invalid.

    A null selector is ``labels.Nothing()`` and an empty one ``labels.Everything()``; both print
    as the empty string.
    """
    if selector is not None and not isinstance(selector, Mapping):
        return None
    try:
        return str(from_label_selector(selector))
    except SelectorParseError:
        return None


def format_label_selector(selector: object) -> str:
    """``metav1.FormatLabelSelector``: the selector string, "<none>" if empty, "<error>"."""
    rendered = selector_string(selector)
    if rendered is None:
        return "<error>"
    return rendered or NONE


def container_cells(containers: Iterable[Any]) -> tuple[str, str]:
    """``layoutContainerCells``: the container names and the images, each comma-joined."""
    names: list[str] = []
    images: list[str] = []
    for container in containers:
        if not isinstance(container, Mapping):
            container = EMPTY
        names.append(text(container, "name"))
        images.append(text(container, "image"))
    return ",".join(names), ",".join(images)


def pod_template_containers(template: Mapping[str, Any]) -> tuple[str, str]:
    """``layoutContainerCells(template.spec.containers)``."""
    return container_cells(items(sub(template, "spec"), "containers"))


def list_with_more(shown: list[str], more: bool, count: int, limit: int) -> str:
    """``listWithMoreString``: "a,b,c + 2 more...", or "<unset>" for an empty list."""
    joined = ",".join(shown)
    if more:
        return f"{joined} + {count - limit} more..."
    return joined or UNSET


def bool_ptr(value: object) -> str:
    """``printBoolPtr``: "True"/"False", or "<unset>" for a nil pointer."""
    if value is None:
        return UNSET
    return "True" if value is True else "False"


def load_balancer_addresses(status: Mapping[str, Any]) -> str:
    """``loadBalancerStatusStringer`` (wide): each ingress's IP, else hostname; sorted, unique."""
    found: set[str] = set()
    for ingress in items(status, "ingress"):
        if not isinstance(ingress, Mapping):
            continue
        address = text(ingress, "ip") or text(ingress, "hostname")
        if address:
            found.add(address)
    return ",".join(sorted(found))


def join_host_port(host: str, port: int) -> str:
    """``net.JoinHostPort``: brackets around a host that contains a colon (IPv6)."""
    if ":" in host:
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def group_of(api_version: str) -> str | None:
    """The group of an ``apiVersion`` (``schema.ParseGroupVersion``); None if malformed."""
    if not api_version or api_version == "v1":
        return ""
    parts = api_version.split("/")
    if len(parts) == 1:
        return ""
    if len(parts) == 2:
        return parts[0]
    return None


def format_resource_name(group: str, kind: str, name: str) -> str:
    """``formatResourceName(GroupKind, name, withKind=true)``: ``kind.group/name`` lowercased."""
    if not group and not kind:
        return name
    group_kind = f"{kind}.{group}" if group else kind
    return f"{group_kind.lower()}/{name}"


def condition_status(conditions: Iterable[Any], condition_type: str) -> str | None:
    """The status of the first condition of ``condition_type``, or None if there is none."""
    for condition in conditions:
        if isinstance(condition, Mapping) and condition.get("type") == condition_type:
            return text(condition, "status")
    return None


def go_list(values: Iterable[Any]) -> str:
    """``fmt.Sprintf("%v", []string{...})``: ``[a b c]``."""
    return "[" + " ".join(str(v) for v in values) + "]"


def go_label_selector(selector: Mapping[str, Any]) -> str:
    """The generated ``(*metav1.LabelSelector).String()`` (gogo-protobuf style), used verbatim by
    the admission-policy binding printers for a ``paramRef.selector``."""
    labels = sub(selector, "matchLabels")
    label_text = "".join(f"{k}: {labels[k]}," for k in sorted(labels))
    expressions = "".join(
        "LabelSelectorRequirement{"
        f"Key:{text(e, 'key')},Operator:{text(e, 'operator')},"
        f"Values:{go_list(items(e, 'values'))},}},"
        for e in items(selector, "matchExpressions")
        if isinstance(e, Mapping)
    )
    return (
        "&LabelSelector{"
        f"MatchLabels:map[string]string{{{label_text}}},"
        f"MatchExpressions:[]LabelSelectorRequirement{{{expressions}}},"
        "}"
    )
