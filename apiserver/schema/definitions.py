"""The built-in kinds' OpenAPI definitions (Kubernetes v1.32), loaded once and indexed by kind.

What it owns: the one copy of the built-in schemas the server works from -- for decoding request
bodies (:mod:`apiserver.schema.decoding`), for strategic-merge and server-side-apply metadata
(through :class:`minikube_py.typeinfo.SchemaNode`) and, later, for ``/openapi/v3``.

Where they come from: PyPI ``kubernetes-validate==1.32.0`` ships
``kubernetes-json-schema/v1.32.0-local/_definitions.json``, upstream's v2 swagger for v1.32
converted to JSON Schema 2020-12 (638 ``$defs`` such as ``io.k8s.api.apps.v1.Deployment``, with
descriptions and the ``x-kubernetes-*`` extensions). We read that JSON and nothing else from the
package. The converter left artifacts that :func:`all_definitions` undoes, so that the result
reads like upstream's ``api/openapi-spec/v3`` component schemas:

- every nullable ``type`` is ``["x", "null"]``: the ``"null"`` is dropped;
- ``apiVersion`` and ``kind`` of every kind with a group-version-kind carry an ``enum`` of the one
  expected value: dropped (upstream has none; the server defaults and checks these itself);
- references are ``#/$defs/<name>``: rewritten to ``#/components/schemas/<name>``, and, as upstream
  v3 does, a reference with sibling keys (a field's description, patch extensions) is wrapped in
  ``allOf: [{$ref}]`` with the siblings beside it;
- ``IntOrString`` and ``Quantity`` became a bare ``oneOf`` without description: restored to
  upstream v3's ``{description, format: int-or-string, oneOf: [integer, string]}`` and
  ``{description, oneOf: [string, number]}``.

Divergences from upstream v3 that remain: no ``default`` values (the v2 swagger the package was
built from has none) and no ``enum`` lists for string enums (their "Possible enum values" survive
in the descriptions only).

Which kinds count: the group-versions a default v1.32 kube-apiserver serves (the stable list of
``DefaultAPIResourceConfigSource``; every beta and alpha version is off by default, and the last
legacy beta, ``flowcontrol.apiserver.k8s.io/v1beta3``, stopped being served in 1.32), plus the
``apiextensions.k8s.io/v1`` and ``apiregistration.k8s.io/v1`` groups of the bundled extension
and aggregation servers. Definitions of other versions stay loaded (they are reachable by
``$ref`` and cost nothing) but are not indexed as known kinds.

Loading costs about 10 ms for msgspec to decode 1.3 MB plus the cleaning walk; it happens once,
on first use, and :func:`load_seconds` reports what it took.
"""

from __future__ import annotations

import functools
import importlib.util
import time
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, NamedTuple

import msgspec

from minikube_py.typeinfo import SchemaNode

_PACKAGE: Final = "kubernetes_validate"
_RESOURCE: Final = "kubernetes-json-schema/v1.32.0-local/_definitions.json"
_REF_PREFIX: Final = "#/components/schemas/"
_SOURCE_REF_PREFIX: Final = "#/$defs/"

INT_OR_STRING: Final = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY: Final = "io.k8s.apimachinery.pkg.api.resource.Quantity"

#: Group-versions a default v1.32 control plane serves, core group as ``""``.
SERVED_GROUP_VERSIONS: Final = frozenset(
    {
        ("", "v1"),
        ("admissionregistration.k8s.io", "v1"),
        ("apiextensions.k8s.io", "v1"),
        ("apiregistration.k8s.io", "v1"),
        ("apps", "v1"),
        ("authentication.k8s.io", "v1"),
        ("authorization.k8s.io", "v1"),
        ("autoscaling", "v1"),
        ("autoscaling", "v2"),
        ("batch", "v1"),
        ("certificates.k8s.io", "v1"),
        ("coordination.k8s.io", "v1"),
        ("discovery.k8s.io", "v1"),
        ("events.k8s.io", "v1"),
        ("flowcontrol.apiserver.k8s.io", "v1"),
        ("networking.k8s.io", "v1"),
        ("node.k8s.io", "v1"),
        ("policy", "v1"),
        ("rbac.authorization.k8s.io", "v1"),
        ("scheduling.k8s.io", "v1"),
        ("storage.k8s.io", "v1"),
    }
)

