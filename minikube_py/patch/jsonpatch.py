"""RFC 6902 JSON Patch, applied exactly as kube-apiserver v1.32 applies it.

This module owns `application/json-patch+json`: turning a decoded patch document and a decoded
object into the patched object, or into the `PatchError` the apiserver would answer with.

Why it is not a plain RFC 6902 implementation
---------------------------------------------
kube-apiserver v1.32 (k8s.io/apiserver v0.32, `pkg/endpoints/handlers/patch.go`,
`jsonPatcher.applyJSPatch`) hands the patch to `gopkg.in/evanphx/json-patch.v4` at v4.12.0
(`patch.go`, `errors.go` in github.com/evanphx/json-patch, tag v4.12.0). That library is lenient
and quirky where the RFC is strict, and clients can tell the difference, so we follow it:

- `add` and `replace` without a `value` write `null` (RFC: error).
- `replace` of a missing object member adds it; only array indices must already exist.
- `copy` from a missing object member copies `null` (RFC: error); `move` from one fails, because
  the source is removed first.
- `add` at the root path `""` fails ("doc is missing path"); only `replace` may swap the whole
  document, and only for an object or an array: a scalar or null value is silently ignored.
- `test` on a missing object member passes when `value` is null.
- `move` removes the source before resolving the destination, so moving a value into its own
  child fails ("doc is missing destination path").
- Array indices are parsed with Go's `strconv.Atoi`: leading zeros (`/01`) and a sign (`/+1`)
  are accepted, and negative indices count from the end (`SupportNegativeIndices` defaults to
  true; for `add`, `-1` means "append").
- A path that does not start with `/` has its first segment ignored (`a/b` acts as `/b`); a path
  without any `/` (including `""` outside `replace`/`test`) names no location.
- `~1` and `~0` are unescaped in one pass, as RFC 6901 says; other `~` sequences are kept.
- `test` compares objects and arrays structurally, but scalars by their JSON *text*: the stored
  object's text is Go's canonical encoding, the patch's is what the client sent. We only see
  decoded values, so we model the text: strings and booleans compare by value (assuming the
  client encodes canonically, as kubectl does), and a number written with a fraction or exponent
  (a Python float) never equals an integral stored number, because Go writes those as bare
  digits. So `1` tests equal to a stored `1` or `1.0`, `1.0` tests equal to neither, `2.5` to a
  stored `2.5`; `true` never equals `1`, nor `"1"` equal `1`.
- Where v4.12.0 dereferences nil the apiserver panics and its panic filter answers a plain-text
  500: `test` without `value` on a null or missing member, `test` or `replace` of the root without
  `value`, and `test` comparing arrays that hold null. We raise a 500 `PatchError` there with
  `panicked=True`.
- Not modelled: upstream, a null written by an earlier operation of the same patch is a different
  thing from a stored null. Walking a path through it panics (we answer the ordinary 422 "doc is
  missing path"), and `test` without `value` on it fails with 422 (we answer the 500 a stored null
  gets). The copy-size limit likewise measures every value as Go encodes the stored object, where
  upstream measures values written by the patch in the client's own number formatting.

Status codes (patch.go `applyJSPatch`, apimachinery `pkg/api/errors/errors.go`)
-------------------------------------------------------------------------------
- 400 BadRequest: the body does not decode as a patch. With `fieldValidation` Strict or Warn
  (Warn is the default, `handlers/rest.go fieldValidation`) the apiserver first decodes it
  strictly into `[]jsonPatchOp{op, path, from string; value any}` via sigs.k8s.io/json, so a
  non-list, a non-object operation, or a non-string `op`/`path`/`from` is
  `error decoding patch: json: cannot unmarshal ...`. Without it, `jsonpatch.DecodePatch` still
  rejects a non-list and non-object operations. A JSON `null` body decodes to an empty patch.
- 413 RequestEntityTooLarge: more than `maxJSONPatchOperations` (10000) operations.
- 422 Invalid: anything `Patch.Apply` rejects: unknown or missing `op` (`Unexpected kind: ...`),
  missing `path`/`from`, unresolvable paths, bad indices, failed `test`s, and copies whose
  accumulated size passes `AccumulatedCopySizeLimit` (set from the server's
  `JSONPatchMaxCopyBytes`, 3 MiB by default, `pkg/server/config.go`). The apiserver builds these
  with `NewGenericServerResponse`, which discards the json-patch message: clients see only
  "the server rejected our request due to an error in our request" (`PatchError.status_message`).
- 500: the nil-dereference panics above (plain text body).

Unknown members of an operation (`"spurious": 1`) do not fail the patch here; with fieldValidation
Strict or Warn the apiserver reports them as strict-decoding errors or warnings alongside those of
the patched object. `json_patch_strict_errors` lists them for the handler, worded as upstream.

Copying: the document is cloned once up front (see `_values.clone`) and then edited in place, and
every value taken from the patch is cloned on insertion, so the result shares no container with
either input and a failing patch leaves no trace.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from minikube_py.patch._values import JSONValue, clone, go_json_size, go_kind, go_quote
from minikube_py.patch.errors import PatchError

MAX_JSON_PATCH_OPERATIONS: Final = 10000
DEFAULT_JSON_PATCH_MAX_COPY_BYTES: Final = 3 * 1024 * 1024

_OPERATION_FIELDS: Final = frozenset({"op", "path", "from", "value"})
_STRING_FIELDS: Final = ("op", "path", "from")
_MAX_STRICT_ERRORS: Final = 100
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_GO_FLOAT_DIGITS_LIMIT: Final = 1e21
_ATOI_SYNTAX = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True, slots=True)
class JSONPatchLimits:
    """The apiserver's limits on one JSON patch.

    `max_operations` is patch.go's `maxJSONPatchOperations`; `max_copy_bytes` is the server's
    `JSONPatchMaxCopyBytes`, which becomes json-patch's `AccumulatedCopySizeLimit` (0 disables).
    """

    max_operations: int = MAX_JSON_PATCH_OPERATIONS
    max_copy_bytes: int = DEFAULT_JSON_PATCH_MAX_COPY_BYTES


DEFAULT_JSON_PATCH_LIMITS: Final = JSONPatchLimits()


def apply_json_patch(
    doc: JSONValue,
    patch: object,
    *,
    strict_decoding: bool = True,
    limits: JSONPatchLimits = DEFAULT_JSON_PATCH_LIMITS,
) -> JSONValue:
    """Apply the RFC 6902 `patch` to `doc` as kube-apiserver v1.32 does; neither is modified.

    `strict_decoding` is true when the request's fieldValidation is Strict or Warn (the server
    default); it adds the apiserver's typed pre-decode of the patch body. Raises `PatchError`.
    """
    if strict_decoding:
        _strict_predecode(patch)
    operations = _decode_patch(patch)
    if len(operations) > limits.max_operations:
        raise PatchError.too_large(
            f"The allowed maximum operations in a JSON patch is {limits.max_operations}, "
            f"got {len(operations)}"
        )
    if not isinstance(doc, dict | list):
        raise PatchError.unprocessable(
            f"json: cannot unmarshal {go_kind(doc)} into Go value of type jsonpatch.partialDoc"
        )
    document = _Document(clone(doc), limits.max_copy_bytes)
    try:
        for operation in operations:
            kind = _kind(operation)
            apply_operation = _OPERATIONS.get(kind)
            if apply_operation is None:
                raise _GoError(f"Unexpected kind: {kind}")
            apply_operation(document, operation)
    except _GoError as err:
        raise PatchError.unprocessable(err.message) from None
    except _NilDereference as err:
        raise PatchError.server_panic(str(err)) from None
    return document.root


def json_patch_strict_errors(patch: object) -> list[str]:
    """The strict-decoding complaints the apiserver raises about unknown operation members.

    Worded as patch.go wraps sigs.k8s.io/json's errors (`json patch unknown field "[0].x"`); the
    handler turns them into warnings (Warn) or a 422 Invalid (Strict). Duplicate members cannot
    be seen once the body is decoded into dicts, so they are not reported here.
    """
    if not isinstance(patch, list | tuple):
        return []
    errors: list[str] = []
    for index, operation in enumerate(patch):
        if not isinstance(operation, dict):
            continue
        for field in operation:
            if field not in _OPERATION_FIELDS:
                errors.append(f"json patch unknown field {go_quote(f'[{index}].{field}')}")
                if len(errors) == _MAX_STRICT_ERRORS:
                    return errors
    return errors


class _GoError(Exception):
    """A json-patch error: a message that each caller wraps with its context, as pkg/errors."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def wrap(self, context: str) -> _GoError:
        return _GoError(f"{context}: {self.message}")


