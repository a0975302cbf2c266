"""The API server core: resolve, authorize, admit, and dispatch every request to a store.

:meth:`APIServer.handle` is the single entry point for every verb but watch
(:meth:`APIServer.watch`). It turns any :class:`~minikube_py.errors.StatusError` into the
``Status`` response upstream would send, and anything unexpected into a 500 ``InternalError``
-- never a traceback in a response. The order of a write follows kube-apiserver's handlers
(``k8s.io/apiserver/pkg/endpoints/handlers``): decode and default the body, mutating admission,
then the registry store (prepare, validate), validating admission, storage.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from apiserver.admission import AdmissionChain, Attributes, Operation
from apiserver.admission.default_storage_class import DefaultStorageClass
from apiserver.admission.default_tolerations import DefaultTolerationSeconds
from apiserver.admission.namespace_lifecycle import NamespaceLifecycle
from apiserver.admission.priority import Priority
from apiserver.admission.service_account import ServiceAccountAdmission
from apiserver.endpoints import podlog, pods
from apiserver.endpoints import request as rq
from apiserver.endpoints.creatememo import CreateMemo
from apiserver.endpoints.fieldmanagement import (
    check_patch_options,
    manager_of,
    record_update,
    server_side_apply,
)
from apiserver.endpoints.scale import scale_of
from apiserver.endpoints.scalefields import apply_scale, record_scale_write
from apiserver.endpoints.watch import WatchStream
from apiserver.registry.catalog import Catalog, ResourceInfo
from apiserver.registry.events import EVENTS_PREFIX, EventsV1Store
from apiserver.registry.kinds import strategy_for
from apiserver.registry.kinds.core import NamespaceStrategy
from apiserver.registry.services import ServiceAllocator
from apiserver.registry.store import RegistryStore, ValidateHook
from apiserver.registry.watchcache import WatchCache
from apiserver.schema import check_patched, decode_check, type_node
from apiserver.schema.golang import go_sprint
from apiserver.storage import MVCCStore
from minikube_py import objects
from minikube_py.clock import ClusterClock
from minikube_py.errors import (
    BadRequest,
    GroupKind,
    GroupResource,
    InternalError,
    Invalid,
    MethodNotSupported,
    NotFound,
    StatusError,
    UnsupportedMediaType,
    success_status,
)
from minikube_py.objects import Object
from minikube_py.patch import (
    PatchError,
    apply_json_patch,
    apply_merge_patch,
    apply_strategic_merge_patch,
)
from minikube_py.podlogs import LogSource
from minikube_py.selectors import (
    FieldSelector,
    LabelSelector,
    SelectorParseError,
    parse_field_selector,
    parse_label_selector,
)

log = logging.getLogger(__name__)

#: Namespaces every cluster starts with.
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
SYSTEM_PRIORITY_CLASSES = {
    "system-node-critical": 2000001000,
    "system-cluster-critical": 2000000000,
}
_VERB_OF_METHOD = {"get", "list", "create", "update", "patch", "delete", "deletecollection"}


def storage_prefix(info: ResourceInfo) -> str:
    """Where a resource's objects live, as kube-apiserver keys them (``/registry/pods``)."""
    if info.group in ("", "apps", "batch", "coordination.k8s.io", "policy", "discovery.k8s.io"):
        return f"/registry/{info.resource}"
    if info.group == "events.k8s.io" and info.resource == "events":
        return EVENTS_PREFIX  # one storage for both Event APIs, as upstream
    return f"/registry/{info.group}/{info.resource}"