_INT_OR_STRING_DESCRIPTION: Final = (
    "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML "
    "marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to "
    "have, for example, a JSON field that can accept a name or number."
)

_QUANTITY_DESCRIPTION: Final = (
    "Quantity is a fixed-point representation of a number. It provides convenient "
    "marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors."
    "\n\nThe serialization format is:\n\n``` <quantity>        ::= <signedNumber><suffix>\n\n\t"
    '(Note that <suffix> may be empty, from the "" case in <decimalSI>.)\n\n'
    "<digit>           ::= 0 | 1 | ... | 9 <digits>          ::= <digit> | <digit><digits> "
    "<number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits> "
    '<sign>            ::= "+" | "-" <signedNumber>    ::= <number> | <sign><number> '
    "<suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI> "
    "<binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei\n\n\t"
    "(International System of units; See: http://physics.nist.gov/cuu/Units/binary.html)\n\n"
    '<decimalSI>       ::= m | "" | k | M | G | T | P | E\n\n\t'
    "(Note that 1024 = 1Ki but 1000 = 1k; I didn't choose the capitalization.)\n\n"
    '<decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber> ```\n\n'
    "No matter which of the three exponent forms is used, no quantity may represent a number "
    "greater than 2^63-1 in magnitude, nor may it have more than 3 decimal places. Numbers larger "
    "or more precise will be capped or rounded up. (E.g.: 0.1m will rounded up to 1m.) This may "
    "be extended in the future if we require larger or smaller quantities.\n\n"
    "When a Quantity is parsed from a string, it will remember the type of suffix it had, and "
    "will use the same type again when it is serialized.\n\n"
    'Before serializing, Quantity will be put in "canonical form". This means that '
    "Exponent/suffix will be adjusted up or down (with a corresponding increase or decrease in "
    "Mantissa) such that:\n\n"
    "- No precision is lost - No fractional digits will be emitted - The exponent (or suffix) is "
    "as large as possible.\n\nThe sign will be omitted unless the number is negative.\n\n"
    'Examples:\n\n- 1.5 will be serialized as "1500m" - 1.5Gi will be serialized as "1536Mi"\n\n'
    "Note that the quantity will NEVER be internally represented by a floating point number. "
    "That is the whole point of this exercise.\n\n"
    "Non-canonical values will still parse as long as they are well formed, but will be "
    "re-emitted in their canonical form. (So always use canonical form, or don't diff.)\n\n"
    "This format is intended to make it difficult to use these numbers without writing some "
    "sort of special handling code in the hopes that that will cause implementors to also use a "
    "fixed point implementation."
)


class GroupVersionKind(NamedTuple):
    """``schema.GroupVersionKind``; the core group is ``""``. ``str()`` is Go's ``String()``,
    which prints ``/v1, Kind=Pod`` for the core group."""

    group: str
    version: str
    kind: str

    def __str__(self) -> str:
        return f"{self.group}/{self.version}, Kind={self.kind}"


class _Loaded(NamedTuple):
    definitions: Mapping[str, dict[str, Any]]
    by_gvk: Mapping[GroupVersionKind, str]  # served kinds only
    all_gvks: Mapping[GroupVersionKind, str]  # every group-version-kind a definition claims
    known: frozenset[GroupVersionKind]
    seconds: float


def all_definitions() -> Mapping[str, dict[str, Any]]:
    """All cleaned definitions by name (``io.k8s.api.core.v1.Pod``). Shared: do not mutate."""
    return _load().definitions


def known_gvks() -> frozenset[GroupVersionKind]:
    """The kinds of the served group-versions that have a definition (lists and the shared
    ``meta/v1`` kinds such as ``DeleteOptions`` included)."""
    return _load().known


def is_served(group: str, version: str) -> bool:
    return (group, version) in SERVED_GROUP_VERSIONS


def definition_name(
    gvk: GroupVersionKind | tuple[str, str, str], *, served_only: bool = True
) -> str:
    """The definition of a kind, e.g. ``io.k8s.api.apps.v1.Deployment``.

    Raises ``KeyError`` for kinds a default v1.32 server does not serve (with
    ``served_only=False``: for kinds no definition claims, such as removed versions).
    """
    index = _load().by_gvk if served_only else _load().all_gvks
    return index[GroupVersionKind(*gvk)]