class _NilDereference(Exception):
    """Where json-patch v4.12.0 dereferences nil and the apiserver panics."""


@dataclass(slots=True)
class _Document:
    root: dict[str, Any] | list[Any]
    max_copy_bytes: int
    copied_bytes: int = 0


# --- decoding the patch body ---------------------------------------------------------------


def _strict_predecode(patch: object) -> None:
    """patch.go's `kjson.UnmarshalStrict(patchBytes, &[]jsonPatchOp{})`: type errors are 400s."""
    if patch is None:
        return
    if not isinstance(patch, list | tuple):
        raise _decode_error(
            f"json: cannot unmarshal {go_kind(patch)} into Go value of type []handlers.jsonPatchOp"
        )
    for operation in patch:
        if operation is None:
            continue
        if not isinstance(operation, dict):
            raise _decode_error(
                f"json: cannot unmarshal {go_kind(operation)} into Go value of type "
                "handlers.jsonPatchOp"
            )
        for field, value in operation.items():
            if field in _STRING_FIELDS and value is not None and not isinstance(value, str):
                raise _decode_error(
                    f"json: cannot unmarshal {go_kind(value)} into Go struct field "
                    f"jsonPatchOp.{field} of type string"
                )


def _decode_error(message: str) -> PatchError:
    return PatchError.bad_request(f"error decoding patch: {message}")


