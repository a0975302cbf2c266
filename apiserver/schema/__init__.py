"""The built-in kinds' schemas and what decoding a request body against them means.

:mod:`~apiserver.schema.definitions` loads the v1.32 OpenAPI definitions once and indexes them by
kind; :mod:`~apiserver.schema.decoding` replays Go's typed decoding over a schema (type errors,
unknown and duplicate fields, the pruned object); :mod:`~apiserver.schema.validation` applies a
request's ``fieldValidation`` and words the outcome per verb as kube-apiserver does;
:mod:`~apiserver.schema.golang` holds the Go library behaviours some of those errors come from.
"""

from apiserver.schema.decoding import (
    Checked,
    StrictError,
    check_object,
    find_duplicate_fields,
    prune_unknown,
)
from apiserver.schema.definitions import (
    SERVED_GROUP_VERSIONS,
    GroupVersionKind,
    all_definitions,
    definition_name,
    definition_node,
    known_gvks,
    load_seconds,
    type_node,
)
from apiserver.schema.validation import (
    DecodeResult,
    FieldValidation,
    check_patched,
    decode_check,
    json_patch_strict_errors,
    required_fields,
    strict_decoding_error,
    validate_field_validation,
)

__all__ = [
    "SERVED_GROUP_VERSIONS",
    "Checked",
    "DecodeResult",
    "FieldValidation",
    "GroupVersionKind",
    "StrictError",
    "all_definitions",
    "check_object",
    "check_patched",
    "decode_check",
    "definition_name",
    "definition_node",
    "find_duplicate_fields",
    "json_patch_strict_errors",
    "known_gvks",
    "load_seconds",
    "prune_unknown",
    "required_fields",
    "strict_decoding_error",
    "type_node",
    "validate_field_validation",
]