def type_node(group: str, version: str, kind: str) -> SchemaNode:
    """The schema of a served kind as a :class:`SchemaNode` (cached: the same node every call,
    so its children's caches are shared by every caller)."""
    return _type_node(GroupVersionKind(group, version, kind))


def definition_node(name: str) -> SchemaNode:
    """A :class:`SchemaNode` for any definition by name (cached like :func:`type_node`)."""
    return _definition_node(name)


def definition_of(node: object) -> str | None:
    """The definition name behind a node this module made (:func:`type_node`,
    :func:`definition_node`), else None."""
    return _NODE_NAMES.get(id(node))


def load_seconds() -> float:
    """Wall time the one load took (read, decode, clean, index)."""
    return _load().seconds


@functools.cache
def _type_node(gvk: GroupVersionKind) -> SchemaNode:
    return _definition_node(definition_name(gvk))


# id() of every node _definition_node made -> its definition name; those nodes live as long as
# the cache below, so their ids are never reused.
_NODE_NAMES: dict[int, str] = {}


@functools.cache
def _definition_node(name: str) -> SchemaNode:
    defs = _load().definitions
    node = SchemaNode(defs[name], defs)
    _NODE_NAMES[id(node)] = name
    return node


@functools.cache
def _load() -> _Loaded:
    started = time.perf_counter()
    document = msgspec.json.decode(_resource_path().read_bytes())
    source: dict[str, dict[str, Any]] = document["$defs"]
    cleaned: dict[str, dict[str, Any]] = {}
    by_gvk: dict[GroupVersionKind, str] = {}
    all_gvks: dict[GroupVersionKind, str] = {}
    for name, schema in source.items():
        gvks = schema.get("x-kubernetes-group-version-kind", ())
        cleaned[name] = _clean_definition(schema, has_gvk=bool(gvks))
        for entry in gvks:
            gvk = GroupVersionKind(entry["group"], entry["version"], entry["kind"])
            all_gvks[gvk] = name
            if (gvk.group, gvk.version) in SERVED_GROUP_VERSIONS:
                by_gvk[gvk] = name
    cleaned[INT_OR_STRING] = {
        "description": _INT_OR_STRING_DESCRIPTION,
        "format": "int-or-string",
        "oneOf": [{"type": "integer"}, {"type": "string"}],
    }
    cleaned[QUANTITY] = {
        "description": _QUANTITY_DESCRIPTION,
        "oneOf": [{"type": "string"}, {"type": "number"}],
    }
    return _Loaded(
        MappingProxyType(cleaned),
        MappingProxyType(by_gvk),
        MappingProxyType(all_gvks),
        frozenset(by_gvk),
        time.perf_counter() - started,
    )


def _resource_path() -> Path:
    """The JSON file inside the installed package, found without importing the package (its
    ``__init__`` pulls in a JSON-schema validator we do not use and costs ~60 ms)."""
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{_PACKAGE} is not installed (pyproject.toml depends on it)")
    for location in spec.submodule_search_locations:
        path = Path(location) / _RESOURCE
        if path.is_file():
            return path
    raise FileNotFoundError(f"{_RESOURCE} not found in {_PACKAGE}")


def _clean_definition(schema: dict[str, Any], *, has_gvk: bool) -> dict[str, Any]:
    cleaned = _clean(schema)
    if has_gvk:
        properties = cleaned.get("properties", {})
        for name in ("apiVersion", "kind"):
            prop = properties.get(name)
            if prop is not None:
                prop.pop("enum", None)
    return cleaned


def _clean(schema: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, list):
            kinds = [kind for kind in value if kind != "null"]
            value = kinds[0] if len(kinds) == 1 else kinds
        elif key == "properties":
            value = {name: _clean(prop) for name, prop in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            value = _clean(value)
        elif key in ("allOf", "oneOf", "anyOf"):
            value = [_clean(item) for item in value]
        elif key == "$ref" and value.startswith(_SOURCE_REF_PREFIX):
            value = _REF_PREFIX + value[len(_SOURCE_REF_PREFIX) :]
        out[key] = value
    if "$ref" in out and len(out) > 1:
        ref = out.pop("$ref")
        out = {"allOf": [{"$ref": ref}], **out}
    return out