def _decode_patch(patch: object) -> list[Any]:
    """json-patch's `DecodePatch`: a list of objects (or nulls); `null` is the empty patch."""
    if patch is None:
        return []
    if not isinstance(patch, list | tuple):
        raise PatchError.bad_request(
            f"json: cannot unmarshal {go_kind(patch)} into Go value of type jsonpatch.Patch"
        )
    for operation in patch:
        if operation is not None and not isinstance(operation, dict):
            raise PatchError.bad_request(
                f"json: cannot unmarshal {go_kind(operation)} into Go value of type "
                "jsonpatch.Operation"
            )
    return list(patch)


def _kind(operation: dict[str, Any] | None) -> str:
    """`Operation.Kind`: the `op` member, or "unknown" when it is absent, null or not a string."""
    if operation is None:
        return "unknown"
    kind = operation.get("op")
    return kind if isinstance(kind, str) else "unknown"


def _string_member(operation: dict[str, Any], field: str, missing: str) -> str:
    """`Operation.Path`/`From`: the member as a string, or the error json-patch reports."""
    value = operation.get(field)
    if value is None:
        raise _GoError(f"{missing}: missing value")
    if not isinstance(value, str):
        raise _GoError(f"json: cannot unmarshal {go_kind(value)} into Go value of type string")
    return value


def _path(operation: dict[str, Any]) -> str:
    return _string_member(operation, "path", "operation missing path field")


def _from(operation: dict[str, Any]) -> str:
    return _string_member(operation, "from", "operation, missing from field")


# --- JSON pointers and containers ------------------------------------------------------------


def _unescape(token: str) -> str:
    if "~" not in token:
        return token
    return token.replace("~1", "/").replace("~0", "~")


def _atoi(text: str) -> int:
    """Go's `strconv.Atoi`, with its error messages."""
    if not _ATOI_SYNTAX.fullmatch(text):
        raise _GoError(f"strconv.Atoi: parsing {go_quote(text)}: invalid syntax")
    number = int(text)
    if number < _INT64_MIN or number > _INT64_MAX:
        raise _GoError(f"strconv.Atoi: parsing {go_quote(text)}: value out of range")
    return number


def _invalid_index(index: int) -> _GoError:
    return _GoError(f"Unable to access invalid index: {index}: invalid index referenced")


def _existing_index(items: list[Any], key: str) -> int:
    """An index that must name an element; negative ones count from the end."""
    index = _atoi(key)
    size = len(items)
    if index < 0:
        if index < -size:
            raise _invalid_index(index)
        index += size
    if index >= size:
        raise _invalid_index(index)
    return index


