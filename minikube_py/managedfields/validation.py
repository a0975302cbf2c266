"""Typed validation of a value against its schema, with upstream's messages.

``sigs.k8s.io/structured-merge-diff/v4/typed/validate.go`` (and ``helpers.go``'s
``ValidationErrors``): what makes ``TypeConverter.ObjectToTyped`` fail, which for an apply body
becomes the 500 ``failed to create typed patch object (ns/name; gvk): <errors>``. The Go
renderings of bad values (``%v``, ``%#v``, ``%T`` of a ``value.Value``) are reproduced so the
texts match. Undeclared fields are not reported (see ``typed``).
"""

from __future__ import annotations

from typing import Any, Final

from minikube_py.field import go_quote
from minikube_py.managedfields.fieldpath import PathElement, element_string, go_float_v
from minikube_py.managedfields.typed import (
    ATOMIC_LIST,
    TypedError,
    child_type,
    element_of,
    list_info,
)
from minikube_py.typeinfo import UNKNOWN, Shape, TypeNode


def validate(
    value: Any, node: TypeNode, *, allow_duplicates: bool, check_scalars: bool
) -> list[tuple[str, str]]:
    """Upstream's typed validation (``validate.go``): (path, message) pairs.

    Reports what keeps a value from being walked -- bad list-map items, duplicates (unless
    allowed), a map or list where the other is declared -- and, with ``check_scalars``, a
    scalar of the wrong JSON type. Undeclared fields are not errors (see the module notes).
    """
    errors: list[tuple[str, str]] = []
    _validate(value, node, "", errors, allow_duplicates, check_scalars)
    return errors


def _validate(
    value: Any,
    node: TypeNode,
    path: str,
    errors: list[tuple[str, str]],
    allow_duplicates: bool,
    check_scalars: bool,
) -> None:
    shape = node.shape
    kind = type(value)
    if shape is Shape.UNKNOWN:
        if kind is dict:
            for key, item in value.items():
                _validate(item, UNKNOWN, f"{path}.{key}", errors, allow_duplicates, check_scalars)
        elif kind is list:
            for i, item in enumerate(value):
                _validate(item, UNKNOWN, f"{path}[{i}]", errors, allow_duplicates, check_scalars)
        return
    if shape is Shape.OBJECT or shape is Shape.MAP:
        if value is None:
            return
        if kind is not dict:
            errors.append((path, f"expected map, got &{{{_go_v(value)}}}"))
            return
        for key, item in value.items():
            child = child_type(node, key)
            _validate(item, child, f"{path}.{key}", errors, allow_duplicates, check_scalars)
        return
    if shape is Shape.LIST:
        if value is None:
            return
        if kind is not list:
            errors.append((path, f"expected list, got &{{{_go_v(value)}}}"))
            return
        relationship, keys = list_info(node)
        item_node = node.items()
        if relationship == ATOMIC_LIST:
            for i, item in enumerate(value):
                _validate(item, item_node, f"{path}[{i}]", errors, allow_duplicates, check_scalars)
            return
        seen: set[PathElement] = set()
        for i, item in enumerate(value):
            try:
                element = element_of(item, relationship, keys, item_node)
            except TypedError as e:
                errors.append((path, f"element {i}: {e}"))
                return
            if element in seen and not allow_duplicates:
                errors.append((path, f"duplicate entries for key {element_string(element)}"))
            seen.add(element)
            _validate(
                item,
                item_node,
                path + element_string(element),
                errors,
                allow_duplicates,
                check_scalars,
            )
        return
    if check_scalars:
        message = _scalar_error(value, node)
        if message:
            errors.append((path, message))


_SCALAR_TYPES: Final = {
    "integer": "numeric",
    "number": "numeric",
    "string": "string",
    "boolean": "boolean",
}


def _scalar_type(node: TypeNode) -> str:
    """SMD's scalar kind of a position: numeric, string, boolean or untyped."""
    schema = getattr(node, "schema", None)
    if schema is None or not hasattr(schema, "get") or schema.get("x-kubernetes-int-or-string"):
        return "untyped"
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    return _SCALAR_TYPES.get(kind, "untyped") if isinstance(kind, str) else "untyped"


def _scalar_error(value: Any, node: TypeNode) -> str:
    if value is None:
        return ""
    expected = _scalar_type(node)
    kind = type(value)
    if expected == "numeric":
        if kind is int or kind is float:
            return ""
        return f"expected numeric (int or float), got {_go_type(value)}"
    if expected == "string":
        if kind is str:
            return ""
        return f"expected string, got &value.valueUnstructured{{Value:{_go_sharp_v(value)}}}"
    if expected == "boolean":
        if kind is bool:
            return ""
        return f"expected boolean, got &{{{_go_v(value)}}}"
    if kind is dict or kind is list:
        return f"expected any scalar, got &{{{_go_v(value)}}}"
    return ""


def _go_type(value: Any) -> str:
    """Go's ``%T`` of a decoded JSON value."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    if isinstance(value, float):
        return "float64"
    return "int64"


def _go_v(value: Any) -> str:
    """Go's ``%v`` of a decoded JSON value."""
    if value is None:
        return "<nil>"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_v(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_v(v) for v in value) + "]"
    if isinstance(value, float):
        return go_float_v(value)
    return str(value)


def _go_sharp_v(value: Any) -> str:
    """Go's ``%#v`` of a decoded JSON value held in an ``interface{}``."""
    if value is None:
        return "interface {}(nil)"
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, dict):
        body = ", ".join(f"{go_quote(k)}:{_go_sharp_v(value[k])}" for k in sorted(value))
        return "map[string]interface {}{" + body + "}"
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(_go_sharp_v(v) for v in value) + "}"
    return _go_v(value)


def format_errors(errors: list[tuple[str, str]]) -> str:
    """``ValidationErrors.Error()``: one error as ``path: message``, several as a list."""

    def one(path: str, message: str) -> str:
        return f"{path}: {message}" if path else message

    if len(errors) == 1:
        return one(*errors[0])
    return "\n".join(["errors:", *("  " + one(path, message) for path, message in errors)])
