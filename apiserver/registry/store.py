"""The generic registry store: one algorithm for create, read, update and delete of every kind.

This is ``k8s.io/apiserver/pkg/registry/generic/registry/store.go`` over the in-memory etcd. The
kind-specific parts come from the resource's :class:`~apiserver.registry.strategy.Strategy`;
everything here is the same for a ConfigMap, a Pod or a custom resource:

* objects live under ``<prefix>/<namespace>/<name>`` (cluster-scoped: ``<prefix>/<name>``) as
  JSON *without* ``metadata.resourceVersion``: the resourceVersion is the key's ``mod_revision``,
  put back on every read, exactly as kube-apiserver's etcd3 store does;
* create is a transaction "create-if-absent"; update is *GuaranteedUpdate* -- read, compute the
  new object, write it if the key's ``mod_revision`` is unchanged, else read again and retry --
  and a write that changes nothing is not written at all (no new revision);
* deletion honours preconditions, finalizers (the object stays with ``deletionTimestamp`` until
  they are gone), graceful deletion (pods), and the garbage collector's ``orphan`` and
  ``foregroundDeletion`` finalizers chosen by ``propagationPolicy``;
* lists read one consistent revision, filter by label and field selectors, and paginate with
  upstream's continue tokens; an expired token answers 410.

Admission hooks are passed in by the request pipeline as plain callables so that this module
knows nothing about who is asking.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import msgspec

from apiserver.registry.catalog import ResourceInfo
from apiserver.registry.objectmeta import (
    FINALIZER_FOREGROUND,
    FINALIZER_ORPHAN,
    validate_object_meta,
    validate_object_meta_update,
)
from apiserver.registry.strategy import Strategy
from apiserver.storage import (
    Compacted,
    DeleteRange,
    MVCCStore,
    Put,
    mod_revision,
    prefix_end,
)
from minikube_py import field, objects
from minikube_py.clock import ClusterClock, format_time
from minikube_py.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Expired,
    GroupKind,
    GroupResource,
    Invalid,
    NotFound,
    Timeout,
)
from minikube_py.objects import Object
from minikube_py.selectors import (
    FieldSelector,
    LabelSelector,
    SelectorParseError,
    check_selectable_fields,
)

#: A validating-admission hook: (new object, old object or None) -> None or raise.
ValidateHook = Callable[[Object, Object | None], Awaitable[None]]
#: Turns the current object (None: absent) into the desired one; may raise.
UpdateFunc = Callable[[Object | None], Awaitable[Object]]

_GUARANTEED_UPDATE_RETRIES = 64
_MAX_SHARED = 4096  # objects kept decoded by get_shared, per resource
_MAX_GENERATE_NAME_BASE = 63 - 5
#: ``maxNameGenerationCreateAttempts``
MAX_NAME_GENERATION_CREATE_ATTEMPTS = 8
_CONTINUE_TOO_OLD = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted between "
    "the time the first chunk was returned and now may show up in the list."
)


class ListResult(msgspec.Struct):
    items: list[Object]
    resource_version: int
    continue_token: str = ""
    remaining: int | None = None


class DeleteOutcome(msgspec.Struct):
    """What a delete did: the object (or None when a Success Status is due) and whether it is
    gone already or only marked for deletion."""

    obj: Object
    deleted: bool


class ContinueToken(msgspec.Struct):
    v: str
    rv: int
    start: str


_token_encoder = msgspec.json.Encoder()
_token_decoder = msgspec.json.Decoder(ContinueToken)


def encode_continue(revision: int, start: str) -> str:
    token = ContinueToken("meta.k8s.io/v1", revision, start)
    return base64.urlsafe_b64encode(_token_encoder.encode(token)).decode().rstrip("=")


def decode_continue(token: str) -> ContinueToken:
    padded = token + "=" * (-len(token) % 4)
    try:
        decoded = _token_decoder.decode(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise BadRequest(f"continue key is not valid: {exc}") from None
    if decoded.v != "meta.k8s.io/v1" or decoded.rv <= 0:
        raise BadRequest("continue key is not valid: incorrect encoded start resourceVersion")
    if decoded.start.startswith("/") or ".." in decoded.start.split("/"):
        raise BadRequest("continue key is not valid: start key is not relative")
    return decoded


class RegistryStore:
    """Create, read, update, delete, list and watch one resource in the MVCC store."""

    def __init__(
        self,
        info: ResourceInfo,
        strategy: Strategy,
        kv: MVCCStore,
        clock: ClusterClock,
        prefix: str,
    ) -> None:
        self.info = info
        self.strategy = strategy
        self.kv = kv
        self.clock = clock
        self.prefix = prefix.rstrip("/")
        self.group_resource = GroupResource(info.group, info.resource)
        self.group_kind = GroupKind(info.group, info.kind)
        # key -> (mod_revision, decoded object) for get_shared
        self._shared: dict[str, tuple[int, Object]] = {}

    # -- keys and codec ------------------------------------------------------------------------

    def key(self, namespace: str, name: str) -> str:
        if self.info.namespaced:
            return f"{self.prefix}/{namespace}/{name}"
        return f"{self.prefix}/{name}"

    def list_prefix(self, namespace: str) -> str:
        if self.info.namespaced and namespace:
            return f"{self.prefix}/{namespace}/"
        return f"{self.prefix}/"

    def _to_bytes(self, obj: Object) -> bytes:
        metadata = obj.get("metadata") or {}
        if "resourceVersion" in metadata:
            metadata = dict(metadata)
            del metadata["resourceVersion"]
            obj = {**obj, "metadata": metadata}
        return objects.encode(obj)

    @staticmethod
    def _from_kv(value: bytes, revision: int) -> Object:
        obj = objects.decode(value)
        obj["metadata"]["resourceVersion"] = str(revision)
        return obj

    # -- reads ---------------------------------------------------------------------------------

    def get(self, namespace: str, name: str, *, resource_version: str = "") -> Object:
        # only checked: the newest state, which every read serves, is never older than asked
        self._revision_for_read(resource_version)
        kv = self.kv.get(self.key(namespace, name))
        if kv is None:
            raise NotFound(self.group_resource, name)
        return self._from_kv(kv.value, kv.mod_revision)

    def get_shared(self, namespace: str, name: str) -> Object | None:
        """The current object, or None, as a **read-only** value shared with other callers.

        For the server's own lookups on every write (the namespace of each create, a Pod's
        service account, its PriorityClass): those objects change rarely, so the decoded
        object is kept per key and decoded again only when the key's ``mod_revision`` moved.
        Never hand the result to a client, and never modify it.
        """
        key = self.key(namespace, name)
        kv = self.kv.get(key)
        if kv is None:
            self._shared.pop(key, None)
            return None
        cached = self._shared.get(key)
        if cached is not None and cached[0] == kv.mod_revision:
            return cached[1]
        if len(self._shared) >= _MAX_SHARED:
            self._shared.clear()
        obj = self._from_kv(kv.value, kv.mod_revision)
        self._shared[key] = (kv.mod_revision, obj)
        return obj

    def _revision_for_read(self, resource_version: str) -> int:
        """Check a "not older than" resourceVersion; 0 means the newest state."""
        if resource_version in ("", "0"):
            return 0
        revision = parse_resource_version(resource_version)
        if revision > self.kv.revision:
            raise too_large_resource_version(revision, self.kv.revision)
        return revision

    def list(
        self,
        namespace: str = "",
        *,
        label_selector: LabelSelector | None = None,
        field_selector: FieldSelector | None = None,
        limit: int = 0,
        continue_token: str = "",
        resource_version: str = "",
        resource_version_match: str = "",
    ) -> ListResult:
        """A consistent list at one revision, filtered and paginated as upstream does."""
        prefix = self.list_prefix(namespace)
        end = prefix_end(prefix)
        start = prefix
        revision = 0
        if continue_token:
            if resource_version not in ("", "0") or resource_version_match:
                raise BadRequest("specifying resource version is not allowed when using continue")
            token = decode_continue(continue_token)
            revision, start = token.rv, prefix + token.start
        elif resource_version_match == "Exact":
            revision = parse_resource_version(resource_version)
        elif resource_version_match not in ("", "NotOlderThan"):
            raise BadRequest(f"unsupported resourceVersionMatch {resource_version_match!r}")
        else:
            self._revision_for_read(resource_version)
            if resource_version not in ("", "0") and limit and not resource_version_match:
                revision = parse_resource_version(resource_version)  # legacy: exact with limit
        if revision > self.kv.revision:
            raise too_large_resource_version(revision, self.kv.revision)
        read_at = revision or self.kv.revision
        filtering = not (
            (label_selector is None or label_selector.empty())
            and (field_selector is None or field_selector.empty())
        )
        items: list[Object] = []
        batch = max(limit, 500) if limit else 0
        while True:
            try:
                page = self.kv.range(start, end, revision=read_at, limit=batch)
            except Compacted:
                if continue_token:
                    raise Expired(_CONTINUE_TOO_OLD) from None
                raise Expired(
                    f"too old resource version: {read_at} ({self.kv.compacted_revision})"
                ) from None
            with objects.gc_paused():
                for i, kv in enumerate(page.kvs):
                    obj = self._from_kv(kv.value, kv.mod_revision)
                    if filtering and not self._matches(obj, label_selector, field_selector):
                        continue
                    items.append(obj)
                    if limit and len(items) == limit:
                        more = i + 1 < len(page.kvs) or page.more
                        if not more:
                            return ListResult(items, read_at)
                        last = kv.key[len(prefix) :] + "\0"
                        remaining = None
                        if not filtering:
                            remaining = page.count - (i + 1)
                        return ListResult(items, read_at, encode_continue(read_at, last), remaining)
            if not page.more:
                return ListResult(items, read_at)
            start = page.kvs[-1].key + "\0"

    def _matches(
        self,
        obj: Object,
        label_selector: LabelSelector | None,
        field_selector: FieldSelector | None,
    ) -> bool:
        if label_selector is not None and not label_selector.matches(objects.labels_of(obj)):
            return False
        if field_selector is not None and not field_selector.empty():
            return field_selector.matches(self.strategy.fields(obj))
        return True

    def check_field_selector(self, selector: FieldSelector) -> None:
        """Refuse a field selector naming a field this kind cannot select on (400)."""
        supported = self.strategy.selectable
        try:
            check_selectable_fields(
                selector,
                None if supported is None else ("metadata.name", "metadata.namespace", *supported),
            )
        except SelectorParseError as exc:
            raise BadRequest(exc.message) from None

    # -- create --------------------------------------------------------------------------------

    async def create(
        self,
        obj: Object,
        namespace: str,
        *,
        dry_run: bool = False,
        validate: ValidateHook | None = None,
    ) -> Object:
        """``BeforeCreate`` + validating admission + create-if-absent. ``obj`` is consumed.

        A name the server generates (``generateName``) that is taken already is generated
        again, up to 8 attempts in all (``createWithGenerateNameRetry``, RetryGenerateName is
        on in v1.32); each attempt gets its own name, uid and timestamp."""
        metadata = objects.meta(obj)
        if metadata.get("name") or not metadata.get("generateName"):
            return await self._create(obj, namespace, dry_run, validate)
        for _ in range(MAX_NAME_GENERATION_CREATE_ATTEMPTS - 1):
            try:
                return await self._create(obj, namespace, dry_run, validate)
            except AlreadyExists:
                metadata.pop("name", None)  # the next attempt draws another
        return await self._create(obj, namespace, dry_run, validate)  # the last: errors go up

    async def _create(
        self, obj: Object, namespace: str, dry_run: bool, validate: ValidateHook | None
    ) -> Object:
        metadata = objects.meta(obj)
        self._check_namespace(metadata, namespace)
        if metadata.get("resourceVersion"):
            raise BadRequest("resourceVersion should not be set on objects to be created")
        # System metadata first, as upstream's Store.Create ("init metadata as early as
        # possible"): PrepareForCreate may read the name and uid (a Job's generated selector).
        if not metadata.get("name") and metadata.get("generateName"):
            base = str(metadata["generateName"])[:_MAX_GENERATE_NAME_BASE]
            metadata["name"] = base + self.clock.random_suffix()
        metadata["uid"] = self.clock.uid()
        metadata["creationTimestamp"] = self.clock.timestamp()
        for cleared in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
            metadata.pop(cleared, None)
        if self.strategy.generation != "none":
            metadata["generation"] = 1
        else:
            metadata.pop("generation", None)
        self.strategy.prepare_for_create(obj)
        errors = validate_object_meta(
            metadata, self.info.namespaced, self.strategy.name_validator
        ) + self.strategy.validate(obj)
        name = metadata.get("name", "")
        if errors:
            raise Invalid(self.group_kind, name, errors)
        if validate is not None:
            await validate(obj, None)
        key = self.key(namespace, name)
        if dry_run:
            if self.kv.get(key) is not None:
                raise AlreadyExists(self.group_resource, name)
            return obj
        revision = await self.kv.create(key, self._to_bytes(obj))
        if not revision:
            raise AlreadyExists(self.group_resource, name)
        metadata["resourceVersion"] = str(revision)
        return obj

    def _check_namespace(self, metadata: dict[str, Any], namespace: str) -> None:
        if self.info.namespaced:
            given = metadata.get("namespace")
            if given and given != namespace:
                raise BadRequest(
                    "the namespace of the provided object does not match the namespace sent on "
                    "the request"
                )
            metadata["namespace"] = namespace
        else:
            metadata.pop("namespace", None)

    # -- update --------------------------------------------------------------------------------

    async def update(
        self,
        namespace: str,
        name: str,
        compute: UpdateFunc,
        *,
        subresource: str = "",
        dry_run: bool = False,
        validate: ValidateHook | None = None,
        create_if_missing: bool = False,
        prepare: bool = True,
    ) -> tuple[Object, bool]:
        """*GuaranteedUpdate*; returns the stored object and whether it was created.

        ``prepare=False`` skips the strategy (``BeforeUpdate``): for the registry's own writes
        that upstream also makes straight to storage, such as marking a namespace Terminating.
        """
        key = self.key(namespace, name)
        for _ in range(_GUARANTEED_UPDATE_RETRIES):
            kv = self.kv.get(key)
            if kv is None:
                if not (create_if_missing or self.strategy.allow_create_on_update) or subresource:
                    raise NotFound(self.group_resource, name)
                new = await compute(None)
                objects.meta(new).pop("resourceVersion", None)
                return await self.create(new, namespace, dry_run=dry_run, validate=validate), True
            existing = self._from_kv(kv.value, kv.mod_revision)
            new = await compute(self._from_kv(kv.value, kv.mod_revision))
            new_meta = objects.meta(new)
            current_rv = str(kv.mod_revision)
            requested_rv = new_meta.get("resourceVersion")
            if not requested_rv:
                if not self.strategy.allow_unconditional_update:
                    raise Invalid(
                        self.group_kind,
                        name,
                        [
                            field.invalid(
                                "metadata.resourceVersion", 0, "must be specified for an update"
                            )
                        ],
                    )
                new_meta["resourceVersion"] = current_rv
            elif requested_rv != current_rv:
                raise Conflict(self.group_resource, name)
            if prepare:
                self._before_update(new, existing, namespace, subresource)
            if validate is not None:
                await validate(new, existing)
            if self.strategy.should_delete_during_update(new, existing):
                # the last finalizer is gone from an object being deleted: delete it now
                if dry_run:
                    return new, False
                result = await self.kv.txn(
                    [mod_revision(key, "=", kv.mod_revision)], [DeleteRange(key)]
                )
                if result.succeeded:
                    new_meta["resourceVersion"] = str(result.revision)
                    return new, False
                continue
            data = self._to_bytes(new)
            if data == kv.value or dry_run:
                new_meta["resourceVersion"] = current_rv
                return (existing if data == kv.value else new), False
            result = await self.kv.txn([mod_revision(key, "=", kv.mod_revision)], [Put(key, data)])
            if result.succeeded:
                new_meta["resourceVersion"] = str(result.revision)
                return new, False
        raise Conflict(self.group_resource, name, "too many concurrent updates; try again")

    def _before_update(self, new: Object, old: Object, namespace: str, subresource: str) -> None:
        """``BeforeUpdate``: keep what an update may not change, prepare, validate."""
        strategy = self.strategy
        new_meta = objects.meta(new)
        old_meta = old["metadata"]
        self._check_namespace(new_meta, namespace)
        if old_meta.get("generation") is not None:
            new_meta["generation"] = old_meta["generation"]
        else:
            new_meta.pop("generation", None)
        if subresource == "status":
            strategy.prepare_for_status_update(new, old)
        else:
            strategy.prepare_for_update(new, old)
            self._bump_generation(new, old)
        if not new_meta.get("uid"):
            new_meta["uid"] = old_meta.get("uid")
        for kept in ("creationTimestamp", "deletionTimestamp"):
            if old_meta.get(kept):
                new_meta[kept] = old_meta[kept]
        if old_meta.get("deletionGracePeriodSeconds") is not None:
            new_meta.setdefault(
                "deletionGracePeriodSeconds", old_meta["deletionGracePeriodSeconds"]
            )
        errors = validate_object_meta_update(new_meta, old_meta)
        if subresource == "status":
            errors += strategy.validate_status_update(new, old)
        else:
            errors += strategy.validate_update(new, old)
        if errors:
            raise Invalid(self.group_kind, new_meta.get("name", ""), errors)

    def _bump_generation(self, new: Object, old: Object) -> None:
        policy = self.strategy.generation
        if policy == "none":
            return
        changed = new.get("spec") != old.get("spec")
        if policy == "spec+annotations":
            changed = changed or (
                objects.meta(new).get("annotations") != old["metadata"].get("annotations")
            )
        elif policy == "non-metadata":
            skip = {"metadata", "status"} if self.strategy.has_status else {"metadata"}
            changed = {k: v for k, v in new.items() if k not in skip} != {
                k: v for k, v in old.items() if k not in skip
            }
        if changed:
            objects.meta(new)["generation"] = (old["metadata"].get("generation") or 0) + 1

    # -- delete --------------------------------------------------------------------------------

    async def delete(
        self,
        namespace: str,
        name: str,
        *,
        grace_period_seconds: int | None = None,
        propagation_policy: str | None = None,
        precondition_uid: str | None = None,
        precondition_resource_version: str | None = None,
        dry_run: bool = False,
        validate: ValidateHook | None = None,
    ) -> DeleteOutcome:
        key = self.key(namespace, name)
        for _ in range(_GUARANTEED_UPDATE_RETRIES):
            kv = self.kv.get(key)
            if kv is None:
                raise NotFound(self.group_resource, name)
            existing = self._from_kv(kv.value, kv.mod_revision)
            metadata = existing["metadata"]
            if precondition_uid is not None and precondition_uid != metadata.get("uid"):
                raise Conflict(
                    self.group_resource,
                    name,
                    f"Precondition failed: UID in precondition: {precondition_uid}, UID in object "
                    f"meta: {metadata.get('uid')}",
                )
            if (
                precondition_resource_version is not None
                and precondition_resource_version != metadata["resourceVersion"]
            ):
                raise Conflict(
                    self.group_resource,
                    name,
                    "Precondition failed: ResourceVersion in precondition: "
                    f"{precondition_resource_version}, ResourceVersion in object meta: "
                    f"{metadata['resourceVersion']}",
                )
            if validate is not None:
                await validate(existing, existing)
            updated = objects.deep_copy(existing)
            umeta = updated["metadata"]
            finalizers = list(umeta.get("finalizers") or ())
            if propagation_policy is not None:
                finalizers = [
                    f for f in finalizers if f not in (FINALIZER_ORPHAN, FINALIZER_FOREGROUND)
                ]
                if propagation_policy == "Orphan":
                    finalizers.append(FINALIZER_ORPHAN)
                elif propagation_policy == "Foreground":
                    finalizers.append(FINALIZER_FOREGROUND)
            grace = self.strategy.grace_period(existing, grace_period_seconds)
            pending = bool(finalizers) or (grace is not None and grace > 0)
            if not pending:
                if dry_run:
                    return DeleteOutcome(existing, True)
                result = await self.kv.txn(
                    [mod_revision(key, "=", kv.mod_revision)], [DeleteRange(key)]
                )
                if not result.succeeded:
                    continue
                existing["metadata"]["resourceVersion"] = str(result.revision)
                return DeleteOutcome(existing, True)
            if finalizers:
                umeta["finalizers"] = finalizers
            else:
                umeta.pop("finalizers", None)
            now = self.clock.now()
            grace_value = grace or 0
            if metadata.get("deletionTimestamp"):
                # already being deleted: a delete may only shorten a pending grace period
                current = metadata.get("deletionGracePeriodSeconds") or 0
                if grace is not None and grace < current:
                    umeta["deletionGracePeriodSeconds"] = grace
                    umeta["deletionTimestamp"] = _plus_seconds(now, grace)
            else:
                umeta["deletionTimestamp"] = _plus_seconds(now, grace_value)
                umeta["deletionGracePeriodSeconds"] = grace_value
            data = self._to_bytes(updated)
            if data == kv.value or dry_run:
                return DeleteOutcome(updated, False)
            result = await self.kv.txn([mod_revision(key, "=", kv.mod_revision)], [Put(key, data)])
            if result.succeeded:
                umeta["resourceVersion"] = str(result.revision)
                return DeleteOutcome(updated, False)
        raise Conflict(self.group_resource, name, "too many concurrent updates; try again")


def _plus_seconds(moment: datetime, seconds: int) -> str:
    return format_time(moment + timedelta(seconds=seconds))


def parse_resource_version(resource_version: str) -> int:
    """A resourceVersion as a revision; malformed ones are a 400, as upstream answers."""
    try:
        revision = int(resource_version)
    except ValueError:
        raise BadRequest(f"invalid resource version: {resource_version!r}") from None
    if revision < 0:
        raise BadRequest(f"invalid resource version: {resource_version!r}")
    return revision


def too_large_resource_version(requested: int, current: int) -> Timeout:
    """504 "Too large resource version" (``storage.NewTooLargeResourceVersionError``)."""
    error = Timeout(
        f"Too large resource version: {requested}, current: {current}", retry_after_seconds=1
    )
    assert error.details is not None
    error.details["causes"] = [
        {
            "reason": "ResourceVersionTooLarge",
            "message": "Too large resource version",
        }
    ]
    return error


__all__ = [
    "ContinueToken",
    "DeleteOutcome",
    "ListResult",
    "RegistryStore",
    "decode_continue",
    "encode_continue",
    "parse_resource_version",
]