class APIServer:
    """Every resource's store behind one request pipeline."""

    def __init__(
        self,
        kv: MVCCStore,
        clock: ClusterClock,
        *,
        catalog: Catalog | None = None,
        admission: AdmissionChain | None = None,
        log_source: LogSource | None = None,
    ) -> None:
        self.kv = kv
        #: Where ``pods/log`` reads containers' logs (the simulated kubelets); None: nowhere.
        self.log_source = log_source
        self.clock = clock
        self.catalog = catalog if catalog is not None else Catalog()
        self.stores: dict[tuple[str, str, str], RegistryStore] = {}
        for info in self.catalog:
            store_class = EventsV1Store if info.group == "events.k8s.io" else RegistryStore
            self.stores[(info.group, info.version, info.resource)] = store_class(
                info, strategy_for(info), kv, clock, storage_prefix(info)
            )
        self.namespaces = self.stores[("", "v1", "namespaces")]
        self.services = ServiceAllocator()
        self.watch_caches: dict[tuple[str, str, str], WatchCache] = {}
        self._priority_default: tuple[int, Object | None] = (-1, None)
        if admission is None:
            admission = AdmissionChain(
                [
                    NamespaceLifecycle(self._namespace_or_none),
                    ServiceAccountAdmission(self._service_account, self.clock.random_suffix),
                    Priority(self._priority_class, self._default_priority_class),
                    DefaultTolerationSeconds(),
                    DefaultStorageClass(self._storage_classes),
                ]
            )
        self.admission = admission
        self._create_memo = CreateMemo()

    async def bootstrap(self) -> None:
        """Create what every cluster has: the system namespaces, the ``kubernetes`` Service
        and the built-in PriorityClasses."""
        for name in SYSTEM_NAMESPACES:
            if self._namespace_or_none(name) is None:
                namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
                self.namespaces.strategy.default(namespace)
                await self.namespaces.create(namespace, "")
            await self._ensure_default_service_account(name)
        services = self.stores[("", "v1", "services")]
        if self.kv.get(services.key("default", "kubernetes")) is None:
            kubernetes = {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {
                    "name": "kubernetes",
                    "labels": {"component": "apiserver", "provider": "kubernetes"},
                },
                "spec": {
                    "type": "ClusterIP",
                    "clusterIP": self.services.api_ip,
                    "ports": [{"name": "https", "port": 443, "targetPort": 6443}],
                },
            }
            services.strategy.default(kubernetes)
            self._allocate_service(kubernetes)
            await services.create(kubernetes, "default")
        classes = self.stores[("scheduling.k8s.io", "v1", "priorityclasses")]
        for name, value in SYSTEM_PRIORITY_CLASSES.items():
            if self.kv.get(classes.key("", name)) is None:
                await classes.create(
                    {
                        "apiVersion": "scheduling.k8s.io/v1",
                        "kind": "PriorityClass",
                        "metadata": {"name": name},
                        "value": value,
                        "preemptionPolicy": "PreemptLowerPriority",
                        "description": "Used for system critical pods that must not be moved "
                        "from their current node."
                        if name == "system-node-critical"
                        else "Used for system critical pods that must run in the cluster, but "
                        "can be moved to another node if necessary.",
                    },
                    "",
                )

    def _lookup(self, group: str, resource: str, namespace: str, name: str) -> Object | None:
        """An object for admission to read (shared and read-only), or None."""
        return self.stores[(group, "v1", resource)].get_shared(namespace, name)

    def _service_account(self, namespace: str, name: str) -> Object | None:
        return self._lookup("", "serviceaccounts", namespace, name)

    def _priority_class(self, name: str) -> Object | None:
        return self._lookup("scheduling.k8s.io", "priorityclasses", "", name)

    def _default_priority_class(self) -> Object | None:
        """The ``globalDefault`` PriorityClass (the lowest if several), re-read only when the
        set of PriorityClasses changed -- every Pod create asks."""
        store = self.stores[("scheduling.k8s.io", "v1", "priorityclasses")]
        version = self.kv.last_change(store.prefix + "/")
        if self._priority_default[0] != version:
            defaults = [c for c in store.list().items if c.get("globalDefault")]
            chosen = min(defaults, key=lambda c: c.get("value", 0)) if defaults else None
            self._priority_default = (version, chosen)
        return self._priority_default[1]

    def _storage_classes(self) -> list[Object]:
        return self.stores[("storage.k8s.io", "v1", "storageclasses")].list().items

    async def _ensure_default_service_account(self, namespace: str) -> None:
        """Stands in for kube-controller-manager's serviceaccounts controller, which gives
        every namespace a ``default`` ServiceAccount (until the controllers exist)."""
        store = self.stores[("", "v1", "serviceaccounts")]
        if self.kv.get(store.key(namespace, "default")) is None:
            await store.create(
                {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}},
                namespace,
            )

    def _namespace_or_none(self, name: str) -> Object | None:
        """The namespace (shared and read-only: admission reads it on every create), or None."""
        return self.namespaces.get_shared("", name)

    # -- entry point ---------------------------------------------------------------------------

    async def handle(self, request: rq.Request) -> rq.Response:
        """Serve one request; errors become their Status, never an exception."""
        warnings: list[str] = []
        try:
            store = self.store_for(request)
            code, body = await self._dispatch(request, store, warnings)
            return rq.Response(code, body, warnings)
        except StatusError as error:
            return rq.Response(error.code, error.status(), warnings)
        except PatchError as error:
            return rq.Response(error.code, error.status(), warnings)
        except Exception as error:  # a bug: answer like kube-apiserver, keep the trace in logs
            log.exception("unexpected error serving %s %s", request.verb, request.resource)
            internal = InternalError(f"{type(error).__name__}: {error}")
            return rq.Response(internal.code, internal.status(), warnings)

    def watch(
        self, request: rq.Request, *, wire: bool = False, shared: bool = False
    ) -> WatchStream:
        """Open a watch; refusals (unknown resource, bad selectors or options) raise their
        StatusError here, while a too-old resourceVersion arrives as an ERROR event."""
        store = self.store_for(request)
        labels, fields = self.selectors(request, store)
        key = (store.info.group, store.info.version, store.info.resource)
        cache = self.watch_caches.get(key)
        if cache is None:
            cache = self.watch_caches[key] = WatchCache(
                self.kv, store.prefix + "/", decode=store._from_kv
            )
        return WatchStream(store, request, labels, fields, cache, wire=wire, shared=shared)

    def store_for(self, request: rq.Request) -> RegistryStore:
        store = self.stores.get((request.group, request.version, request.resource))
        if store is None:
            raise NotFound(GroupResource(request.group, request.resource), "")
        info = store.info
        if request.subresource and info.subresource(request.subresource) is None:
            raise NotFound(GroupResource(request.group, request.resource), request.name)
        verbs = info.verbs
        if request.subresource:
            sub = info.subresource(request.subresource)
            assert sub is not None
            verbs = sub.verbs
        if request.verb not in verbs and request.verb in _VERB_OF_METHOD | {"watch"}:
            raise MethodNotSupported(GroupResource(info.group, info.resource), request.verb)
        return store

    async def _dispatch(
        self, request: rq.Request, store: RegistryStore, warnings: list[str]
    ) -> tuple[int, Any]:
        verb = request.verb
        if verb == "get":
            if request.subresource == "log":
                return 200, await podlog.pod_log(self, request, store)
            return 200, self._get(request, store)
        if verb == "list":
            return 200, self._list(request, store)
        if verb == "create":
            if request.subresource or store.info.kind == "Binding":  # binding(s), eviction
                return await pods.create_subresource(self, request, store, warnings)
            return 201, await self._create(request, store, warnings)
        if verb == "update":
            return await self._update(request, store, warnings)
        if verb == "patch":
            return await self._patch(request, store, warnings)
        if verb == "delete":
            return await self._delete(request, store)
        if verb == "deletecollection":
            return 200, await self._delete_collection(request, store)
        raise MethodNotSupported(GroupResource(store.info.group, store.info.resource), verb)

    # -- reads ---------------------------------------------------------------------------------

    def _get(self, request: rq.Request, store: RegistryStore) -> Object:
        obj = store.get(
            request.namespace,
            request.name,
            resource_version=request.query.get("resourceVersion", ""),
        )
        if request.subresource == "scale":
            return scale_of(obj)
        return obj

    def _list(self, request: rq.Request, store: RegistryStore) -> Object:
        query = request.query
        labels, fields = self.selectors(request, store)
        result = store.list(
            request.namespace,
            label_selector=labels,
            field_selector=fields,
            limit=_int_param(query, "limit", 0),
            continue_token=query.get("continue", ""),
            resource_version=query.get("resourceVersion", ""),
            resource_version_match=query.get("resourceVersionMatch", ""),
        )
        info = store.info
        metadata: dict[str, Any] = {"resourceVersion": str(result.resource_version)}
        if result.continue_token:
            metadata["continue"] = result.continue_token
        if result.remaining is not None:
            metadata["remainingItemCount"] = result.remaining
        for item in result.items:  # typed lists carry no TypeMeta on their items
            item.pop("kind", None)
            item.pop("apiVersion", None)
        return {
            "kind": info.list_kind,
            "apiVersion": info.api_version,
            "metadata": metadata,
            "items": result.items,
        }

    def selectors(
        self, request: rq.Request, store: RegistryStore
    ) -> tuple[LabelSelector | None, FieldSelector | None]:
        try:
            labels = (
                parse_label_selector(request.query["labelSelector"])
                if request.query.get("labelSelector")
                else None
            )
            fields = (
                parse_field_selector(request.query["fieldSelector"])
                if request.query.get("fieldSelector")
                else None
            )
        except SelectorParseError as exc:
            raise BadRequest(exc.message) from None
        if fields is not None:
            store.check_field_selector(fields)
            if request.name and fields.requires_exact_match("metadata.name") not in (
                None,
                request.name,
            ):
                raise BadRequest("fieldSelector metadata.name doesn't match requested name")
        return labels, fields

    # -- writes --------------------------------------------------------------------------------

    def _admission_hook(
        self,
        request: rq.Request,
        store: RegistryStore,
        operation: Operation,
        *,
        dry_run: bool | None = None,
    ) -> ValidateHook:
        async def validate(obj: Object, old: Object | None) -> None:
            await self.admission.validate(
                _attributes(request, store, operation, obj, old, dry_run=dry_run)
            )

        return validate

    async def _mutate(
        self,
        request: rq.Request,
        store: RegistryStore,
        operation: Operation,
        obj: Object,
        old: Object | None,
    ) -> None:
        await self.admission.admit(_attributes(request, store, operation, obj, old))

    def _decoded_body(self, request: rq.Request, store: RegistryStore) -> Object:
        """The request body as an object of this resource's kind (apiVersion/kind filled in
        from the URL when missing, as upstream's decoder defaults them)."""
        body = request.body
        if not isinstance(body, dict):
            raise BadRequest(
                f"the body of the request was in an unknown format - expected an object, got "
                f"{type(body).__name__}"
            )
        obj = objects.deep_copy(body)
        info = store.info
        expected_kind = info.kind
        api_version = obj.setdefault("apiVersion", info.api_version)
        kind = obj.setdefault("kind", expected_kind)
        if request.subresource == "scale":
            return obj
        if api_version != info.api_version:
            raise BadRequest(
                f"the API version in the data ({api_version}) does not match the expected API "
                f"version ({info.api_version})"
            )
        if kind != expected_kind:
            raise BadRequest(
                f"the kind in the data ({kind}) does not match the expected kind ({expected_kind})"
            )
        if not isinstance(obj.get("metadata", {}), dict):
            raise BadRequest("metadata must be an object")
        return obj

    def _typed_body(
        self, request: rq.Request, store: RegistryStore, warnings: list[str], options: str
    ) -> Object:
        """The body decoded as Go would decode it into the kind's type: type errors refused,
        unknown fields dropped, and reported per ``fieldValidation`` (Warn by default)."""
        obj = self._decoded_body(request, store)
        info = store.info
        if not _has_schema(info):
            return obj
        result = decode_check(
            obj,
            info.group,
            info.version,
            info.kind,
            raw=request.raw_body,
            field_validation=request.query.get("fieldValidation"),
            options_kind=options,
        )
        warnings.extend(result.warnings)
        # result.obj shares only with obj, which is this request's private copy
        return result.obj

    async def _create(
        self, request: rq.Request, store: RegistryStore, warnings: list[str]
    ) -> Object:
        if request.subresource:
            raise MethodNotSupported(GroupResource(store.info.group, store.info.resource), "create")
        now = self.clock.timestamp()

        def prepare() -> tuple[Object, tuple[str, ...]]:
            found: list[str] = []
            obj = self._typed_body(request, store, found, "CreateOptions")
            store.strategy.default(obj)
            record_update(request, store.info, None, obj, now)
            return obj, tuple(found)

        if request.raw_body is None and store.strategy.name_blind_defaults:
            options = (request.query.get("fieldValidation") or "", manager_of(request))
            obj, found = self._create_memo.prepare(store, options, request.body, now, prepare)
        else:
            obj, found = prepare()
        warnings.extend(found)
        dry_run = _dry_run(request)
        await self.admission.admit(
            _attributes(request, store, Operation.CREATE, obj, None, dry_run=dry_run)
        )
        if store.info.group == "" and store.info.resource == "services":
            self._allocate_service(obj)
        created = await store.create(
            obj,
            request.namespace,
            dry_run=dry_run,
            validate=self._admission_hook(request, store, Operation.CREATE, dry_run=dry_run),
        )
        if store is self.namespaces and not dry_run:
            await self._ensure_default_service_account(created["metadata"]["name"])
        return created

    def _allocate_service(self, obj: Object) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return  # validation reports it
        store = self.stores[("", "v1", "services")]
        services = [
            objects.decode(kv.value) for kv in self.kv.range(store.prefix + "/", prefix=True).kvs
        ]
        errors = self.services.allocate(spec, services, self.clock.rng)
        if errors:
            raise Invalid(GroupKind("", "Service"), objects.name_of(obj), errors)

    async def _update(
        self, request: rq.Request, store: RegistryStore, warnings: list[str]
    ) -> tuple[int, Object]:
        if request.subresource == "scale":
            return 200, await self._write_scale(request, store, self._decoded_body(request, store))
        obj = self._typed_body(request, store, warnings, "UpdateOptions")
        body_name = objects.name_of(obj)
        if body_name and body_name != request.name:
            raise BadRequest(
                f"the name of the object ({body_name}) does not match the name on the URL "
                f"({request.name})"
            )
        objects.meta(obj)["name"] = request.name
        if request.subresource == "finalize":
            return 200, await self._finalize_namespace(request, store, obj)

        async def compute(current: Object | None) -> Object:
            new = objects.deep_copy(obj)
            store.strategy.default(new)
            record_update(request, store.info, current, new, self.clock.timestamp())
            operation = Operation.CREATE if current is None else Operation.UPDATE
            await self._mutate(request, store, operation, new, current)
            return new

        result, created = await store.update(
            request.namespace,
            request.name,
            compute,
            subresource=request.subresource,
            dry_run=_dry_run(request),
            validate=self._admission_hook(request, store, Operation.UPDATE),
        )
        return (201 if created else 200), result

    async def _patch(
        self, request: rq.Request, store: RegistryStore, warnings: list[str]
    ) -> tuple[int, Object]:
        content_type = request.content_type.split(";")[0].strip()
        info = store.info
        strategic = False
        apply: Callable[[Any, Any], Any]
        if content_type == rq.JSON_PATCH:
            apply = apply_json_patch
        elif content_type == rq.MERGE_PATCH:
            apply = apply_merge_patch
        elif content_type == rq.STRATEGIC_MERGE_PATCH:
            sub = info.subresource(request.subresource) if request.subresource else None
            group, version, kind = (
                (sub.group or info.group, sub.version or info.version, sub.kind)
                if sub is not None and request.subresource == "scale"
                else (info.group, info.version, info.kind)
            )
            try:
                schema = type_node(group, version, kind)
            except KeyError:
                # kinds without a built-in schema (custom resources) take no strategic merge
                raise UnsupportedMediaType(
                    [rq.JSON_PATCH, rq.MERGE_PATCH, rq.APPLY_PATCH]
                ) from None

            def apply(current: Any, patch: Any) -> Any:
                return apply_strategic_merge_patch(current, patch, schema)

            strategic = True

        elif content_type == rq.APPLY_PATCH:
            return await self._apply(request, store)
        else:
            raise UnsupportedMediaType(list(rq.PATCH_TYPES))
        check_patch_options(request, is_apply=False)
        patch = request.body
        typed = _has_schema(info) and request.subresource != "scale"

        if request.subresource == "scale":
            current = store.get(request.namespace, request.name)
            patched = apply(scale_of(current), patch)
            return 200, await self._write_scale(request, store, patched)

        async def compute(current: Object | None) -> Object:
            assert current is not None
            new = apply(current, patch)
            if not isinstance(new, dict):
                raise BadRequest("the patched object is not a JSON object")
            if typed:
                checked = check_patched(
                    new,
                    info.group,
                    info.version,
                    info.kind,
                    bad_value=go_sprint(patch) if strategic else objects.encode(new).decode(),
                    field_validation=request.query.get("fieldValidation"),
                    strategic=strategic,
                )
                new = checked.obj  # shares only with the patch result, which is ours
                warnings.extend(checked.warnings)
            store.strategy.default(new)
            record_update(request, store.info, current, new, self.clock.timestamp())
            await self._mutate(request, store, Operation.UPDATE, new, current)
            return new

        result, created = await store.update(
            request.namespace,
            request.name,
            compute,
            subresource=request.subresource,
            dry_run=_dry_run(request),
            validate=self._admission_hook(request, store, Operation.UPDATE),
        )
        return (201 if created else 200), result

    async def _apply(self, request: rq.Request, store: RegistryStore) -> tuple[int, Object]:
        """Server-side apply: merge the configuration by the kind's schema, creating the
        object when it does not exist (201)."""
        check_patch_options(request, is_apply=True)
        if request.subresource == "scale":
            return await apply_scale(self, request, store)
        config = request.body
        if isinstance(config, dict) and objects.name_of(config) not in ("", request.name):
            raise BadRequest(
                f"the name of the object ({objects.name_of(config)}) does not match the name "
                f"on the URL ({request.name})"
            )

        async def compute(current: Object | None) -> Object:
            new = server_side_apply(request, store.info, current, config, self.clock.timestamp())
            objects.meta(new)["name"] = request.name
            store.strategy.default(new)
            operation = Operation.CREATE if current is None else Operation.UPDATE
            await self._mutate(request, store, operation, new, current)
            return new

        result, created = await store.update(
            request.namespace,
            request.name,
            compute,
            subresource=request.subresource,
            dry_run=_dry_run(request),
            validate=self._admission_hook(request, store, Operation.UPDATE),
            create_if_missing=not request.subresource,
        )
        return (201 if created else 200), result

    async def _write_scale(self, request: rq.Request, store: RegistryStore, scale: Any) -> Object:
        if not isinstance(scale, dict):
            raise BadRequest("the body of the request must be an autoscaling/v1 Scale")
        replicas = (scale.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            from minikube_py import field
            from minikube_py.errors import GroupKind, Invalid

            raise Invalid(
                GroupKind("autoscaling", "Scale"),
                request.name,
                [field.invalid("spec.replicas", replicas, "must be greater than or equal to 0")],
            )
        wanted_rv = (scale.get("metadata") or {}).get("resourceVersion")

        async def compute(current: Object | None) -> Object:
            assert current is not None
            before = scale_of(current)
            current.setdefault("spec", {})["replicas"] = replicas
            # the writer's ownership of spec.replicas, recorded on the parent (ScaleHandler)
            record_scale_write(
                request, store.info.api_version, current, before, scale, self.clock.timestamp()
            )
            if wanted_rv:
                current["metadata"]["resourceVersion"] = wanted_rv
            else:
                current["metadata"].pop("resourceVersion", None)
            return current

        result, _ = await store.update(
            request.namespace,
            request.name,
            compute,
            dry_run=_dry_run(request),
            validate=self._admission_hook(request, store, Operation.UPDATE),
        )
        return scale_of(result)

    async def _finalize_namespace(
        self, request: rq.Request, store: RegistryStore, obj: Object
    ) -> Object:
        strategy = store.strategy
        assert isinstance(strategy, NamespaceStrategy)

        async def compute(current: Object | None) -> Object:
            assert current is not None
            new = objects.deep_copy(obj)
            strategy.prepare_for_finalize(new, current)
            wanted_rv = obj["metadata"].get("resourceVersion")
            new["metadata"] = current["metadata"]
            if wanted_rv:
                new["metadata"]["resourceVersion"] = wanted_rv
            return new

        # the finalize strategy is the whole preparation; a terminating namespace left without
        # finalizers of either kind is deleted by the store (should_delete_during_update)
        result, _ = await store.update(
            "", request.name, compute, dry_run=_dry_run(request), prepare=False
        )
        return result

    async def _delete(self, request: rq.Request, store: RegistryStore) -> tuple[int, Object]:
        options = _delete_options(request)
        if store.info.group == "" and store.info.resource == "namespaces":
            return 200, await self._delete_namespace(request, store, options)
        outcome = await store.delete(
            request.namespace,
            request.name,
            grace_period_seconds=options.get("gracePeriodSeconds"),
            propagation_policy=options.get("propagationPolicy"),
            precondition_uid=(options.get("preconditions") or {}).get("uid"),
            precondition_resource_version=(options.get("preconditions") or {}).get(
                "resourceVersion"
            ),
            dry_run=_dry_run(request, options),
            validate=self._admission_hook(request, store, Operation.DELETE),
        )
        if outcome.deleted and not store.strategy.return_deleted_object:
            details = {
                "name": request.name,
                "kind": store.info.resource,
                "uid": outcome.obj["metadata"].get("uid"),
            }
            if store.info.group:
                details["group"] = store.info.group
            return 200, success_status(details)
        return 200, outcome.obj

    async def _delete_namespace(
        self, request: rq.Request, store: RegistryStore, options: dict[str, Any]
    ) -> Object:
        """Namespace deletion (``pkg/registry/core/namespace/storage``): with spec finalizers the
        namespace turns Terminating and waits for the namespace controller to finalize it."""
        current = store.get("", request.name)
        await self.admission.validate(
            _attributes(request, store, Operation.DELETE, current, current)
        )
        if not (current.get("spec") or {}).get("finalizers") and not current["metadata"].get(
            "finalizers"
        ):
            outcome = await store.delete("", request.name, dry_run=_dry_run(request, options))
            return outcome.obj
        now = self.clock.timestamp()

        async def compute(existing: Object | None) -> Object:
            assert existing is not None
            existing["status"] = {**(existing.get("status") or {}), "phase": "Terminating"}
            existing["metadata"].setdefault("deletionTimestamp", now)
            existing["metadata"].setdefault("deletionGracePeriodSeconds", 0)
            return existing

        result, _ = await store.update(
            "", request.name, compute, dry_run=_dry_run(request, options), prepare=False
        )
        return result

    async def _delete_collection(self, request: rq.Request, store: RegistryStore) -> Object:
        listed = self._list(
            rq.Request(
                verb="list",
                group=request.group,
                version=request.version,
                resource=request.resource,
                namespace=request.namespace,
                query={
                    k: v
                    for k, v in request.query.items()
                    if k in ("labelSelector", "fieldSelector")
                },
            ),
            store,
        )
        deleted = []
        for item in listed["items"]:
            single = rq.Request(
                verb="delete",
                group=request.group,
                version=request.version,
                resource=request.resource,
                namespace=item["metadata"].get("namespace", ""),
                name=item["metadata"]["name"],
                body=request.body,
                query=request.query,
                user=request.user,
            )
            try:
                _, body = await self._delete(single, store)
            except NotFound:
                continue
            if body.get("kind") != "Status":
                body.pop("kind", None)
                body.pop("apiVersion", None)
                deleted.append(body)
        listed["items"] = deleted
        return listed


def _attributes(
    request: rq.Request,
    store: RegistryStore,
    operation: Operation,
    obj: Object,
    old: Object | None,
    *,
    dry_run: bool | None = None,
) -> Attributes:
    """What admission plugins see of a write (``dry_run``: the request's, when known)."""
    return Attributes(
        operation=operation,
        info=store.info,
        namespace=request.namespace,
        name=_admission_name(obj, request),
        subresource=request.subresource,
        obj=obj,
        old=old,
        user=request.user.name,
        dry_run=_dry_run(request) if dry_run is None else dry_run,
    )


def _admission_name(obj: Object, request: rq.Request) -> str:
    """The name admission reports: the object's, else its generateName (as upstream's
    ``admission.NewForbidden`` falls back to), else the URL's."""
    metadata = obj.get("metadata") if isinstance(obj, dict) else None
    if isinstance(metadata, dict):
        return metadata.get("name") or metadata.get("generateName") or request.name
    return request.name


def _has_schema(info: ResourceInfo) -> bool:
    try:
        type_node(info.group, info.version, info.kind)
    except KeyError:
        return False
    return True


def _int_param(query: dict[str, str], name: str, default: int) -> int:
    value = query.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"invalid {name} parameter: {value!r}") from None
    if number < 0:
        raise BadRequest(f"invalid {name} parameter: {value!r}")
    return number


