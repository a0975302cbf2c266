"""Kubernetes protobuf request bodies, decoded into the JSON-shaped objects the API works with.

``kubectl create <generator>`` (namespace, configmap, secret, deployment, service, job, role, ...),
``kubectl create token`` and the other typed-client commands send their bodies as
``application/vnd.kubernetes.protobuf``: the magic ``k8s\\x00`` and then a ``runtime.Unknown``
(1: typeMeta {1: apiVersion, 2: kind}, 2: raw, 3: contentEncoding, 4: contentType) whose ``raw``
is the typed object in the Go structs' protobuf encoding. This module owns turning such a body
into the dict the same object would have been as JSON, so the rest of the server never sees
protobuf. It decodes only; responses stay JSON (kubectl accepts them).

The output is what the real apiserver's Go round trip gives — ``json.Marshal(proto.Unmarshal(b))``
— not a literal field-for-field translation:

- names are the JSON names (``camelCase``; an ``inline`` field's keys merge into its parent, as
  ``Volume``'s ``VolumeSource`` does);
- a field with ``omitempty`` and the zero value is left out, as are absent pointers, lists and maps
  with ``omitempty``; without ``omitempty`` an absent list, map or pointer is ``None`` (Go's
  ``null``) and an absent scalar its zero value;
- a non-pointer struct is always there (``"status": {}``), since ``omitempty`` never drops structs;
- special types have their JSON forms: ``metav1.Time`` → RFC 3339 string, seconds only (the zero
  time is ``None``, which is why kubectl's JSON says ``"creationTimestamp": null``);
  ``resource.Quantity`` → its string; ``intstr.IntOrString`` → int or string; ``FieldsV1`` → the
  embedded JSON; ``[]byte`` → base64.

Unknown field numbers are skipped, as Go's generated ``Unmarshal`` does, and reported as warnings.
Malformed input — truncated varints or lengths, a known field on the wrong wire type, a bad
envelope — raises :class:`ProtobufError` (a ``ValueError``; the HTTP layer answers 400); a kind
outside the table raises its subclass :class:`UnsupportedKindError` (415 is the honest answer).

**Where the schema comes from.** :data:`_MESSAGES` has one entry per message: field number, JSON
name and type, written ``N=jsonName:type``. Field numbers and types are those of the upstream
``generated.proto`` files at tag v0.32.4 (``k8s.io/api/{core,apps,batch,rbac,scheduling,policy,
networking,authentication,authorization,autoscaling}/v1``, ``k8s.io/apimachinery/pkg/apis/meta/v1``,
``.../pkg/api/resource``, ``.../pkg/util/intstr``, ``.../pkg/runtime`` for the envelope); JSON
names, ``omitempty``, ``inline`` and pointer-ness come from the ``json:``/``protobuf:`` struct
tags of the same Go types, cross-checked against the ``.proto`` field names (they agree except
``BoundObjectReference.uid``, ``uID`` in the proto). The entries are the closure of the kinds in
:data:`_KINDS` — every message reachable from them, complete. The type grammar::

    string bool int32 int64 uint32 uint64 double float bytes   scalars
    Time Quantity IntOrString FieldsV1                         apimachinery special types
    Name, group.v1.Name                                        a message (bare: same package)
    []T  repeated       {}T  map<string, T>                    cardinality
    *T   Go pointer     T?   omitempty     ...  as the name:   json ",inline"

No well-kept PyPI package ships these descriptors (the only one, ``k8s-proto``, stopped at 0.0.3
in 2019), hence the table.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

__all__ = [
    "PROTOBUF_MAGIC",
    "PROTOBUF_MEDIA_TYPE",
    "Decoded",
    "ProtobufError",
    "UnsupportedKindError",
    "decode_protobuf",
    "decode_protobuf_with_warnings",
    "supported_kinds",
]

PROTOBUF_MEDIA_TYPE: Final = "application/vnd.kubernetes.protobuf"
PROTOBUF_MAGIC: Final = b"k8s\x00"


class ProtobufError(ValueError):
    """The body is not a well-formed Kubernetes protobuf envelope or object (HTTP 400)."""


class UnsupportedKindError(ProtobufError):
    """The envelope names a kind this decoder has no schema for (HTTP 415)."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """A decoded body: the JSON-shaped object and what was skipped on the way."""

    object: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def decode_protobuf(body: bytes) -> dict[str, Any]:
    """The JSON-shaped object in a ``application/vnd.kubernetes.protobuf`` request body.

    ``apiVersion`` and ``kind`` come from the envelope. Raises :class:`ProtobufError`.
    """
    return decode_protobuf_with_warnings(body).object


def decode_protobuf_with_warnings(body: bytes) -> Decoded:
    """Like :func:`decode_protobuf`, also returning warnings for skipped unknown fields."""
    return _Decoder().decode_envelope(body)


def supported_kinds() -> frozenset[tuple[str, str]]:
    """The ``(apiVersion, kind)`` pairs that can be decoded (``DeleteOptions`` under any)."""
    return frozenset(_KINDS)


# --- wire format -----------------------------------------------------------------------------

_VARINT: Final = 0
_FIXED64: Final = 1
_LEN: Final = 2
_START_GROUP: Final = 3
_END_GROUP: Final = 4
_FIXED32: Final = 5
_MASK64: Final = (1 << 64) - 1


def _read_varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """The varint at ``pos`` (at most 10 bytes, truncated to 64 bits) and the position after."""
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise ProtobufError("unexpected end of data inside a varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & _MASK64, pos
        shift += 7
        if shift >= 64 + 6:
            raise ProtobufError("varint overflows 64 bits")


@dataclass(frozen=True, slots=True)
class _Raw:
    """One field occurrence: ``value`` for varint and fixed types; the payload span for LEN."""

    number: int
    wire: int
    value: int
    start: int
    stop: int


def _fields(buf: bytes, pos: int, end: int, where: str) -> Iterator[_Raw]:
    """The field occurrences of the message in ``buf[pos:end]``, in order."""
    while pos < end:
        key, pos = _read_varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if number <= 0 or number > 0x1FFFFFFF:
            raise ProtobufError(f"{where}: illegal field number {number}")
        if wire == _VARINT:
            start = pos
            value, pos = _read_varint(buf, pos, end)
            yield _Raw(number, wire, value, start, pos)
        elif wire in (_FIXED64, _FIXED32):
            size = 8 if wire == _FIXED64 else 4
            if pos + size > end:
                raise ProtobufError(f"{where}: unexpected end of data in field {number}")
            value = int.from_bytes(buf[pos : pos + size], "little")
            yield _Raw(number, wire, value, pos, pos + size)
            pos += size
        elif wire == _LEN:
            length, pos = _read_varint(buf, pos, end)
            if length > end - pos:
                raise ProtobufError(
                    f"{where}: field {number} claims {length} bytes, {end - pos} remain"
                )
            yield _Raw(number, wire, length, pos, pos + length)
            pos += length
        elif wire == _START_GROUP:
            start = pos
            pos = _skip_group(buf, pos, end, number, where)
            yield _Raw(number, wire, 0, start, pos)
        else:
            raise ProtobufError(f"{where}: illegal wire type {wire} for field {number}")


def _skip_group(buf: bytes, pos: int, end: int, number: int, where: str) -> int:
    """The position after the END_GROUP closing the (deprecated) group ``number``."""
    depth = [number]
    while depth:
        if pos >= end:
            raise ProtobufError(f"{where}: unterminated group {number}")
        key, pos = _read_varint(buf, pos, end)
        n, wire = key >> 3, key & 7
        if wire == _VARINT:
            _, pos = _read_varint(buf, pos, end)
        elif wire == _FIXED64:
            pos += 8
        elif wire == _FIXED32:
            pos += 4
        elif wire == _LEN:
            length, pos = _read_varint(buf, pos, end)
            pos += length
        elif wire == _START_GROUP:
            depth.append(n)
        elif wire == _END_GROUP and n == depth[-1]:
            depth.pop()
        else:
            raise ProtobufError(f"{where}: malformed group {number}")
        if pos > end:
            raise ProtobufError(f"{where}: unexpected end of data in group {number}")
    return pos


# --- schema ----------------------------------------------------------------------------------

_Cardinality = Literal["one", "repeated", "map"]

# scalar type → wire type; for varint and fixed types also how the raw value converts
_SCALAR_WIRE: Final[dict[str, int]] = {
    "string": _LEN,
    "bytes": _LEN,
    "bool": _VARINT,
    "int32": _VARINT,
    "int64": _VARINT,
    "uint32": _VARINT,
    "uint64": _VARINT,
    "double": _FIXED64,
    "float": _FIXED32,
}
_SPECIAL: Final = frozenset({"Time", "Quantity", "IntOrString", "FieldsV1"})
_ZERO: Final[dict[str, Any]] = {
    "string": "",
    "bool": False,
    "int32": 0,
    "int64": 0,
    "uint32": 0,
    "uint64": 0,
    "double": 0.0,
    "float": 0.0,
    "bytes": None,  # a nil []byte is JSON null
    "Time": None,
    "Quantity": "0",
    "IntOrString": 0,
    "FieldsV1": None,
}


@dataclass(frozen=True, slots=True)
class _Field:
    number: int
    json_name: str  # "" for a Go ``json:",inline"`` field
    type: str  # a scalar, a special type, or a message's full name
    cardinality: _Cardinality
    pointer: bool
    omitempty: bool


@dataclass(frozen=True, slots=True)
class _Message:
    name: str
    fields: dict[int, _Field]


def _parse_field(token: str, package: str, where: str) -> _Field:
    """One ``N=jsonName:type`` token of :data:`_MESSAGES`."""
    head, sep, typ = token.partition(":")
    number_text, sep2, json_name = head.partition("=")
    if not sep or not sep2 or not number_text.isdigit() or not typ:
        raise ValueError(f"{where}: bad field token {token!r}")
    pointer = typ.startswith("*")
    typ = typ.removeprefix("*")
    omitempty = typ.endswith("?")
    typ = typ.removesuffix("?")
    cardinality: _Cardinality = "one"
    if typ.startswith("[]"):
        cardinality, typ = "repeated", typ[2:]
    elif typ.startswith("{}"):
        cardinality, typ = "map", typ[2:]
    if typ not in _SCALAR_WIRE and typ not in _SPECIAL and "." not in typ:
        typ = f"{package}.{typ}"
    return _Field(
        number=int(number_text),
        json_name="" if json_name == "..." else json_name,
        type=typ,
        cardinality=cardinality,
        pointer=pointer,
        omitempty=omitempty,
    )


def _parse_schema(table: dict[str, str]) -> dict[str, _Message]:
    """:data:`_MESSAGES` as :class:`_Message` objects; every referenced type must exist."""
    messages: dict[str, _Message] = {}
    for name, spec in table.items():
        package = name.rpartition(".")[0]
        fields = {}
        for token in spec.split():
            f = _parse_field(token, package, name)
            if f.number in fields:
                raise ValueError(f"{name}: field {f.number} listed twice")
            fields[f.number] = f
        messages[name] = _Message(name, fields)
    for message in messages.values():
        for f in message.fields.values():
            if f.type not in _SCALAR_WIRE and f.type not in _SPECIAL and f.type not in messages:
                raise ValueError(f"{message.name}.{f.json_name}: unknown type {f.type}")
            if not f.json_name and (f.cardinality != "one" or f.type not in messages):
                raise ValueError(f"{message.name}: only a single message can be inline")
    return messages


def _wire_of(type_name: str) -> int:
    return _SCALAR_WIRE.get(type_name, _LEN)


# --- decoding --------------------------------------------------------------------------------


class _Decoder:
    """One decode: walks the bytes against the schema, collecting warnings."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def decode_envelope(self, body: bytes) -> Decoded:
        if not body.startswith(PROTOBUF_MAGIC):
            raise ProtobufError(
                f"not a Kubernetes protobuf body: it must start with {PROTOBUF_MAGIC!r}"
            )
        envelope = self._plain(
            body,
            len(PROTOBUF_MAGIC),
            len(body),
            {1: "bytes", 2: "bytes", 3: "string", 4: "string"},
            "runtime.Unknown",
        )
        type_meta = envelope.get(1, b"")
        meta = self._plain(type_meta, 0, len(type_meta), {1: "string", 2: "string"}, "TypeMeta")
        api_version, kind = meta.get(1, ""), meta.get(2, "")
        if not kind:
            raise ProtobufError("the protobuf envelope names no kind")
        if envelope.get(3):
            self.warnings.append(f"ignored contentEncoding {envelope[3]!r} of the envelope")
        name = _KINDS.get((api_version, kind))
        if name is None and kind == "DeleteOptions":
            name = "meta.v1.DeleteOptions"
        if name is None:
            raise UnsupportedKindError(
                f"no protobuf schema for {kind} in {api_version or 'the core group'}"
            )
        raw = envelope.get(2, b"")
        obj = self._message(_SCHEMA[name], raw, 0, len(raw))
        return Decoded({"kind": kind, "apiVersion": api_version, **obj}, self.warnings)

    def _plain(
        self, buf: bytes, start: int, stop: int, spec: dict[int, str], where: str
    ) -> dict[int, Any]:
        """The singular scalar fields of a small fixed message (last occurrence wins)."""
        values: dict[int, Any] = {}
        for raw in _fields(buf, start, stop, where):
            type_name = spec.get(raw.number)
            if type_name is None:
                self._unknown(where, raw)
                continue
            values[raw.number] = self._scalar(type_name, buf, raw, where, as_json=False)
        return values

    def _unknown(self, where: str, raw: _Raw) -> None:
        self.warnings.append(f"{where}: skipped unknown field {raw.number} (wire type {raw.wire})")

    def _message(self, message: _Message, buf: bytes, start: int, stop: int) -> dict[str, Any]:
        seen: dict[int, list[_Raw]] = {}
        for raw in _fields(buf, start, stop, message.name):
            if raw.number in message.fields:
                seen.setdefault(raw.number, []).append(raw)
            else:
                self._unknown(message.name, raw)
        out: dict[str, Any] = {}
        for number, f in message.fields.items():
            occurrences = seen.get(number)
            if occurrences is None:
                present, value = self._absent(f)
            else:
                present, value = True, self._present(message, f, buf, occurrences)
                if f.omitempty and _is_empty(f, value):
                    present = False
            if not present:
                continue
            if f.json_name:
                out[f.json_name] = value
            else:
                out.update(value)
        return out

    def _absent(self, f: _Field) -> tuple[bool, Any]:
        """Whether Go's JSON would show a field the body left out, and with what."""
        if f.cardinality != "one" or f.pointer:
            return (not f.omitempty, None)
        if f.type in _SCHEMA:
            return (True, self._message(_SCHEMA[f.type], b"", 0, 0))
        if f.type in _SPECIAL:
            return (True, _ZERO[f.type])
        return (not f.omitempty, _ZERO[f.type])

    def _present(self, message: _Message, f: _Field, buf: bytes, occurrences: list[_Raw]) -> Any:
        where = f"{message.name}.{f.json_name or f.type}"
        wire = _wire_of(f.type)
        if f.cardinality == "repeated":
            items: list[Any] = []
            for raw in occurrences:
                if raw.wire == _LEN and wire != _LEN:
                    items.extend(self._packed(f.type, buf, raw, where))
                else:
                    items.append(self._value(f.type, buf, raw, where))
            return items
        if f.cardinality == "map":
            entries: dict[str, Any] = {}
            for raw in occurrences:
                self._check_wire(raw, _LEN, where)
                key, value = self._map_entry(f.type, buf, raw, where)
                entries[key] = value
            return entries
        if len(occurrences) > 1 and f.type not in _SCALAR_WIRE:
            # repeated occurrences of a singular message merge, as concatenation does
            for raw in occurrences:
                self._check_wire(raw, _LEN, where)
            joined = b"".join(buf[raw.start : raw.stop] for raw in occurrences)
            merged = _Raw(f.number, _LEN, len(joined), 0, len(joined))
            return self._value(f.type, joined, merged, where)
        return self._value(f.type, buf, occurrences[-1], where)

    def _check_wire(self, raw: _Raw, wire: int, where: str) -> None:
        if raw.wire != wire:
            raise ProtobufError(f"{where}: wrong wire type {raw.wire} (expected {wire})")

    def _value(self, type_name: str, buf: bytes, raw: _Raw, where: str) -> Any:
        """One value of ``type_name`` in its JSON form."""
        self._check_wire(raw, _wire_of(type_name), where)
        if type_name in _SCALAR_WIRE:
            return self._scalar(type_name, buf, raw, where, as_json=True)
        if type_name == "Time":
            return self._time(buf, raw, where)
        if type_name == "Quantity":
            # resource.Quantity marshals its canonical string; kubectl sends exactly that
            return self._plain(buf, raw.start, raw.stop, {1: "string"}, where).get(1, "0")
        if type_name == "IntOrString":
            return self._int_or_string(buf, raw, where)
        if type_name == "FieldsV1":
            data = self._plain(buf, raw.start, raw.stop, {1: "bytes"}, where).get(1)
            if not data:
                return None
            try:
                return json.loads(data)
            except (ValueError, RecursionError) as err:
                raise ProtobufError(f"{where}: FieldsV1 is not JSON: {err}") from None
        message = _SCHEMA[type_name]
        decoded = self._message(message, buf, raw.start, raw.stop)
        if type_name in _UNWRAPPED:
            return decoded.get("items")
        return decoded

    def _scalar(self, type_name: str, buf: bytes, raw: _Raw, where: str, *, as_json: bool) -> Any:
        self._check_wire(raw, _SCALAR_WIRE[type_name], where)
        match type_name:
            case "string":
                return buf[raw.start : raw.stop].decode("utf-8", errors="replace")
            case "bytes":
                data = bytes(buf[raw.start : raw.stop])
                return base64.b64encode(data).decode("ascii") if as_json else data
            case "bool":
                return raw.value != 0
            case "int32":
                return _signed(raw.value & 0xFFFFFFFF, 32)
            case "int64":
                return _signed(raw.value, 64)
            case "uint32":
                return raw.value & 0xFFFFFFFF
            case "uint64":
                return raw.value
            case "double":
                return struct.unpack("<d", raw.value.to_bytes(8, "little"))[0]
            case "float":
                return struct.unpack("<f", raw.value.to_bytes(4, "little"))[0]
        raise AssertionError(type_name)  # pragma: no cover - the schema is checked at import

    def _packed(self, type_name: str, buf: bytes, raw: _Raw, where: str) -> list[Any]:
        """The elements of a packed repeated scalar field."""
        wire = _SCALAR_WIRE[type_name]
        values: list[Any] = []
        pos = raw.start
        while pos < raw.stop:
            if wire == _VARINT:
                start = pos
                value, pos = _read_varint(buf, pos, raw.stop)
            else:
                size = 8 if wire == _FIXED64 else 4
                if pos + size > raw.stop:
                    raise ProtobufError(f"{where}: truncated packed element")
                start, value = pos, int.from_bytes(buf[pos : pos + size], "little")
                pos += size
            element = _Raw(raw.number, wire, value, start, pos)
            values.append(self._scalar(type_name, buf, element, where, as_json=True))
        return values

    def _map_entry(self, type_name: str, buf: bytes, raw: _Raw, where: str) -> tuple[str, Any]:
        """A ``map<string, T>`` entry message: key = 1, value = 2."""
        key = ""
        value_raw: _Raw | None = None
        for entry_field in _fields(buf, raw.start, raw.stop, where):
            if entry_field.number == 1:
                key = self._scalar("string", buf, entry_field, where, as_json=True)
            elif entry_field.number == 2:
                value_raw = entry_field
            else:
                self._unknown(f"{where} map entry", entry_field)
        if value_raw is not None:
            return key, self._value(type_name, buf, value_raw, f"{where}[{key}]")
        if type_name in _SCHEMA:
            return key, self._message(_SCHEMA[type_name], b"", 0, 0)
        if type_name == "bytes":
            return key, ""  # Go fills a missing map value with []byte{}
        return key, _ZERO[type_name]

    def _time(self, buf: bytes, raw: _Raw, where: str) -> str | None:
        """``metav1.Time``: an empty message is the zero time (``null``); nanos are dropped."""
        if raw.start == raw.stop:
            return None
        seconds = self._plain(buf, raw.start, raw.stop, {1: "int64", 2: "int32"}, where).get(1, 0)
        try:
            moment = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise ProtobufError(
                f"{where}: time {seconds}s since the epoch is out of range"
            ) from None
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _int_or_string(self, buf: bytes, raw: _Raw, where: str) -> int | str:
        values = self._plain(buf, raw.start, raw.stop, {1: "int64", 2: "int32", 3: "string"}, where)
        kind = values.get(1, 0)
        if kind == 0:
            return values.get(2, 0)
        if kind == 1:
            return values.get(3, "")
        raise ProtobufError(f"{where}: IntOrString type {kind} is neither 0 (int) nor 1 (string)")


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) else value


