"""Kubernetes label and field selectors, parsed, matched and printed as apimachinery v0.32 does.

``labels`` owns the label-selector grammar, ``metav1.LabelSelector`` conversion and validation,
and label key/value syntax; ``fields`` owns the field-selector grammar and the "not a known
field selector" check. Both raise ``SelectorParseError`` (a ``ValueError``) carrying upstream's
message, which the API layer renders once as a ``400 BadRequest`` Status.
"""

from minikube_py.selectors.fields import (
    DEFAULT_SELECTABLE_FIELDS,
    FieldRequirement,
    FieldSelector,
    check_selectable_fields,
    escape_value,
    parse_field_selector,
    unescape_value,
    unsupported_field_message,
)
from minikube_py.selectors.labels import (
    FieldError,
    FieldErrorType,
    LabelSelector,
    Operator,
    Requirement,
    SelectorParseError,
    from_label_selector,
    is_qualified_name,
    is_valid_label_value,
    new_requirement,
    parse_label_selector,
    selector_from_set,
    validate_label_selector,
    validate_labels,
)

__all__ = [
    "DEFAULT_SELECTABLE_FIELDS",
    "FieldError",
    "FieldErrorType",
    "FieldRequirement",
    "FieldSelector",
    "LabelSelector",
    "Operator",
    "Requirement",
    "SelectorParseError",
    "check_selectable_fields",
    "escape_value",
    "from_label_selector",
    "is_qualified_name",
    "is_valid_label_value",
    "new_requirement",
    "parse_field_selector",
    "parse_label_selector",
    "selector_from_set",
    "unescape_value",
    "unsupported_field_message",
    "validate_label_selector",
    "validate_labels",
]
