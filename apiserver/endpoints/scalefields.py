"""Field ownership through ``/scale``: who owns a workload's ``spec.replicas``.

A write to ``.../scale`` speaks ``autoscaling/v1 Scale``, but the ownership it takes is
recorded on the parent object, as upstream's ``ScaleHandler``
(``apiserver/pkg/endpoints/handlers/fieldmanager/scalehandler.go``) and the workloads' scale
storage (``pkg/registry/apps/deployment/storage/storage.go``) do it:

1. **to the subresource** -- the parent's managers that own ``spec.replicas`` become Scale
   managers owning the Scale's ``spec.replicas`` (in ``autoscaling/v1``);
2. the field manager runs on the Scale as on any object: the writer (``fieldManager``, else
   the User-Agent) becomes an ``Update`` manager with subresource ``scale`` of what it changed,
   and managers whose fields changed lose them;
3. **to the parent** -- parent entries that did not own the replicas path stay as they were;
   an owner of it that is not a Scale manager any more has it "stolen" (its other fields stay,
   the entry goes when nothing is left); Scale managers that own the replicas become parent
   entries owning ``spec.replicas`` in the parent's version. Their time is the one the parent
   had for the same manager (none for a new one), as upstream keeps it.

Server-side apply to ``/scale`` (:func:`apply_scale`) runs the same three steps with an apply
on the Scale in the middle, so an applier of the Scale conflicts with the parent's owners of
``spec.replicas`` as upstream's does.

Managers are matched by upstream's identifier (manager, operation, subresource, and the
apiVersion for updaters), which is what makes appliers keep their entries while updaters of
another version do not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apiserver.admission import Operation
from apiserver.endpoints import request as rq
from apiserver.endpoints.fieldmanagement import manager_of
from apiserver.endpoints.scale import scale_of
from apiserver.registry.store import RegistryStore
from apiserver.schema import type_node
from minikube_py import field, objects
from minikube_py.errors import BadRequest, GroupKind, Invalid
from minikube_py.managedfields import (
    FieldSet,
    apply,
    fieldset_from_dotted,
    update_managed_fields,
)
from minikube_py.managedfields.managers import (
    ManagedFieldsError,
    ManagerEntry,
    decode_managed_fields,
    encode_managed_fields,
)
from minikube_py.objects import Object
from minikube_py.typeinfo import UNKNOWN, TypeNode

if TYPE_CHECKING:
    from apiserver.endpoints.server import APIServer

SCALE_VERSION = "autoscaling/v1"
_REPLICAS = fieldset_from_dotted("spec.replicas")
_REPLICAS_PATH = next(iter(_REPLICAS.paths()))
_STATUS = fieldset_from_dotted("status")
#: The versions whose replicas live at ``spec.replicas`` (apps, and extensions of old).
_PARENT_VERSIONS = frozenset(
    {"apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1", "v1"}
)


def _scale_schema() -> TypeNode:
    try:
        return type_node("autoscaling", "v1", "Scale")
    except KeyError:
        return UNKNOWN


def to_subresource(parent_entries: Any) -> list[dict[str, Any]]:
    """``ToSubresource``: the parent's owners of ``spec.replicas`` as Scale managers."""
    try:
        managers = decode_managed_fields(parent_entries)
    except ManagedFieldsError:
        return []
    scale: dict[str, ManagerEntry] = {}
    for key, entry in managers.items():
        if entry.api_version in _PARENT_VERSIONS and entry.fields.has(_REPLICAS_PATH):
            scale[key] = ManagerEntry(
                entry.manager,
                entry.operation,
                SCALE_VERSION,
                entry.subresource,
                entry.time,
                _REPLICAS,
            )
    return encode_managed_fields(scale)