def _is_empty(f: _Field, value: Any) -> bool:
    """Go's ``isEmptyValue`` for a field that was present in the body."""
    if f.pointer and f.cardinality == "one":
        return False
    if f.cardinality != "one" or f.type == "bytes":
        return not value
    if f.type in _SCALAR_WIRE:
        return value == _ZERO[f.type]
    return False  # structs (messages and the special types) are never empty to omitempty


# --- the kinds -------------------------------------------------------------------------------

# proto package → apiVersion of its kinds
_GROUP_VERSIONS: Final[dict[str, str]] = {
    "core.v1": "v1",
    "apps.v1": "apps/v1",
    "batch.v1": "batch/v1",
    "rbac.v1": "rbac.authorization.k8s.io/v1",
    "scheduling.v1": "scheduling.k8s.io/v1",
    "policy.v1": "policy/v1",
    "networking.v1": "networking.k8s.io/v1",
    "authentication.v1": "authentication.k8s.io/v1",
    "authorization.v1": "authorization.k8s.io/v1",
    "autoscaling.v1": "autoscaling/v1",
}

# the top-level messages a body may carry: the kinds of kubectl's generators, those of its other
# protobuf-sending calls (create token, auth can-i / whoami, autoscale, debug), and Eviction and
# DeleteOptions, which client-go's typed clients send in protobuf when so configured
_TOP_LEVEL: Final = (
    "core.v1.Namespace",
    "core.v1.ConfigMap",
    "core.v1.Secret",
    "core.v1.Service",
    "core.v1.ServiceAccount",
    "core.v1.ResourceQuota",
    "core.v1.Pod",
    "apps.v1.Deployment",
    "batch.v1.Job",
    "batch.v1.CronJob",
    "rbac.v1.Role",
    "rbac.v1.ClusterRole",
    "rbac.v1.RoleBinding",
    "rbac.v1.ClusterRoleBinding",
    "scheduling.v1.PriorityClass",
    "policy.v1.PodDisruptionBudget",
    "policy.v1.Eviction",
    "networking.v1.Ingress",
    "authentication.v1.TokenRequest",
    "authentication.v1.SelfSubjectReview",
    "authorization.v1.SelfSubjectAccessReview",
    "authorization.v1.SelfSubjectRulesReview",
    "autoscaling.v1.HorizontalPodAutoscaler",
)

