"""The pipeline's side of field management: who owns what after each write.

Every create, update and non-apply patch records the writer as an ``Update`` manager of the
fields it set (``metadata.managedFields``); ``application/apply-patch+yaml`` runs server-side
apply. The work itself is :mod:`minikube_py.managedfields`; this module supplies what the
request knows -- the manager's name (``fieldManager``, else the User-Agent), the kind's schema,
the fields the strategy resets (``status`` on the main resource, ``spec`` on ``/status``) and
the kind's empty object -- as kube-apiserver's handlers do (``handlers/create.go``,
``update.go``, ``patch.go``).
"""

from __future__ import annotations

import functools
from typing import Any

from apiserver.endpoints import request as rq
from apiserver.registry.catalog import ResourceInfo
from apiserver.schema import type_node
from minikube_py.errors import BadRequest, GroupKind, Invalid
from minikube_py.managedfields import (
    apply,
    fieldset_from_dotted,
    manager_or_user_agent,
    patch_options_errors,
    update_managed_fields,
)
from minikube_py.objects import Object
from minikube_py.typeinfo import UNKNOWN, TypeNode

_STATUS = fieldset_from_dotted("status")
_SPEC = fieldset_from_dotted("spec")


_schemas: dict[tuple[str, str, str], TypeNode] = {}


def schema_of(info: ResourceInfo) -> TypeNode:
    """The kind's schema (:data:`UNKNOWN` for kinds without one), looked up once per kind."""
    gvk = (info.group, info.version, info.kind)
    schema = _schemas.get(gvk)
    if schema is None:
        try:
            schema = type_node(*gvk)
        except KeyError:
            schema = UNKNOWN
        _schemas[gvk] = schema
    return schema


@functools.lru_cache(maxsize=1024)
def _manager(field_manager: str, user_agent: str) -> str:
    return manager_or_user_agent(field_manager, user_agent)


def manager_of(request: rq.Request) -> str:
    return _manager(request.query.get("fieldManager", ""), request.user_agent)


def check_patch_options(request: rq.Request, *, is_apply: bool) -> None:
    force_text = request.query.get("force")
    force = None if force_text is None else rq.is_true(force_text)
    errors = patch_options_errors(request.query.get("fieldManager", ""), force, is_apply)
    if errors:
        raise Invalid(GroupKind("meta.k8s.io", "PatchOptions"), "", errors)


def _zero(info: ResourceInfo, schema: TypeNode) -> Object:
    """The kind's empty object, as Go's zero value walks (``spec``/``status`` present)."""
    zero: Object = {"metadata": {}}
    for part in ("spec", "status"):
        if schema.field(part) is not None:
            zero[part] = {}
    return zero


def _reset(info: ResourceInfo, subresource: str) -> Any:
    if subresource == "status":
        return _SPEC
    if info.subresource("status") is not None:
        return _STATUS
    return None


def record_update(
    request: rq.Request, info: ResourceInfo, old: Object | None, new: Object, now: str
) -> None:
    """Set ``new``'s managedFields for a non-apply write by the request's manager."""
    schema = schema_of(info)
    entries = update_managed_fields(
        old if old is not None else _zero(info, schema),
        new,
        None if old is not None else [],
        manager_of(request),
        info.api_version,
        now,
        schema=schema,
        subresource=request.subresource,
        reset_fields=_reset(info, request.subresource),
    )
    metadata = new.setdefault("metadata", {})
    if entries:
        metadata["managedFields"] = entries
    else:
        metadata.pop("managedFields", None)


def server_side_apply(
    request: rq.Request, info: ResourceInfo, live: Object | None, config: Any, now: str
) -> Object:
    """The object a server-side apply of ``config`` makes of ``live`` (None: create it)."""
    if not isinstance(config, dict):
        raise BadRequest("error decoding YAML: the apply configuration must be an object")
    schema = schema_of(info)
    result, _ = apply(
        live,
        config,
        manager_of(request),
        info.api_version,
        rq.is_true(request.query.get("force")),
        None,
        schema,
        now,
        kind=info.kind,
        subresource=request.subresource,
        reset_fields=_reset(info, request.subresource),
        zero_object=_zero(info, schema),
    )
    if live is None:
        result.setdefault("apiVersion", info.api_version)
        result.setdefault("kind", info.kind)
    return result
