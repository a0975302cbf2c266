"""Name syntax: DNS labels and subdomains, qualified names, label values -- with upstream's words.

``k8s.io/apimachinery/pkg/util/validation/validation.go``: each ``is_*`` function returns the list
of reasons a string is not valid (empty when it is), worded exactly as upstream, because these
messages reach users inside ``Invalid`` errors ("a lowercase RFC 1123 subdomain must consist of
..."). Lengths are counted in UTF-8 bytes, as Go's ``len`` does, and patterns must match the
whole string, as Go's anchored regexps do.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

_QUALIFIED_NAME_FMT: Final = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QUALIFIED_NAME_ERR: Final = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_QUALIFIED_NAME_MAX_LENGTH: Final = 63
_LABEL_VALUE_FMT: Final = f"({_QUALIFIED_NAME_FMT})?"
_LABEL_VALUE_ERR: Final = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character"
)
_LABEL_VALUE_MAX_LENGTH: Final = 63
_DNS1123_LABEL_FMT: Final = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT: Final = f"{_DNS1123_LABEL_FMT}(\\.{_DNS1123_LABEL_FMT})*"
_DNS1123_SUBDOMAIN_ERR: Final = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_MAX_LENGTH: Final = 253

# Go's RE2 "^...$" anchors at the ends of the text only; fullmatch is the faithful equivalent.
_QUALIFIED_NAME_RE: Final = re.compile(_QUALIFIED_NAME_FMT)
_LABEL_VALUE_RE: Final = re.compile(_LABEL_VALUE_FMT)
_DNS1123_SUBDOMAIN_RE: Final = re.compile(_DNS1123_SUBDOMAIN_FMT)


def _regex_error(message: str, fmt: str, *examples: str) -> str:
    """``validation.RegexError`` (the doubled space before "or" is upstream's)."""
    if not examples:
        return f"{message} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{fmt}')"


def _max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def _byte_len(s: str) -> int:
    """Go's ``len(string)`` counts UTF-8 bytes."""
    return len(s) if s.isascii() else len(s.encode("utf-8", "surrogatepass"))


def _dns1123_subdomain_errors(value: str) -> list[str]:
    errors = []
    if _byte_len(value) > _DNS1123_SUBDOMAIN_MAX_LENGTH:
        errors.append(_max_len_error(_DNS1123_SUBDOMAIN_MAX_LENGTH))
    if _DNS1123_SUBDOMAIN_RE.fullmatch(value) is None:
        errors.append(_regex_error(_DNS1123_SUBDOMAIN_ERR, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errors


def _is_qualified_name_uncached(value: str) -> list[str]:
    """``validation.IsQualifiedName``: the messages why ``value`` is not a label key, or ``[]``."""
    parts = value.split("/")
    errors: list[str] = []
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors.extend("prefix part " + msg for msg in _dns1123_subdomain_errors(prefix))
    else:
        return [
            "a qualified name "
            + _regex_error(_QUALIFIED_NAME_ERR, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errors.append("name part must be non-empty")
    elif _byte_len(name) > _QUALIFIED_NAME_MAX_LENGTH:
        errors.append("name part " + _max_len_error(_QUALIFIED_NAME_MAX_LENGTH))
    if _QUALIFIED_NAME_RE.fullmatch(name) is None:
        errors.append(
            "name part "
            + _regex_error(_QUALIFIED_NAME_ERR, _QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errors


def _is_valid_label_value_uncached(value: str) -> list[str]:
    """``validation.IsValidLabelValue``: the messages why ``value`` is not a label value."""
    errors = []
    if _byte_len(value) > _LABEL_VALUE_MAX_LENGTH:
        errors.append(_max_len_error(_LABEL_VALUE_MAX_LENGTH))
    if _LABEL_VALUE_RE.fullmatch(value) is None:
        errors.append(
            _regex_error(_LABEL_VALUE_ERR, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345")
        )
    return errors


_DNS1123_LABEL_ERR: Final = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character"
)
_DNS1123_LABEL_MAX_LENGTH: Final = 63
_DNS1123_LABEL_RE: Final = re.compile(_DNS1123_LABEL_FMT)
_DNS1035_LABEL_FMT: Final = "[a-z]([-a-z0-9]*[a-z0-9])?"
_DNS1035_LABEL_ERR: Final = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character"
)
_DNS1035_LABEL_RE: Final = re.compile(_DNS1035_LABEL_FMT)


def _is_dns1123_subdomain_uncached(value: str) -> list[str]:
    """``validation.IsDNS1123Subdomain``."""
    return _dns1123_subdomain_errors(value)


def _is_dns1123_label_uncached(value: str) -> list[str]:
    """``validation.IsDNS1123Label``."""
    errors = []
    if _byte_len(value) > _DNS1123_LABEL_MAX_LENGTH:
        errors.append(_max_len_error(_DNS1123_LABEL_MAX_LENGTH))
    if _DNS1123_LABEL_RE.fullmatch(value) is None:
        errors.append(_regex_error(_DNS1123_LABEL_ERR, _DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errors


def is_dns1035_label(value: str) -> list[str]:
    """``validation.IsDNS1035Label`` (Service names)."""
    errors = []
    if _byte_len(value) > _DNS1123_LABEL_MAX_LENGTH:
        errors.append(_max_len_error(_DNS1123_LABEL_MAX_LENGTH))
    if _DNS1035_LABEL_RE.fullmatch(value) is None:
        errors.append(_regex_error(_DNS1035_LABEL_ERR, _DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errors


def is_valid_path_segment_name(value: str) -> list[str]:
    """``path.IsValidPathSegmentName``: what every object name must satisfy."""
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    errors = []
    for illegal in ("/", "%"):
        if illegal in value:
            errors.append(f"may not contain '{illegal}'")
    return errors


# Label keys, label values and names repeat endlessly (every Pod of a ReplicaSet carries the same
# labels), so the checks are memoised; callers get a fresh list each time.


@lru_cache(maxsize=16384)
def _cached(check: str, value: str) -> tuple[str, ...]:
    return tuple(_UNCACHED[check](value))


_UNCACHED = {
    "qualified_name": _is_qualified_name_uncached,
    "label_value": _is_valid_label_value_uncached,
    "dns1123_subdomain": _is_dns1123_subdomain_uncached,
    "dns1123_label": _is_dns1123_label_uncached,
}


def is_qualified_name(value: str) -> list[str]:
    """``validation.IsQualifiedName``: the messages why ``value`` is not a label key, or ``[]``."""
    return list(_cached("qualified_name", value))


def is_valid_label_value(value: str) -> list[str]:
    """``validation.IsValidLabelValue``: the messages why ``value`` is not a label value."""
    return list(_cached("label_value", value))


def is_dns1123_subdomain(value: str) -> list[str]:
    """``validation.IsDNS1123Subdomain``."""
    return list(_cached("dns1123_subdomain", value))


def is_dns1123_label(value: str) -> list[str]:
    """``validation.IsDNS1123Label``."""
    return list(_cached("dns1123_label", value))


def is_dns1123_label_ok(value: str) -> bool:
    """Whether ``value`` is a DNS-1123 label, without the memo: for values that rarely repeat
    (generated volume names), which would only push the repeating ones out of it."""
    if len(value) > _DNS1123_LABEL_MAX_LENGTH:
        return False
    return _DNS1123_LABEL_RE.fullmatch(value) is not None