# messages that stand for a Go named slice (``type ExtraValue []string``): JSON is the list
_UNWRAPPED: Final = frozenset({"authentication.v1.ExtraValue"})

# --- the schema (generated.proto at v0.32.4; JSON names and flags from the Go struct tags) ---

_MESSAGES: dict[str, str] = {
    "apps.v1.Deployment": (
        "1=metadata:meta.v1.ObjectMeta? 2=spec:DeploymentSpec? 3=status:DeploymentStatus?"
    ),
    "apps.v1.DeploymentCondition": (
        "1=type:string 2=status:string 4=reason:string? 5=message:string? 6=lastUpdateTime:Time? "
        "7=lastTransitionTime:Time?"
    ),
    "apps.v1.DeploymentSpec": (
        "1=replicas:*int32? 2=selector:*meta.v1.LabelSelector 3=template:core.v1.PodTemplateSpec "
        "4=strategy:DeploymentStrategy? 5=minReadySeconds:int32? 6=revisionHistoryLimit:*int32? "
        "7=paused:bool? 9=progressDeadlineSeconds:*int32?"
    ),
    "apps.v1.DeploymentStatus": (
        "1=observedGeneration:int64? 2=replicas:int32? 3=updatedReplicas:int32? "
        "4=availableReplicas:int32? 5=unavailableReplicas:int32? "
        "6=conditions:[]DeploymentCondition? 7=readyReplicas:int32? 8=collisionCount:*int32?"
    ),
    "apps.v1.DeploymentStrategy": "1=type:string? 2=rollingUpdate:*RollingUpdateDeployment?",
    "apps.v1.RollingUpdateDeployment": "1=maxUnavailable:*IntOrString? 2=maxSurge:*IntOrString?",
    "authentication.v1.BoundObjectReference": (
        "1=kind:string? 2=apiVersion:string? 3=name:string? 4=uid:string?"
    ),
    "authentication.v1.ExtraValue": "1=items:[]string",
    "authentication.v1.SelfSubjectReview": (
        "1=metadata:meta.v1.ObjectMeta? 2=status:SelfSubjectReviewStatus?"
    ),
    "authentication.v1.SelfSubjectReviewStatus": "1=userInfo:UserInfo?",
    "authentication.v1.TokenRequest": (
        "1=metadata:meta.v1.ObjectMeta? 2=spec:TokenRequestSpec 3=status:TokenRequestStatus?"
    ),
    "authentication.v1.TokenRequestSpec": (
        "1=audiences:[]string 3=boundObjectRef:*BoundObjectReference 4=expirationSeconds:*int64"
    ),
    "authentication.v1.TokenRequestStatus": "1=token:string 2=expirationTimestamp:Time",
    "authentication.v1.UserInfo": (
        "1=username:string? 2=uid:string? 3=groups:[]string? 4=extra:{}ExtraValue?"
    ),
    "authorization.v1.FieldSelectorAttributes": (
        "1=rawSelector:string? 2=requirements:[]meta.v1.FieldSelectorRequirement?"
    ),
    "authorization.v1.LabelSelectorAttributes": (
        "1=rawSelector:string? 2=requirements:[]meta.v1.LabelSelectorRequirement?"
    ),
    "authorization.v1.NonResourceAttributes": "1=path:string? 2=verb:string?",
    "authorization.v1.NonResourceRule": "1=verbs:[]string 2=nonResourceURLs:[]string?",
    "authorization.v1.ResourceAttributes": (
        "1=namespace:string? 2=verb:string? 3=group:string? 4=version:string? 5=resource:string? "
        "6=subresource:string? 7=name:string? 8=fieldSelector:*FieldSelectorAttributes? "
        "9=labelSelector:*LabelSelectorAttributes?"
    ),
    "authorization.v1.ResourceRule": (
        "1=verbs:[]string 2=apiGroups:[]string? 3=resources:[]string? 4=resourceNames:[]string?"
    ),
    "authorization.v1.SelfSubjectAccessReview": (
        "1=metadata:meta.v1.ObjectMeta? 2=spec:SelfSubjectAccessReviewSpec "
        "3=status:SubjectAccessReviewStatus?"
    ),
    "authorization.v1.SelfSubjectAccessReviewSpec": (
        "1=resourceAttributes:*ResourceAttributes? 2=nonResourceAttributes:*NonResourceAttributes?"
    ),
    "authorization.v1.SelfSubjectRulesReview": (
        "1=metadata:meta.v1.ObjectMeta? 2=spec:SelfSubjectRulesReviewSpec "
        "3=status:SubjectRulesReviewStatus?"
    ),
    "authorization.v1.SelfSubjectRulesReviewSpec": "1=namespace:string?",
    "authorization.v1.SubjectAccessReviewStatus": (
        "1=allowed:bool 2=reason:string? 3=evaluationError:string? 4=denied:bool?"
    ),
    "authorization.v1.SubjectRulesReviewStatus": (
        "1=resourceRules:[]ResourceRule 2=nonResourceRules:[]NonResourceRule 3=incomplete:bool "
        "4=evaluationError:string?"
    ),
    "autoscaling.v1.CrossVersionObjectReference": (
        "1=kind:string 2=name:string 3=apiVersion:string?"
    ),
    "autoscaling.v1.HorizontalPodAutoscaler": (
        "1=metadata:meta.v1.ObjectMeta? 2=spec:HorizontalPodAutoscalerSpec? "
        "3=status:HorizontalPodAutoscalerStatus?"
    ),
    "autoscaling.v1.HorizontalPodAutoscalerSpec": (
        "1=scaleTargetRef:CrossVersionObjectReference 2=minReplicas:*int32? 3=maxReplicas:int32 "
        "4=targetCPUUtilizationPercentage:*int32?"
    ),
    "autoscaling.v1.HorizontalPodAutoscalerStatus": (
        "1=observedGeneration:*int64? 2=lastScaleTime:*Time? 3=currentReplicas:int32 "
        "4=desiredReplicas:int32 5=currentCPUUtilizationPercentage:*int32?"
    ),
    "batch.v1.CronJob": (
        "1=metadata:meta.v1.ObjectMeta? 2=spec:CronJobSpec? 3=status:CronJobStatus?"
    ),
    "batch.v1.CronJobSpec": (
        "1=schedule:string 2=startingDeadlineSeconds:*int64? 3=concurrencyPolicy:string? "
        "4=suspend:*bool? 5=jobTemplate:JobTemplateSpec 6=successfulJobsHistoryLimit:*int32? "
        "7=failedJobsHistoryLimit:*int32? 8=timeZone:*string?"
    ),
    "batch.v1.CronJobStatus": (
        "1=active:[]core.v1.ObjectReference? 4=lastScheduleTime:*Time? 5=lastSuccessfulTime:*Time?"
    ),
    "batch.v1.Job": "1=metadata:meta.v1.ObjectMeta? 2=spec:JobSpec? 3=status:JobStatus?",
    "batch.v1.JobCondition": (
        "1=type:string 2=status:string 3=lastProbeTime:Time? 4=lastTransitionTime:Time? "
        "5=reason:string? 6=message:string?"
    ),
    "batch.v1.JobSpec": (
        "1=parallelism:*int32? 2=completions:*int32? 3=activeDeadlineSeconds:*int64? "
        "4=selector:*meta.v1.LabelSelector? 5=manualSelector:*bool? "
        "6=template:core.v1.PodTemplateSpec 7=backoffLimit:*int32? "
        "8=ttlSecondsAfterFinished:*int32? 9=completionMode:*string? 10=suspend:*bool? "
        "11=podFailurePolicy:*PodFailurePolicy? 12=backoffLimitPerIndex:*int32? "
        "13=maxFailedIndexes:*int32? 14=podReplacementPolicy:*string? 15=managedBy:*string? "
        "16=successPolicy:*SuccessPolicy?"
    ),
    "batch.v1.JobStatus": (
        "1=conditions:[]JobCondition? 2=startTime:*Time? 3=completionTime:*Time? 4=active:int32? "
        "5=succeeded:int32? 6=failed:int32? 7=completedIndexes:string? "
        "8=uncountedTerminatedPods:*UncountedTerminatedPods? 9=ready:*int32? "
        "10=failedIndexes:*string? 11=terminating:*int32?"
    ),
    "batch.v1.JobTemplateSpec": "1=metadata:meta.v1.ObjectMeta? 2=spec:JobSpec?",
    "batch.v1.PodFailurePolicy": "1=rules:[]PodFailurePolicyRule",
    "batch.v1.PodFailurePolicyOnExitCodesRequirement": (
        "1=containerName:*string? 2=operator:string 3=values:[]int32"
    ),
    "batch.v1.PodFailurePolicyOnPodConditionsPattern": "1=type:string 2=status:string",
    "batch.v1.PodFailurePolicyRule": (
        "1=action:string 2=onExitCodes:*PodFailurePolicyOnExitCodesRequirement? "
        "3=onPodConditions:[]PodFailurePolicyOnPodConditionsPattern?"
    ),
    "batch.v1.SuccessPolicy": "1=rules:[]SuccessPolicyRule",
    "batch.v1.SuccessPolicyRule": "1=succeededIndexes:*string? 2=succeededCount:*int32?",
    "batch.v1.UncountedTerminatedPods": "1=succeeded:[]string? 2=failed:[]string?",
    "core.v1.AWSElasticBlockStoreVolumeSource": (
        "1=volumeID:string 2=fsType:string? 3=partition:int32? 4=readOnly:bool?"
    ),
    "core.v1.Affinity": (
        "1=nodeAffinity:*NodeAffinity? 2=podAffinity:*PodAffinity? "
        "3=podAntiAffinity:*PodAntiAffinity?"
    ),
    "core.v1.AppArmorProfile": "1=type:string 2=localhostProfile:*string?",
    "core.v1.AzureDiskVolumeSource": (
        "1=diskName:string 2=diskURI:string 3=cachingMode:*string? 4=fsType:*string? "
        "5=readOnly:*bool? 6=kind:*string?"
    ),
    "core.v1.AzureFileVolumeSource": "1=secretName:string 2=shareName:string 3=readOnly:bool?",
    "core.v1.CSIVolumeSource": (
        "1=driver:string 2=readOnly:*bool? 3=fsType:*string? 4=volumeAttributes:{}string? "
        "5=nodePublishSecretRef:*LocalObjectReference?"
    ),
    "core.v1.Capabilities": "1=add:[]string? 2=drop:[]string?",
    "core.v1.CephFSVolumeSource": (
        "1=monitors:[]string 2=path:string? 3=user:string? 4=secretFile:string? "
        "5=secretRef:*LocalObjectReference? 6=readOnly:bool?"
    ),
    "core.v1.CinderVolumeSource": (
        "1=volumeID:string 2=fsType:string? 3=readOnly:bool? 4=secretRef:*LocalObjectReference?"
    ),
    "core.v1.ClientIPConfig": "1=timeoutSeconds:*int32?",
    "core.v1.ClusterTrustBundleProjection": (
        "1=name:*string? 2=signerName:*string? 3=labelSelector:*meta.v1.LabelSelector? "
        "4=path:string 5=optional:*bool?"
    ),
    "core.v1.ConfigMap": (
        "1=metadata:meta.v1.ObjectMeta? 2=data:{}string? 3=binaryData:{}bytes? 4=immutable:*bool?"
    ),
    "core.v1.ConfigMapEnvSource": "1=...:LocalObjectReference 2=optional:*bool?",
    "core.v1.ConfigMapKeySelector": "1=...:LocalObjectReference 2=key:string 3=optional:*bool?",
    "core.v1.ConfigMapProjection": (
        "1=...:LocalObjectReference 2=items:[]KeyToPath? 4=optional:*bool?"
    ),
    "core.v1.ConfigMapVolumeSource": (
        "1=...:LocalObjectReference 2=items:[]KeyToPath? 3=defaultMode:*int32? 4=optional:*bool?"
    ),
    "core.v1.Container": (
        "1=name:string 2=image:string? 3=command:[]string? 4=args:[]string? 5=workingDir:string? "
        "6=ports:[]ContainerPort? 7=env:[]EnvVar? 8=resources:ResourceRequirements? "
        "9=volumeMounts:[]VolumeMount? 10=livenessProbe:*Probe? 11=readinessProbe:*Probe? "
        "12=lifecycle:*Lifecycle? 13=terminationMessagePath:string? 14=imagePullPolicy:string? "
        "15=securityContext:*SecurityContext? 16=stdin:bool? 17=stdinOnce:bool? 18=tty:bool? "
        "19=envFrom:[]EnvFromSource? 20=terminationMessagePolicy:string? "
        "21=volumeDevices:[]VolumeDevice? 22=startupProbe:*Probe? "
        "23=resizePolicy:[]ContainerResizePolicy? 24=restartPolicy:*string?"
    ),
    "core.v1.ContainerPort": (
        "1=name:string? 2=hostPort:int32? 3=containerPort:int32 4=protocol:string? 5=hostIP:string?"
    ),
    "core.v1.ContainerResizePolicy": "1=resourceName:string 2=restartPolicy:string",
    "core.v1.ContainerState": (
        "1=waiting:*ContainerStateWaiting? 2=running:*ContainerStateRunning? "
        "3=terminated:*ContainerStateTerminated?"
    ),
    "core.v1.ContainerStateRunning": "1=startedAt:Time?",
    "core.v1.ContainerStateTerminated": (
        "1=exitCode:int32 2=signal:int32? 3=reason:string? 4=message:string? 5=startedAt:Time? "
        "6=finishedAt:Time? 7=containerID:string?"
    ),
    "core.v1.ContainerStateWaiting": "1=reason:string? 2=message:string?",
    "core.v1.ContainerStatus": (
        "1=name:string 2=state:ContainerState? 3=lastState:ContainerState? 4=ready:bool "
        "5=restartCount:int32 6=image:string 7=imageID:string 8=containerID:string? "
        "9=started:*bool? 10=allocatedResources:{}Quantity? 11=resources:*ResourceRequirements? "
        "12=volumeMounts:[]VolumeMountStatus? 13=user:*ContainerUser? "
        "14=allocatedResourcesStatus:[]ResourceStatus?"
    ),
    "core.v1.ContainerUser": "1=linux:*LinuxContainerUser?",
    "core.v1.DownwardAPIProjection": "1=items:[]DownwardAPIVolumeFile?",
    "core.v1.DownwardAPIVolumeFile": (
        "1=path:string 2=fieldRef:*ObjectFieldSelector? 3=resourceFieldRef:*ResourceFieldSelector? "
        "4=mode:*int32?"
    ),
    "core.v1.DownwardAPIVolumeSource": "1=items:[]DownwardAPIVolumeFile? 2=defaultMode:*int32?",
    "core.v1.EmptyDirVolumeSource": "1=medium:string? 2=sizeLimit:*Quantity?",
    "core.v1.EnvFromSource": (
        "1=prefix:string? 2=configMapRef:*ConfigMapEnvSource? 3=secretRef:*SecretEnvSource?"
    ),
    "core.v1.EnvVar": "1=name:string 2=value:string? 3=valueFrom:*EnvVarSource?",
    "core.v1.EnvVarSource": (
        "1=fieldRef:*ObjectFieldSelector? 2=resourceFieldRef:*ResourceFieldSelector? "
        "3=configMapKeyRef:*ConfigMapKeySelector? 4=secretKeyRef:*SecretKeySelector?"
    ),
    "core.v1.EphemeralContainer": "1=...:EphemeralContainerCommon 2=targetContainerName:string?",
    "core.v1.EphemeralContainerCommon": (
        "1=name:string 2=image:string? 3=command:[]string? 4=args:[]string? 5=workingDir:string? "
        "6=ports:[]ContainerPort? 7=env:[]EnvVar? 8=resources:ResourceRequirements? "
        "9=volumeMounts:[]VolumeMount? 10=livenessProbe:*Probe? 11=readinessProbe:*Probe? "
        "12=lifecycle:*Lifecycle? 13=terminationMessagePath:string? 14=imagePullPolicy:string? "
        "15=securityContext:*SecurityContext? 16=stdin:bool? 17=stdinOnce:bool? 18=tty:bool? "
        "19=envFrom:[]EnvFromSource? 20=terminationMessagePolicy:string? "
        "21=volumeDevices:[]VolumeDevice? 22=startupProbe:*Probe? "
        "23=resizePolicy:[]ContainerResizePolicy? 24=restartPolicy:*string?"
    ),
    "core.v1.EphemeralVolumeSource": "1=volumeClaimTemplate:*PersistentVolumeClaimTemplate?",
    "core.v1.ExecAction": "1=command:[]string?",
    "core.v1.FCVolumeSource": (
        "1=targetWWNs:[]string? 2=lun:*int32? 3=fsType:string? 4=readOnly:bool? 5=wwids:[]string?"
    ),
    "core.v1.FlexVolumeSource": (
        "1=driver:string 2=fsType:string? 3=secretRef:*LocalObjectReference? 4=readOnly:bool? "
        "5=options:{}string?"
    ),
    "core.v1.FlockerVolumeSource": "1=datasetName:string? 2=datasetUUID:string?",
    "core.v1.GCEPersistentDiskVolumeSource": (
        "1=pdName:string 2=fsType:string? 3=partition:int32? 4=readOnly:bool?"
    ),
    "core.v1.GRPCAction": "1=port:int32 2=service:*string",
    "core.v1.GitRepoVolumeSource": "1=repository:string 2=revision:string? 3=directory:string?",
    "core.v1.GlusterfsVolumeSource": "1=endpoints:string 2=path:string 3=readOnly:bool?",
    "core.v1.HTTPGetAction": (
        "1=path:string? 2=port:IntOrString 3=host:string? 4=scheme:string? "
        "5=httpHeaders:[]HTTPHeader?"
    ),
    "core.v1.HTTPHeader": "1=name:string 2=value:string",
    "core.v1.HostAlias": "1=ip:string 2=hostnames:[]string?",
    "core.v1.HostIP": "1=ip:string",
    "core.v1.HostPathVolumeSource": "1=path:string 2=type:*string?",
    "core.v1.ISCSIVolumeSource": (
        "1=targetPortal:string 2=iqn:string 3=lun:int32 4=iscsiInterface:string? 5=fsType:string? "
        "6=readOnly:bool? 7=portals:[]string? 8=chapAuthDiscovery:bool? "
        "10=secretRef:*LocalObjectReference? 11=chapAuthSession:bool? 12=initiatorName:*string?"
    ),
    "core.v1.ImageVolumeSource": "1=reference:string? 2=pullPolicy:string?",
    "core.v1.KeyToPath": "1=key:string 2=path:string 3=mode:*int32?",
    "core.v1.Lifecycle": "1=postStart:*LifecycleHandler? 2=preStop:*LifecycleHandler?",
    "core.v1.LifecycleHandler": (
        "1=exec:*ExecAction? 2=httpGet:*HTTPGetAction? 3=tcpSocket:*TCPSocketAction? "
        "4=sleep:*SleepAction?"
    ),
    "core.v1.LinuxContainerUser": "1=uid:int64 2=gid:int64 3=supplementalGroups:[]int64?",
    "core.v1.LoadBalancerIngress": (
        "1=ip:string? 2=hostname:string? 3=ipMode:*string? 4=ports:[]PortStatus?"
    ),
    "core.v1.LoadBalancerStatus": "1=ingress:[]LoadBalancerIngress?",
    "core.v1.LocalObjectReference": "1=name:string?",
    "core.v1.NFSVolumeSource": "1=server:string 2=path:string 3=readOnly:bool?",
    "core.v1.Namespace": (
        "1=metadata:meta.v1.ObjectMeta? 2=spec:NamespaceSpec? 3=status:NamespaceStatus?"
    ),
    "core.v1.NamespaceCondition": (
        "1=type:string 2=status:string 4=lastTransitionTime:Time? 5=reason:string? "
        "6=message:string?"
    ),
    "core.v1.NamespaceSpec": "1=finalizers:[]string?",
    "core.v1.NamespaceStatus": "1=phase:string? 2=conditions:[]NamespaceCondition?",
    "core.v1.NodeAffinity": (
        "1=requiredDuringSchedulingIgnoredDuringExecution:*NodeSelector? "
        "2=preferredDuringSchedulingIgnoredDuringExecution:[]PreferredSchedulingTerm?"
    ),
    "core.v1.NodeSelector": "1=nodeSelectorTerms:[]NodeSelectorTerm",
    "core.v1.NodeSelectorRequirement": "1=key:string 2=operator:string 3=values:[]string?",
    "core.v1.NodeSelectorTerm": (
        "1=matchExpressions:[]NodeSelectorRequirement? 2=matchFields:[]NodeSelectorRequirement?"
    ),
    "core.v1.ObjectFieldSelector": "1=apiVersion:string? 2=fieldPath:string",
    "core.v1.ObjectReference": (
        "1=kind:string? 2=namespace:string? 3=name:string? 4=uid:string? 5=apiVersion:string? "
        "6=resourceVersion:string? 7=fieldPath:string?"
    ),
    "core.v1.PersistentVolumeClaimSpec": (
        "1=accessModes:[]string? 2=resources:VolumeResourceRequirements? 3=volumeName:string? "
        "4=selector:*meta.v1.LabelSelector? 5=storageClassName:*string? 6=volumeMode:*string? "
        "7=dataSource:*TypedLocalObjectReference? 8=dataSourceRef:*TypedObjectReference? "
        "9=volumeAttributesClassName:*string?"
    ),
    "core.v1.PersistentVolumeClaimTemplate": (
        "1=metadata:meta.v1.ObjectMeta? 2=spec:PersistentVolumeClaimSpec"
    ),
    "core.v1.PersistentVolumeClaimVolumeSource": "1=claimName:string 2=readOnly:bool?",
    "core.v1.PhotonPersistentDiskVolumeSource": "1=pdID:string 2=fsType:string?",
    "core.v1.Pod": "1=metadata:meta.v1.ObjectMeta? 2=spec:PodSpec? 3=status:PodStatus?",
    "core.v1.PodAffinity": (
        "1=requiredDuringSchedulingIgnoredDuringExecution:[]PodAffinityTerm? "
        "2=preferredDuringSchedulingIgnoredDuringExecution:[]WeightedPodAffinityTerm?"
    ),
    "core.v1.PodAffinityTerm": (
        "1=labelSelector:*meta.v1.LabelSelector? 2=namespaces:[]string? 3=topologyKey:string "
        "4=namespaceSelector:*meta.v1.LabelSelector? 5=matchLabelKeys:[]string? "
        "6=mismatchLabelKeys:[]string?"
    ),
    "core.v1.PodAntiAffinity": (
        "1=requiredDuringSchedulingIgnoredDuringExecution:[]PodAffinityTerm? "
        "2=preferredDuringSchedulingIgnoredDuringExecution:[]WeightedPodAffinityTerm?"
    ),
    "core.v1.PodCondition": (
        "1=type:string 2=status:string 3=lastProbeTime:Time? 4=lastTransitionTime:Time? "
        "5=reason:string? 6=message:string?"
    ),
    "core.v1.PodDNSConfig": (
        "1=nameservers:[]string? 2=searches:[]string? 3=options:[]PodDNSConfigOption?"
    ),
    "core.v1.PodDNSConfigOption": "1=name:string? 2=value:*string?",
    "core.v1.PodIP": "1=ip:string",
    "core.v1.PodOS": "1=name:string",
    "core.v1.PodReadinessGate": "1=conditionType:string",
    "core.v1.PodResourceClaim": (
        "1=name:string 3=resourceClaimName:*string? 4=resourceClaimTemplateName:*string?"
    ),
    "core.v1.PodResourceClaimStatus": "1=name:string 2=resourceClaimName:*string?",
    "core.v1.PodSchedulingGate": "1=name:string",
    "core.v1.PodSecurityContext": (
        "1=seLinuxOptions:*SELinuxOptions? 2=runAsUser:*int64? 3=runAsNonRoot:*bool? "
        "4=supplementalGroups:[]int64? 5=fsGroup:*int64? 6=runAsGroup:*int64? 7=sysctls:[]Sysctl? "
        "8=windowsOptions:*WindowsSecurityContextOptions? 9=fsGroupChangePolicy:*string? "
        "10=seccompProfile:*SeccompProfile? 11=appArmorProfile:*AppArmorProfile? "
        "12=supplementalGroupsPolicy:*string? 13=seLinuxChangePolicy:*string?"
    ),
    "core.v1.PodSpec": (
        "1=volumes:[]Volume? 2=containers:[]Container 3=restartPolicy:string? "
        "4=terminationGracePeriodSeconds:*int64? 5=activeDeadlineSeconds:*int64? "
        "6=dnsPolicy:string? 7=nodeSelector:{}string? 8=serviceAccountName:string? "
        "9=serviceAccount:string? 10=nodeName:string? 11=hostNetwork:bool? 12=hostPID:bool? "
        "13=hostIPC:bool? 14=securityContext:*PodSecurityContext? "
        "15=imagePullSecrets:[]LocalObjectReference? 16=hostname:string? 17=subdomain:string? "
        "18=affinity:*Affinity? 19=schedulerName:string? 20=initContainers:[]Container? "
        "21=automountServiceAccountToken:*bool? 22=tolerations:[]Toleration? "
        "23=hostAliases:[]HostAlias? 24=priorityClassName:string? 25=priority:*int32? "
        "26=dnsConfig:*PodDNSConfig? 27=shareProcessNamespace:*bool? "
        "28=readinessGates:[]PodReadinessGate? 29=runtimeClassName:*string? "
        "30=enableServiceLinks:*bool? 31=preemptionPolicy:*string? 32=overhead:{}Quantity? "
        "33=topologySpreadConstraints:[]TopologySpreadConstraint? "
        "34=ephemeralContainers:[]EphemeralContainer? 35=setHostnameAsFQDN:*bool? 36=os:*PodOS? "
        "37=hostUsers:*bool? 38=schedulingGates:[]PodSchedulingGate? "
        "39=resourceClaims:[]PodResourceClaim? 40=resources:*ResourceRequirements?"
    ),
    "core.v1.PodStatus": (
        "1=phase:string? 2=conditions:[]PodCondition? 3=message:string? 4=reason:string? "
        "5=hostIP:string? 6=podIP:string? 7=startTime:*Time? "
        "8=containerStatuses:[]ContainerStatus? 9=qosClass:string? "
        "10=initContainerStatuses:[]ContainerStatus? 11=nominatedNodeName:string? "
        "12=podIPs:[]PodIP? 13=ephemeralContainerStatuses:[]ContainerStatus? 14=resize:string? "
        "15=resourceClaimStatuses:[]PodResourceClaimStatus? 16=hostIPs:[]HostIP?"
    ),
    "core.v1.PodTemplateSpec": "1=metadata:meta.v1.ObjectMeta? 2=spec:PodSpec?",
    "core.v1.PortStatus": "1=port:int32 2=protocol:string 3=error:*string?",
    "core.v1.PortworxVolumeSource": "1=volumeID:string 2=fsType:string? 3=readOnly:bool?",
    "core.v1.PreferredSchedulingTerm": "1=weight:int32 2=preference:NodeSelectorTerm",
    "core.v1.Probe": (
        "1=...:ProbeHandler 2=initialDelaySeconds:int32? 3=timeoutSeconds:int32? "
        "4=periodSeconds:int32? 5=successThreshold:int32? 6=failureThreshold:int32? "
        "7=terminationGracePeriodSeconds:*int64?"
    ),
    "core.v1.ProbeHandler": (
        "1=exec:*ExecAction? 2=httpGet:*HTTPGetAction? 3=tcpSocket:*TCPSocketAction? "
        "4=grpc:*GRPCAction?"
    ),
    "core.v1.ProjectedVolumeSource": "1=sources:[]VolumeProjection 2=defaultMode:*int32?",
    "core.v1.QuobyteVolumeSource": (
        "1=registry:string 2=volume:string 3=readOnly:bool? 4=user:string? 5=group:string? "
        "6=tenant:string?"
    ),
    "core.v1.RBDVolumeSource": (
        "1=monitors:[]string 2=image:string 3=fsType:string? 4=pool:string? 5=user:string? "
        "6=keyring:string? 7=secretRef:*LocalObjectReference? 8=readOnly:bool?"
    ),
    "core.v1.ResourceClaim": "1=name:string 2=request:string?",
    "core.v1.ResourceFieldSelector": (
        "1=containerName:string? 2=resource:string 3=divisor:Quantity?"
    ),
    "core.v1.ResourceHealth": "1=resourceID:string 2=health:string?",
    "core.v1.ResourceQuota": (
        "1=metadata:meta.v1.ObjectMeta? 2=spec:ResourceQuotaSpec? 3=status:ResourceQuotaStatus?"
    ),
    "core.v1.ResourceQuotaSpec": (
        "1=hard:{}Quantity? 2=scopes:[]string? 3=scopeSelector:*ScopeSelector?"
    ),
    "core.v1.ResourceQuotaStatus": "1=hard:{}Quantity? 2=used:{}Quantity?",
    "core.v1.ResourceRequirements": (
        "1=limits:{}Quantity? 2=requests:{}Quantity? 3=claims:[]ResourceClaim?"
    ),
    "core.v1.ResourceStatus": "1=name:string 2=resources:[]ResourceHealth?",
    "core.v1.SELinuxOptions": "1=user:string? 2=role:string? 3=type:string? 4=level:string?",
    "core.v1.ScaleIOVolumeSource": (
        "1=gateway:string 2=system:string 3=secretRef:*LocalObjectReference 4=sslEnabled:bool? "
        "5=protectionDomain:string? 6=storagePool:string? 7=storageMode:string? "
        "8=volumeName:string? 9=fsType:string? 10=readOnly:bool?"
    ),
    "core.v1.ScopeSelector": "1=matchExpressions:[]ScopedResourceSelectorRequirement?",
    "core.v1.ScopedResourceSelectorRequirement": (
        "1=scopeName:string 2=operator:string 3=values:[]string?"
    ),
    "core.v1.SeccompProfile": "1=type:string 2=localhostProfile:*string?",
    "core.v1.Secret": (
        "1=metadata:meta.v1.ObjectMeta? 2=data:{}bytes? 3=type:string? 4=stringData:{}string? "
        "5=immutable:*bool?"
    ),
    "core.v1.SecretEnvSource": "1=...:LocalObjectReference 2=optional:*bool?",
    "core.v1.SecretKeySelector": "1=...:LocalObjectReference 2=key:string 3=optional:*bool?",
    "core.v1.SecretProjection": "1=...:LocalObjectReference 2=items:[]KeyToPath? 4=optional:*bool?",
    "core.v1.SecretVolumeSource": (
        "1=secretName:string? 2=items:[]KeyToPath? 3=defaultMode:*int32? 4=optional:*bool?"
    ),
    "core.v1.SecurityContext": (
        "1=capabilities:*Capabilities? 2=privileged:*bool? 3=seLinuxOptions:*SELinuxOptions? "
        "4=runAsUser:*int64? 5=runAsNonRoot:*bool? 6=readOnlyRootFilesystem:*bool? "
        "7=allowPrivilegeEscalation:*bool? 8=runAsGroup:*int64? 9=procMount:*string? "
        "10=windowsOptions:*WindowsSecurityContextOptions? 11=seccompProfile:*SeccompProfile? "
        "12=appArmorProfile:*AppArmorProfile?"
    ),
    "core.v1.Service": "1=metadata:meta.v1.ObjectMeta? 2=spec:ServiceSpec? 3=status:ServiceStatus?",
    "core.v1.ServiceAccount": (
        "1=metadata:meta.v1.ObjectMeta? 2=secrets:[]ObjectReference? "
        "3=imagePullSecrets:[]LocalObjectReference? 4=automountServiceAccountToken:*bool?"
    ),
    "core.v1.ServiceAccountTokenProjection": (
        "1=audience:string? 2=expirationSeconds:*int64? 3=path:string"
    ),
    "core.v1.ServicePort": (
        "1=name:string? 2=protocol:string? 3=port:int32 4=targetPort:IntOrString? "
        "5=nodePort:int32? 6=appProtocol:*string?"
    ),
    "core.v1.ServiceSpec": (
        "1=ports:[]ServicePort? 2=selector:{}string? 3=clusterIP:string? 4=type:string? "
        "5=externalIPs:[]string? 7=sessionAffinity:string? 8=loadBalancerIP:string? "
        "9=loadBalancerSourceRanges:[]string? 10=externalName:string? "
        "11=externalTrafficPolicy:string? 12=healthCheckNodePort:int32? "
        "13=publishNotReadyAddresses:bool? 14=sessionAffinityConfig:*SessionAffinityConfig? "
        "17=ipFamilyPolicy:*string? 18=clusterIPs:[]string? 19=ipFamilies:[]string? "
        "20=allocateLoadBalancerNodePorts:*bool? 21=loadBalancerClass:*string? "
        "22=internalTrafficPolicy:*string? 23=trafficDistribution:*string?"
    ),
    "core.v1.ServiceStatus": "1=loadBalancer:LoadBalancerStatus? 2=conditions:[]meta.v1.Condition?",
    "core.v1.SessionAffinityConfig": "1=clientIP:*ClientIPConfig?",
    "core.v1.SleepAction": "1=seconds:int64",
    "core.v1.StorageOSVolumeSource": (
        "1=volumeName:string? 2=volumeNamespace:string? 3=fsType:string? 4=readOnly:bool? "
        "5=secretRef:*LocalObjectReference?"
    ),
    "core.v1.Sysctl": "1=name:string 2=value:string",
    "core.v1.TCPSocketAction": "1=port:IntOrString 2=host:string?",
    "core.v1.Toleration": (
        "1=key:string? 2=operator:string? 3=value:string? 4=effect:string? "
        "5=tolerationSeconds:*int64?"
    ),
    "core.v1.TopologySpreadConstraint": (
        "1=maxSkew:int32 2=topologyKey:string 3=whenUnsatisfiable:string "
        "4=labelSelector:*meta.v1.LabelSelector? 5=minDomains:*int32? "
        "6=nodeAffinityPolicy:*string? 7=nodeTaintsPolicy:*string? 8=matchLabelKeys:[]string?"
    ),
    "core.v1.TypedLocalObjectReference": "1=apiGroup:*string 2=kind:string 3=name:string",
    "core.v1.TypedObjectReference": (
        "1=apiGroup:*string 2=kind:string 3=name:string 4=namespace:*string?"
    ),
    "core.v1.Volume": "1=name:string 2=...:VolumeSource",
    "core.v1.VolumeDevice": "1=name:string 2=devicePath:string",
    "core.v1.VolumeMount": (
        "1=name:string 2=readOnly:bool? 3=mountPath:string 4=subPath:string? "
        "5=mountPropagation:*string? 6=subPathExpr:string? 7=recursiveReadOnly:*string?"
    ),
    "core.v1.VolumeMountStatus": (
        "1=name:string 2=mountPath:string 3=readOnly:bool? 4=recursiveReadOnly:*string?"
    ),
    "core.v1.VolumeProjection": (
        "1=secret:*SecretProjection? 2=downwardAPI:*DownwardAPIProjection? "
        "3=configMap:*ConfigMapProjection? 4=serviceAccountToken:*ServiceAccountTokenProjection? "
        "5=clusterTrustBundle:*ClusterTrustBundleProjection?"
    ),
    "core.v1.VolumeResourceRequirements": "1=limits:{}Quantity? 2=requests:{}Quantity?",
    "core.v1.VolumeSource": (
        "1=hostPath:*HostPathVolumeSource? 2=emptyDir:*EmptyDirVolumeSource? "
        "3=gcePersistentDisk:*GCEPersistentDiskVolumeSource? "
        "4=awsElasticBlockStore:*AWSElasticBlockStoreVolumeSource? 5=gitRepo:*GitRepoVolumeSource? "
        "6=secret:*SecretVolumeSource? 7=nfs:*NFSVolumeSource? 8=iscsi:*ISCSIVolumeSource? "
        "9=glusterfs:*GlusterfsVolumeSource? "
        "10=persistentVolumeClaim:*PersistentVolumeClaimVolumeSource? 11=rbd:*RBDVolumeSource? "
        "12=flexVolume:*FlexVolumeSource? 13=cinder:*CinderVolumeSource? "
        "14=cephfs:*CephFSVolumeSource? 15=flocker:*FlockerVolumeSource? "
        "16=downwardAPI:*DownwardAPIVolumeSource? 17=fc:*FCVolumeSource? "
        "18=azureFile:*AzureFileVolumeSource? 19=configMap:*ConfigMapVolumeSource? "
        "20=vsphereVolume:*VsphereVirtualDiskVolumeSource? 21=quobyte:*QuobyteVolumeSource? "
        "22=azureDisk:*AzureDiskVolumeSource? "
        "23=photonPersistentDisk:*PhotonPersistentDiskVolumeSource? "
        "24=portworxVolume:*PortworxVolumeSource? 25=scaleIO:*ScaleIOVolumeSource? "
        "26=projected:*ProjectedVolumeSource? 27=storageos:*StorageOSVolumeSource? "
        "28=csi:*CSIVolumeSource? 29=ephemeral:*EphemeralVolumeSource? "
        "30=image:*ImageVolumeSource?"
    ),
    "core.v1.VsphereVirtualDiskVolumeSource": (
        "1=volumePath:string 2=fsType:string? 3=storagePolicyName:string? 4=storagePolicyID:string?"
    ),
    "core.v1.WeightedPodAffinityTerm": "1=weight:int32 2=podAffinityTerm:PodAffinityTerm",
    "core.v1.WindowsSecurityContextOptions": (
        "1=gmsaCredentialSpecName:*string? 2=gmsaCredentialSpec:*string? 3=runAsUserName:*string? "
        "4=hostProcess:*bool?"
    ),
    "meta.v1.Condition": (
        "1=type:string 2=status:string 3=observedGeneration:int64? 4=lastTransitionTime:Time "
        "5=reason:string 6=message:string"
    ),
    "meta.v1.DeleteOptions": (
        "1=gracePeriodSeconds:*int64? 2=preconditions:*Preconditions? 3=orphanDependents:*bool? "
        "4=propagationPolicy:*string? 5=dryRun:[]string? "
        "6=ignoreStoreReadErrorWithClusterBreakingPotential:*bool?"
    ),
    "meta.v1.FieldSelectorRequirement": "1=key:string 2=operator:string 3=values:[]string?",
    "meta.v1.LabelSelector": (
        "1=matchLabels:{}string? 2=matchExpressions:[]LabelSelectorRequirement?"
    ),
    "meta.v1.LabelSelectorRequirement": "1=key:string 2=operator:string 3=values:[]string?",
    "meta.v1.ManagedFieldsEntry": (
        "1=manager:string? 2=operation:string? 3=apiVersion:string? 4=time:*Time? "
        "6=fieldsType:string? 7=fieldsV1:*FieldsV1? 8=subresource:string?"
    ),
    "meta.v1.ObjectMeta": (
        "1=name:string? 2=generateName:string? 3=namespace:string? 4=selfLink:string? "
        "5=uid:string? 6=resourceVersion:string? 7=generation:int64? 8=creationTimestamp:Time? "
        "9=deletionTimestamp:*Time? 10=deletionGracePeriodSeconds:*int64? 11=labels:{}string? "
        "12=annotations:{}string? 13=ownerReferences:[]OwnerReference? 14=finalizers:[]string? "
        "17=managedFields:[]ManagedFieldsEntry?"
    ),
    "meta.v1.OwnerReference": (
        "1=kind:string 3=name:string 4=uid:string 5=apiVersion:string 6=controller:*bool? "
        "7=blockOwnerDeletion:*bool?"
    ),
    "meta.v1.Preconditions": "1=uid:*string? 2=resourceVersion:*string?",
    "networking.v1.HTTPIngressPath": "1=path:string? 2=backend:IngressBackend 3=pathType:*string",
    "networking.v1.HTTPIngressRuleValue": "1=paths:[]HTTPIngressPath",
    "networking.v1.Ingress": (
        "1=metadata:meta.v1.ObjectMeta? 2=spec:IngressSpec? 3=status:IngressStatus?"
    ),
    "networking.v1.IngressBackend": (
        "3=resource:*core.v1.TypedLocalObjectReference? 4=service:*IngressServiceBackend?"
    ),
    "networking.v1.IngressLoadBalancerIngress": (
        "1=ip:string? 2=hostname:string? 4=ports:[]IngressPortStatus?"
    ),
    "networking.v1.IngressLoadBalancerStatus": "1=ingress:[]IngressLoadBalancerIngress?",
    "networking.v1.IngressPortStatus": "1=port:int32 2=protocol:string 3=error:*string?",
    "networking.v1.IngressRule": "1=host:string? 2=...:IngressRuleValue",
    "networking.v1.IngressRuleValue": "1=http:*HTTPIngressRuleValue?",
    "networking.v1.IngressServiceBackend": "1=name:string 2=port:ServiceBackendPort?",
    "networking.v1.IngressSpec": (
        "1=defaultBackend:*IngressBackend? 2=tls:[]IngressTLS? 3=rules:[]IngressRule? "
        "4=ingressClassName:*string?"
    ),
    "networking.v1.IngressStatus": "1=loadBalancer:IngressLoadBalancerStatus?",
    "networking.v1.IngressTLS": "1=hosts:[]string? 2=secretName:string?",
    "networking.v1.ServiceBackendPort": "1=name:string? 2=number:int32?",
    "policy.v1.Eviction": "1=metadata:meta.v1.ObjectMeta? 2=deleteOptions:*meta.v1.DeleteOptions?",
    "policy.v1.PodDisruptionBudget": (
        "1=metadata:meta.v1.ObjectMeta? 2=spec:PodDisruptionBudgetSpec? "
        "3=status:PodDisruptionBudgetStatus?"
    ),
    "policy.v1.PodDisruptionBudgetSpec": (
        "1=minAvailable:*IntOrString? 2=selector:*meta.v1.LabelSelector? "
        "3=maxUnavailable:*IntOrString? 4=unhealthyPodEvictionPolicy:*string?"
    ),
    "policy.v1.PodDisruptionBudgetStatus": (
        "1=observedGeneration:int64? 2=disruptedPods:{}Time? 3=disruptionsAllowed:int32 "
        "4=currentHealthy:int32 5=desiredHealthy:int32 6=expectedPods:int32 "
        "7=conditions:[]meta.v1.Condition?"
    ),
    "rbac.v1.AggregationRule": "1=clusterRoleSelectors:[]meta.v1.LabelSelector?",
    "rbac.v1.ClusterRole": (
        "1=metadata:meta.v1.ObjectMeta? 2=rules:[]PolicyRule 3=aggregationRule:*AggregationRule?"
    ),
    "rbac.v1.ClusterRoleBinding": (
        "1=metadata:meta.v1.ObjectMeta? 2=subjects:[]Subject? 3=roleRef:RoleRef"
    ),
    "rbac.v1.PolicyRule": (
        "1=verbs:[]string 2=apiGroups:[]string? 3=resources:[]string? 4=resourceNames:[]string? "
        "5=nonResourceURLs:[]string?"
    ),
    "rbac.v1.Role": "1=metadata:meta.v1.ObjectMeta? 2=rules:[]PolicyRule",
    "rbac.v1.RoleBinding": "1=metadata:meta.v1.ObjectMeta? 2=subjects:[]Subject? 3=roleRef:RoleRef",
    "rbac.v1.RoleRef": "1=apiGroup:string 2=kind:string 3=name:string",
    "rbac.v1.Subject": "1=kind:string 2=apiGroup:string? 3=name:string 4=namespace:string?",
    "scheduling.v1.PriorityClass": (
        "1=metadata:meta.v1.ObjectMeta? 2=value:int32 3=globalDefault:bool? 4=description:string? "
        "5=preemptionPolicy:*string?"
    ),
}

_SCHEMA: Final = _parse_schema(_MESSAGES)
_KINDS: Final[dict[tuple[str, str], str]] = {
    (_GROUP_VERSIONS[name.rpartition(".")[0]], name.rpartition(".")[2]): name for name in _TOP_LEVEL
} | {
    # kubectl auth whoami falls back to these when v1 is not served; their messages are v1's
    ("authentication.k8s.io/v1beta1", "SelfSubjectReview"): "authentication.v1.SelfSubjectReview",
    ("authentication.k8s.io/v1alpha1", "SelfSubjectReview"): "authentication.v1.SelfSubjectReview",
}
