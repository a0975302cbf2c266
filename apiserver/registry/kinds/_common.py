"""Validation helpers several API groups share, with upstream's words.

Each helper is named for the apimachinery or ``pkg/apis/core/validation`` function it stands
for (``ValidateNonnegativeField``, ``ValidateImmutableField``, ``IsValidPortNum``, ...), so a
strategy reads like its upstream counterpart. Values come from request bodies and may be of the
wrong JSON type; helpers skip what they cannot judge rather than raise.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Final

from apiserver.registry.objectmeta import FIELD_IMMUTABLE
from minikube_py import field
from minikube_py.field import FieldError, FieldErrorType
from minikube_py.names import is_dns1123_subdomain

IS_NEGATIVE: Final = "must be greater than or equal to 0"
_PERCENT_RE: Final = re.compile(r"[0-9]+%")
_PERCENT_ERROR: Final = (
    "a valid percent string must be a numeric string followed by an ending '%' "
    "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
)
_PORT_NAME_RE: Final = re.compile(r"[-a-z0-9]+")
_HTTP_PATH_RE: Final = re.compile(r"[A-Za-z0-9/\-._~%!$&'()*+,;=:]+")


def dig(obj: Any, *path: str) -> Any:
    """``obj[path[0]][path[1]]...``, or None where a step is missing or not an object."""
    value = obj
    for part in path:
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def is_int(value: Any) -> bool:
    """A JSON integer (Python's bool is an int, JSON's is not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def invalid_omitted(path: str, detail: str) -> FieldError:
    """``field.Invalid(path, field.OmitValueType{}, detail)``: no value is printed."""
    return FieldError(path, FieldErrorType.INVALID, f"Invalid value: {detail}")


def nonnegative(path: str, value: Any) -> list[FieldError]:
    """``ValidateNonnegativeField``."""
    if is_int(value) and value < 0:
        return [field.invalid(path, value, IS_NEGATIVE)]
    return []


def immutable(path: str, new: Any, old: Any, *, rendered: str | None = None) -> list[FieldError]:
    """``ValidateImmutableField``: the new value, then "field is immutable"."""
    if new == old:
        return []
    return [field.invalid(path, new, FIELD_IMMUTABLE, rendered=rendered)]


def percent_value(value: Any) -> int | None:
    """``getPercentValue``: the number of a valid "N%" string, else None."""
    if isinstance(value, str) and _PERCENT_RE.fullmatch(value):
        return int(value[:-1])
    return None


def positive_int_or_percent(path: str, value: Any) -> list[FieldError]:
    """``ValidatePositiveIntOrPercent`` and ``IsNotMoreThan100Percent`` of an IntOrString."""
    shown = str(value)
    if isinstance(value, str):
        if not _PERCENT_RE.fullmatch(value):
            return [field.invalid(path, None, _PERCENT_ERROR, rendered=shown)]
        if int(value[:-1]) > 100:
            return [field.invalid(path, None, "must not be greater than 100%", rendered=shown)]
        return []
    if is_int(value):
        return nonnegative(path, value)
    return [field.invalid(path, value, "must be an integer or percentage (e.g '5%')")]


def port_num_errors(port: Any) -> list[str]:
    """``IsValidPortNum``."""
    if is_int(port) and 1 <= port <= 65535:
        return []
    return ["must be between 1 and 65535, inclusive"]


def port_name_errors(name: str) -> list[str]:
    """``IsValidPortName`` (an IANA_SVC_NAME)."""
    errors = []
    if len(name) > 15:
        errors.append("must be no more than 15 characters")
    if not _PORT_NAME_RE.fullmatch(name):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", name):
        errors.append("must contain at least one letter (a-z)")
    if "--" in name:
        errors.append("must not contain consecutive hyphens")
    if name and (name[0] == "-" or name[-1] == "-"):
        errors.append("must not begin or end with a hyphen")
    return errors


def domain_prefixed_path(path: str, value: str) -> list[FieldError]:
    """``IsDomainPrefixedPath`` ("acme.io/foo")."""
    host, slash, rest = value.partition("/")
    if not slash or not host or not rest:
        return [
            field.invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')
        ]
    errors = [field.invalid(path, host, msg) for msg in is_dns1123_subdomain(host)]
    if not _HTTP_PATH_RE.fullmatch(rest):
        errors.append(
            field.invalid(
                path,
                rest,
                "must be a valid path (regex used for validation is "
                "'[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')",
            )
        )
    return errors


def parse_ip_sloppy(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``netutils.ParseIPSloppy``: Go's ``net.ParseIP`` that still accepts IPv4 octets with
    leading zeros (read as decimal)."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    parts = text.split(".")
    if len(parts) == 4 and all(p.isdigit() and p.isascii() and len(p) <= 3 for p in parts):
        octets = [int(p) for p in parts]
        if all(o <= 255 for o in octets):
            return ipaddress.IPv4Address(".".join(str(o) for o in octets))
    return None


def non_special_ip(path: str, text: str) -> list[FieldError]:
    """``ValidateNonSpecialIP`` (Endpoints, EndpointSlices, external IPs)."""
    ip = parse_ip_sloppy(text)
    if ip is None:
        return [field.invalid(path, text, "must be a valid IP address")]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    errors = []
    if ip.is_unspecified:
        errors.append(field.invalid(path, text, f"may not be unspecified ({text})"))
    if ip.is_loopback:
        errors.append(
            field.invalid(path, text, "may not be in the loopback range (127.0.0.0/8, ::1/128)")
        )
    if ip.is_link_local:
        errors.append(
            field.invalid(
                path, text, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"
            )
        )
    if _is_link_local_multicast(ip):
        errors.append(
            field.invalid(
                path,
                text,
                "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
            )
        )
    return errors


def _is_link_local_multicast(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Go's ``IP.IsLinkLocalMulticast``: 224.0.0.0/24 or ff02::/16."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ip in ipaddress.IPv4Network("224.0.0.0/24")
    return ip.packed[0] == 0xFF and ip.packed[1] & 0x0F == 0x02


__all__ = [
    "IS_NEGATIVE",
    "dig",
    "domain_prefixed_path",
    "immutable",
    "invalid_omitted",
    "is_int",
    "non_special_ip",
    "nonnegative",
    "parse_ip_sloppy",
    "percent_value",
    "port_name_errors",
    "port_num_errors",
    "positive_int_or_percent",
]
