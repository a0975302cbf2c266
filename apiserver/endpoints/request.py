"""What a request is once its transport is peeled off, and what the pipeline answers.

A :class:`Request` carries the resolved parts of a Kubernetes API URL (group, version, resource,
namespace, name, subresource), the verb, the decoded body, its content type (which tells the
four patch types apart), and the query parameters as strings exactly as a URL would carry
them -- so the in-process client and HTTP hit the same parsing of ``dryRun``, ``fieldManager``,
``labelSelector``, ``limit`` and the rest.
"""

from __future__ import annotations

from typing import Any

import msgspec

JSON = "application/json"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH)


class UserInfo(msgspec.Struct, frozen=True):
    name: str = "system:admin"
    groups: tuple[str, ...] = ("system:masters", "system:authenticated")


class Request(msgspec.Struct, kw_only=True):
    verb: str
    resource: str
    group: str = ""
    version: str = "v1"
    namespace: str = ""
    name: str = ""
    subresource: str = ""
    body: Any = None
    raw_body: bytes | None = None
    content_type: str = JSON
    query: dict[str, str] = {}
    user: UserInfo = UserInfo()
    user_agent: str = ""


class Response(msgspec.Struct):
    code: int
    body: Any
    warnings: list[str] = []


_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})


def is_true(value: str | None) -> bool:
    """A boolean query parameter as Go's ``strconv.ParseBool`` reads it (``True`` from Python
    clients included)."""
    return value in _TRUE