def _find_container(root: dict[str, Any] | list[Any], path: str) -> tuple[Any, str] | None:
    """json-patch's `findObject`: the container holding `path`'s last token, and that token.

    The first segment is skipped whatever it says, and every intermediate token must name an
    existing object or array; null, scalars and bad indices all mean "missing".
    """
    tokens = path.split("/")
    if len(tokens) < 2:
        return None
    container: Any = root
    for token in tokens[1:-1]:
        key = _unescape(token)
        if type(container) is dict:
            child = container.get(key)
        else:
            try:
                child = container[_existing_index(container, key)]
            except _GoError:
                return None
        if type(child) is not dict and type(child) is not list:
            return None
        container = child
    return container, _unescape(tokens[-1])


def _get(container: Any, key: str) -> Any:
    """A member (None when missing: json-patch cannot tell missing from null) or an element."""
    if type(container) is dict:
        return container.get(key)
    return container[_existing_index(container, key)]


def _add(container: Any, key: str, value: Any) -> None:
    if type(container) is dict:
        container[key] = value
        return
    if key == "-":
        container.append(value)
        return
    try:
        index = _atoi(key)
    except _GoError as err:
        raise err.wrap(f"value was not a proper array index: '{key}'") from None
    size = len(container) + 1
    if index >= size or index < -size:
        raise _invalid_index(index)
    if index < 0:
        index += size
    container.insert(index, value)


def _remove(container: Any, key: str) -> None:
    if type(container) is dict:
        if key not in container:
            raise _GoError(f"Unable to remove nonexistent key: {key}: missing value")
        del container[key]
        return
    del container[_existing_index(container, key)]


# --- operations -------------------------------------------------------------------------------


def _apply_add(document: _Document, operation: dict[str, Any]) -> None:
    try:
        path = _path(operation)
    except _GoError:
        raise _GoError("add operation failed to decode path: missing value") from None
    found = _find_container(document.root, path)
    if found is None:
        raise _GoError(
            f'add operation does not apply: doc is missing path: "{path}": missing value'
        )
    container, key = found
    try:
        _add(container, key, clone(operation.get("value")))
    except _GoError as err:
        raise err.wrap(f"error in add for path: '{path}'") from None


def _apply_remove(document: _Document, operation: dict[str, Any]) -> None:
    try:
        path = _path(operation)
    except _GoError:
        raise _GoError("remove operation failed to decode path: missing value") from None
    found = _find_container(document.root, path)
    if found is None:
        raise _GoError(
            f'remove operation does not apply: doc is missing path: "{path}": missing value'
        )
    container, key = found
    try:
        _remove(container, key)
    except _GoError as err:
        raise err.wrap(f"error in remove for path: '{path}'") from None


def _apply_replace(document: _Document, operation: dict[str, Any]) -> None:
    try:
        path = _path(operation)
    except _GoError as err:
        raise err.wrap("replace operation failed to decode path") from None
    if path == "":
        if "value" not in operation:
            raise _NilDereference("replace of the whole document without a value")
        value = clone(operation["value"])
        # Upstream wraps a nil error for scalars and null, which yields no error at all.
        if type(value) is dict or type(value) is list:
            document.root = value
        return
    found = _find_container(document.root, path)
    if found is None:
        raise _GoError(
            f"replace operation does not apply: doc is missing path: {path}: missing value"
        )
    container, key = found
    value = clone(operation.get("value"))
    if type(container) is dict:
        container[key] = value
        return
    try:
        index = _existing_index(container, key)
    except _GoError:
        raise _GoError(
            f"replace operation does not apply: doc is missing key: {path}: missing value"
        ) from None
    container[index] = value


def _apply_move(document: _Document, operation: dict[str, Any]) -> None:
    try:
        source = _from(operation)
    except _GoError as err:
        raise err.wrap("move operation failed to decode from") from None
    found = _find_container(document.root, source)
    if found is None:
        raise _GoError(
            f"move operation does not apply: doc is missing from path: {source}: missing value"
        )
    container, key = found
    try:
        value = _get(container, key)
        _remove(container, key)
    except _GoError as err:
        raise err.wrap(f"error in move for path: '{key}'") from None
    try:
        path = _path(operation)
    except _GoError as err:
        raise err.wrap("move operation failed to decode path") from None
    found = _find_container(document.root, path)
    if found is None:
        raise _GoError(
            f"move operation does not apply: doc is missing destination path: {path}: missing value"
        )
    container, key = found
    try:
        _add(container, key, value)
    except _GoError as err:
        raise err.wrap(f"error in move for path: '{path}'") from None