def _dry_run(request: rq.Request, options: dict[str, Any] | None = None) -> bool:
    values = request.query.get("dryRun", "")
    listed = [v for v in values.split(",") if v] if values else []
    if options and options.get("dryRun"):
        listed += list(options["dryRun"])
    for value in listed:
        if value != "All":
            raise BadRequest(f'Invalid dryRun value: "{value}": supported values: "All"')
    return bool(listed)


def _delete_options(request: rq.Request) -> dict[str, Any]:
    """DeleteOptions from the body (kubectl sends one) merged with query parameters."""
    body = request.body if isinstance(request.body, dict) else {}
    options = dict(body)
    query = request.query
    if "gracePeriodSeconds" in query:
        try:
            options["gracePeriodSeconds"] = int(query["gracePeriodSeconds"])
        except ValueError:
            raise BadRequest("invalid gracePeriodSeconds") from None
    if "propagationPolicy" in query:
        options["propagationPolicy"] = query["propagationPolicy"]
    if "orphanDependents" in query and "propagationPolicy" not in options:
        options["propagationPolicy"] = (
            "Orphan" if rq.is_true(query["orphanDependents"]) else "Background"
        )
    elif "orphanDependents" in options and "propagationPolicy" not in options:
        options["propagationPolicy"] = "Orphan" if options["orphanDependents"] else "Background"
    policy = options.get("propagationPolicy")
    if policy is not None and policy not in ("Orphan", "Background", "Foreground"):
        raise BadRequest(
            f'Invalid value: "{policy}": propagationPolicy must be one of '
            "Orphan, Background, Foreground"
        )
    grace = options.get("gracePeriodSeconds")
    if grace is not None and (not isinstance(grace, int) or isinstance(grace, bool)):
        raise BadRequest("gracePeriodSeconds must be an integer")
    return options