def to_parent(parent_entries: Any, scale_entries: Any, parent_version: str) -> list[dict[str, Any]]:
    """``ToParent``: merge the Scale's managers back into the parent's entries."""
    try:
        parent = decode_managed_fields(parent_entries)
        scale = decode_managed_fields(scale_entries)
    except ManagedFieldsError:
        return list(parent_entries or [])
    merged: dict[str, ManagerEntry] = {}
    for key, entry in parent.items():
        if entry.api_version not in _PARENT_VERSIONS:
            continue  # upstream drops entries of versions it cannot map
        if not entry.fields.has(_REPLICAS_PATH):
            merged[key] = entry
        elif key not in scale:
            rest: FieldSet = entry.fields.difference(_REPLICAS)
            if not rest.empty():
                merged[key] = entry.with_fields(rest)
        else:
            merged[key] = entry  # still owns the replicas through the Scale: unchanged
            scale.pop(key)
    for key, entry in scale.items():
        if not entry.fields.has(_REPLICAS_PATH):
            continue
        previous = parent.get(key)
        merged[key] = ManagerEntry(
            entry.manager,
            entry.operation,
            parent_version,
            entry.subresource,
            previous.time if previous is not None else None,
            _REPLICAS,
        )
    return encode_managed_fields(merged)


def record_scale_write(
    request: rq.Request,
    parent_version: str,
    parent: Object,
    old_scale: Object,
    new_scale: Object,
    now: str,
) -> None:
    """Set ``parent``'s managedFields after a ``/scale`` write turned ``old_scale`` into
    ``new_scale`` (``parent`` is the object about to be stored)."""
    metadata = parent.setdefault("metadata", {})
    parent_entries = metadata.get("managedFields")
    before = {**old_scale, "metadata": {**old_scale.get("metadata", {})}}
    before["metadata"]["managedFields"] = to_subresource(parent_entries)
    after = {**new_scale, "metadata": dict(new_scale.get("metadata") or {})}
    after["metadata"].pop("managedFields", None)
    scale_entries = update_managed_fields(
        before,
        after,
        None,
        manager_of(request),
        SCALE_VERSION,
        now,
        schema=_scale_schema(),
        subresource="scale",
        reset_fields=_STATUS,
    )
    entries = to_parent(parent_entries, scale_entries, parent_version)
    if entries:
        metadata["managedFields"] = entries
    else:
        metadata.pop("managedFields", None)


async def apply_scale(
    server: APIServer, request: rq.Request, store: RegistryStore
) -> tuple[int, Object]:
    """Server-side apply of a Scale to ``.../scale``: the configuration is applied to the
    Scale view (its owners from the parent), and the result goes back to the parent."""
    config = request.body
    if not isinstance(config, dict):
        raise BadRequest("error decoding YAML: the apply configuration must be an object")
    if objects.name_of(config) not in ("", request.name):
        raise BadRequest(
            f"the name of the object ({objects.name_of(config)}) does not match the name "
            f"on the URL ({request.name})"
        )
    from apiserver.endpoints.server import _dry_run

    now = server.clock.timestamp()

    async def compute(current: Object | None) -> Object:
        assert current is not None
        metadata = current.setdefault("metadata", {})
        parent_entries = metadata.get("managedFields")
        before = scale_of(current)
        before["metadata"]["managedFields"] = to_subresource(parent_entries)
        applied, scale_entries = apply(
            before,
            config,
            manager_of(request),
            SCALE_VERSION,
            rq.is_true(request.query.get("force")),
            None,
            _scale_schema(),
            now,
            kind="Scale",
            subresource="scale",
            reset_fields=_STATUS,
        )
        replicas = (applied.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise Invalid(
                GroupKind("autoscaling", "Scale"),
                request.name,
                [field.invalid("spec.replicas", replicas, "must be greater than or equal to 0")],
            )
        current.setdefault("spec", {})["replicas"] = replicas
        entries = to_parent(parent_entries, scale_entries, store.info.api_version)
        if entries:
            metadata["managedFields"] = entries
        else:
            metadata.pop("managedFields", None)
        wanted_rv = (config.get("metadata") or {}).get("resourceVersion")
        if wanted_rv:
            metadata["resourceVersion"] = wanted_rv
        return current

    result, _ = await store.update(
        request.namespace,
        request.name,
        compute,
        dry_run=_dry_run(request),
        validate=server._admission_hook(request, store, Operation.UPDATE),
    )
    return 200, scale_of(result)


__all__ = ["apply_scale", "record_scale_write", "to_parent", "to_subresource"]