def _apply_copy(document: _Document, operation: dict[str, Any]) -> None:
    try:
        source = _from(operation)
    except _GoError as err:
        raise err.wrap("copy operation failed to decode from") from None
    found = _find_container(document.root, source)
    if found is None:
        raise _GoError(
            f"copy operation does not apply: doc is missing from path: {source}: missing value"
        )
    container, key = found
    try:
        value = _get(container, key)
    except _GoError as err:
        raise err.wrap(f"error in copy for from: '{source}'") from None
    try:
        path = _path(operation)
    except _GoError:
        raise _GoError("copy operation failed to decode path: missing value") from None
    found = _find_container(document.root, path)
    if found is None:
        raise _GoError(
            f"copy operation does not apply: doc is missing destination path: {path}: missing value"
        )
    container, key = found
    if document.max_copy_bytes > 0 and value is not None:
        document.copied_bytes += go_json_size(value)
        if document.copied_bytes > document.max_copy_bytes:
            raise _GoError(
                "Unable to complete the copy, the accumulated size increase of copy is "
                f"{document.copied_bytes}, exceeding the limit {document.max_copy_bytes}"
            )
    try:
        _add(container, key, clone(value))
    except _GoError as err:
        raise err.wrap("error while adding value during copy") from None


def _apply_test(document: _Document, operation: dict[str, Any]) -> None:
    try:
        path = _path(operation)
    except _GoError as err:
        raise err.wrap("test operation failed to decode path") from None
    has_value = "value" in operation
    expected = operation.get("value")
    if path == "":
        if not has_value:
            raise _NilDereference("test of the whole document without a value")
        if _go_equal(document.root, expected):
            return
        raise _GoError(f"testing value {path} failed: test failed")
    found = _find_container(document.root, path)
    if found is None:
        raise _GoError(f"test operation does not apply: is missing path: {path}: missing value")
    container, key = found
    try:
        current = _get(container, key)
    except _GoError as err:
        raise err.wrap(f"error in test for path: '{path}'") from None
    if current is None:
        if not has_value:
            raise _NilDereference(f"test of null or missing {path} without a value")
        if expected is None:
            return
    elif has_value and _go_equal(current, expected):
        return
    raise _GoError(f"testing value {path} failed: test failed")


_OPERATIONS: Final[dict[str, Callable[[_Document, dict[str, Any]], None]]] = {
    "add": _apply_add,
    "remove": _apply_remove,
    "replace": _apply_replace,
    "move": _apply_move,
    "test": _apply_test,
    "copy": _apply_copy,
}


# --- equality as json-patch's lazyNode.equal --------------------------------------------------


def _go_equal(current: Any, expected: Any) -> bool:
    """`lazyNode.equal` with the stored value on the left; neither side is None at the top."""
    if type(current) is dict:
        if not isinstance(expected, dict) or len(current) != len(expected):
            return False
        for key, item in current.items():
            if key not in expected:
                return False
            other = expected[key]
            if item is None or other is None:
                if item is None and other is None:
                    continue
                return False
            if not _go_equal(item, other):
                return False
        return True
    if type(current) is list:
        if not isinstance(expected, list) or len(current) != len(expected):
            return False
        for item, other in zip(current, expected, strict=True):
            if item is None or other is None:
                raise _NilDereference("test compared arrays holding null")
            if not _go_equal(item, other):
                return False
        return True
    return _go_scalar_equal(current, expected)


def _go_scalar_equal(current: Any, expected: Any) -> bool:
    """Scalars compare by JSON text; see the module docstring for how we model that text."""
    if isinstance(current, bool) or isinstance(expected, bool):
        return type(current) is type(expected) and current == expected
    if isinstance(current, str):
        return isinstance(expected, str) and current == expected
    if not isinstance(current, int | float) or not isinstance(expected, int | float):
        return False
    if _go_writes_digits_only(current) != isinstance(expected, int):
        return False
    return current == expected


def _go_writes_digits_only(number: float) -> bool:
    """Whether Go encodes this stored number as bare digits (no fraction, no exponent)."""
    if isinstance(number, int):
        return True
    return number.is_integer() and abs(number) < _GO_FLOAT_DIGITS_LIMIT
