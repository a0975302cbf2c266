"""How kube-apiserver prints the bad value of a field error, for values field.py cannot infer.

``field.Error.ErrorBody`` prints a bad value by its Go type: a type with a ``String()`` method
(even on its pointer) through it, a plain struct or map with ``%#v``. Rendering a decoded JSON
value needs the Go type, which only the validation code knows; these helpers are the renderings
the per-kind strategies need, each named for the Go type it prints.

Where Go's output cannot be reproduced at all -- ``%#v`` of a struct holding pointers prints
their addresses, and whole pod templates print hundreds of fields -- the rendering keeps Go's
outer shape and elides the inside as ``{...}``; the detail text after it is exact.
"""

from __future__ import annotations

from typing import Any

from minikube_py.field import go_quote


def label_selector(selector: Any) -> str:
    """``(*metav1.LabelSelector).String()`` (gogo-protobuf); ``null`` for a nil selector."""
    if not isinstance(selector, dict):
        return "null"
    labels = selector.get("matchLabels") or {}
    match_labels = "".join(f"{k}: {v}," for k, v in sorted(labels.items()))
    expressions = "".join(
        f"LabelSelectorRequirement{{Key:{e.get('key', '')},Operator:{e.get('operator', '')},"
        f"Values:[{' '.join(str(v) for v in e.get('values') or [])}],}},"
        for e in selector.get("matchExpressions") or ()
        if isinstance(e, dict)
    )
    return (
        f"&LabelSelector{{MatchLabels:map[string]string{{{match_labels}}},"
        f"MatchExpressions:[]LabelSelectorRequirement{{{expressions}}},}}"
    )


def string_map(labels: Any) -> str:
    """``%#v`` of a ``map[string]string`` (fmt prints map keys sorted)."""
    if not isinstance(labels, dict):
        return "map[string]string(nil)"
    body = ", ".join(f"{go_quote(str(k))}:{go_quote(str(v))}" for k, v in sorted(labels.items()))
    return "map[string]string{" + body + "}"


def int_or_string(value: Any) -> str:
    """``(*intstr.IntOrString).String()``: the number, or the string unquoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def elided_struct(type_name: str, value: Any) -> str:
    """``%#v`` of a struct Go would print in full (with pointer addresses): the type only."""
    if value is None:
        return f"{type_name}(nil)" if type_name.startswith(("[]", "map[")) else "null"
    if isinstance(value, list) and not value:
        return type_name + "{}"
    return type_name + "{...}"


__all__ = ["elided_struct", "int_or_string", "label_selector", "string_map"]
