"""The built-in kinds' schemas and what decoding a request body against them means.

:mod:`~apiserver.schema.definitions` loads the v1.32 OpenAPI definitions once and indexes them by
kind; :mod:`~apiserver.schema.validation` decodes a body as kube-apiserver does (unknown and
duplicate fields, Go type errors, pruning, ``fieldValidation``); :mod:`~apiserver.schema.golang`
holds the Go library behaviours those errors come from.
"""

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
    Checked,
    DecodeResult,
    FieldValidation,
    StrictError,
    check_object,
    check_patched,
    decode_check,
    find_duplicate_fields,
    json_patch_strict_errors,
    prune_unknown,
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
