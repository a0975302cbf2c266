"""Pod subresources that are not stored objects: ``pods/binding`` and ``pods/eviction``.

Both are ``create`` on a subresource whose body is another kind (a ``v1 Binding``, a
``policy/v1 Eviction``), answered on success with a ``Success`` Status -- ``201``, since the
create handler fills in the code of a Status it is handed (``handlers/create.go``). They follow
``pkg/registry/core/pod/storage/storage.go`` (``BindingREST``) and ``eviction.go``
(``EvictionREST``) of Kubernetes 1.32:

* **binding** sets ``spec.nodeName`` of a pod that has none, merges the binding's annotations
  and sets ``PodScheduled=True``, straight in storage (no pod strategy, as upstream's
  ``GuaranteedUpdate``); a pod already bound, being deleted or still gated answers ``409``
  ``Operation cannot be fulfilled on pods/binding "p": ...``. The top-level namespaced
  ``bindings`` resource (``LegacyBindingREST``) takes the pod's name from the Binding.
* **eviction** deletes the pod with the eviction's ``DeleteOptions`` unless a
  PodDisruptionBudget forbids it: pods that are terminal, pending or already being deleted are
  deleted at once; otherwise the single matching PDB (more than one is a ``500``) must have
  observed its generation and allow a disruption, which is then spent (``disruptionsAllowed``
  decremented, the pod recorded in ``disruptedPods``) before the pod gets the
  ``DisruptionTarget`` condition and is deleted. An unready pod may go without spending the
  budget when the PDB's ``unhealthyPodEvictionPolicy`` is ``AlwaysAllow``, or under the default
  ``IfHealthyBudget`` while the application is healthy enough.

Both pass mutating and validating admission with the Binding or Eviction as the object, as
upstream's create handler does before calling the REST storage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apiserver.admission import Operation
from apiserver.endpoints import request as rq
from apiserver.registry.store import RegistryStore
from apiserver.schema import decode_check
from minikube_py import field, objects
from minikube_py.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    GroupKind,
    GroupResource,
    Invalid,
    MethodNotSupported,
    StatusError,
    Timeout,
    TooManyRequests,
    from_status,
    success_status,
)
from minikube_py.objects import Object
from minikube_py.selectors import SelectorParseError, from_label_selector

if TYPE_CHECKING:
    from apiserver.endpoints.server import APIServer

_PODS = GroupResource("", "pods")
_BINDING = GroupResource("", "pods/binding")
_PDBS = ("policy", "v1", "poddisruptionbudgets")

#: Above this many evictions not yet confirmed by the disruption controller, a PDB refuses more.
MAX_DISRUPTED_POD_SIZE = 2000
#: The message of every 429 an eviction answers (``eviction.go``).
EVICTION_REFUSED = "Cannot evict pod as it would violate the pod's disruption budget."
#: ``policyv1.DisruptionBudgetCause``.
DISRUPTION_BUDGET_CAUSE = "DisruptionBudget"
#: Retries of the PDB verify-and-decrement on conflicts (upstream ``EvictionsRetry.Steps``).
_EVICTION_RETRIES = 20
#: Who writes a PDB's status on an eviction: kube-apiserver's loopback client.
_LOOPBACK_USER = rq.UserInfo("system:apiserver", ("system:masters", "system:authenticated"))
_LOOPBACK_AGENT = "kube-apiserver/v1.32.0 (linux/amd64) kubernetes/minikube-py"


async def create_subresource(
    server: APIServer, request: rq.Request, store: RegistryStore, warnings: list[str]
) -> tuple[int, Any]:
    """``POST .../pods/NAME/{binding,eviction}`` and ``POST .../namespaces/NS/bindings``."""
    info = store.info
    if info.group == "" and info.resource == "bindings":
        return await create_legacy_binding(server, request, warnings)
    if info.group == "" and info.resource == "pods":
        if request.subresource == "binding":
            return await _bind(server, request, store, warnings)
        if request.subresource == "eviction":
            return await _evict(server, request, store, warnings)
    raise MethodNotSupported(GroupResource(info.group, info.resource), "create")


def pod_condition(condition_type: str, now: str, **more: str) -> dict[str, Any]:
    """A pod condition as ``podutil.UpdatePodCondition`` writes it (``lastProbeTime`` null)."""
    return {
        "type": condition_type,
        "status": "True",
        "lastProbeTime": None,
        "lastTransitionTime": now,
        **more,
    }


def update_pod_condition(pod: Object, condition: dict[str, Any]) -> None:
    """``podutil.UpdatePodCondition``: add or replace, keeping the transition time of a
    condition whose status did not change."""
    status = pod.setdefault("status", {})
    conditions = status.setdefault("conditions", [])
    for i, existing in enumerate(conditions):
        if isinstance(existing, dict) and existing.get("type") == condition["type"]:
            if existing.get("status") == condition["status"]:
                condition = {
                    **condition,
                    "lastTransitionTime": existing.get("lastTransitionTime"),
                }
            conditions[i] = condition
            return
    conditions.append(condition)


def _decode(
    request: rq.Request, group: str, version: str, kind: str, accepted: tuple[str, ...]
) -> Object:
    """The body as the subresource's kind: TypeMeta defaulted, checked against its schema."""
    body = request.body
    if not isinstance(body, dict):
        raise BadRequest(
            "the body of the request was in an unknown format - expected an object, got "
            f"{type(body).__name__}"
        )
    obj = objects.deep_copy(body)
    api_version = obj.setdefault("apiVersion", objects.join_api_version(group, version))
    obj_kind = obj.setdefault("kind", kind)
    if api_version not in accepted or obj_kind != kind:
        raise BadRequest(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({accepted[0]})"
            if obj_kind == kind
            else f"the kind in the data ({obj_kind}) does not match the expected kind ({kind})"
        )
    result = decode_check(
        obj,
        group,
        version,
        kind,
        raw=request.raw_body if api_version == accepted[0] else None,
        field_validation=request.query.get("fieldValidation"),
    )
    obj = result.obj
    metadata = obj.setdefault("metadata", {})
    namespace = metadata.get("namespace")
    if namespace and namespace != request.namespace:
        raise BadRequest(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    metadata["namespace"] = request.namespace
    return obj


# -- binding -----------------------------------------------------------------------------------


async def _bind(
    server: APIServer, request: rq.Request, store: RegistryStore, warnings: list[str]
) -> tuple[int, Object]:
    from apiserver.endpoints.server import _attributes, _dry_run

    binding = _decode(request, "", "v1", "Binding", ("v1",))
    name = objects.name_of(binding)
    if request.name and name != request.name:
        raise BadRequest("name in URL does not match name in Binding object")
    request_for_pod = request if request.name else _with_name(request, name)
    target = binding.get("target") or {}
    errors = []
    if target.get("kind") and target["kind"] != "Node":
        errors.append(field.not_supported("target.kind", target["kind"], ["Node", "<empty>"]))
    if not target.get("name"):
        errors.append(field.required("target.name"))
    if errors:
        raise Invalid(GroupKind("", "Binding"), name, errors)
    await server.admission.admit(
        _attributes(request_for_pod, store, Operation.CREATE, binding, None)
    )
    await server.admission.validate(
        _attributes(request_for_pod, store, Operation.CREATE, binding, None)
    )
    node = str(target["name"])
    annotations = (binding.get("metadata") or {}).get("annotations") or {}
    now = server.clock.timestamp()

    async def assign(current: Object | None) -> Object:
        assert current is not None
        metadata = current["metadata"]
        spec = current.setdefault("spec", {})
        if metadata.get("deletionTimestamp"):
            raise Conflict(
                _BINDING, name, f"pod {name} is being deleted, cannot be assigned to a host"
            )
        if spec.get("nodeName"):
            raise Conflict(
                _BINDING,
                name,
                f"pod {name} is already assigned to node {field.go_quote(spec['nodeName'])}",
            )
        if spec.get("schedulingGates"):
            raise Conflict(_BINDING, name, f"pod {name} has non-empty .spec.schedulingGates")
        spec["nodeName"] = node
        if annotations:
            metadata["annotations"] = {**(metadata.get("annotations") or {}), **annotations}
        update_pod_condition(current, pod_condition("PodScheduled", now))
        return current

    await store.update(request.namespace, name, assign, dry_run=_dry_run(request), prepare=False)
    return 201, {**success_status(), "code": 201}


def _with_name(request: rq.Request, name: str) -> rq.Request:
    return rq.Request(
        verb=request.verb,
        group=request.group,
        version=request.version,
        resource="pods",
        namespace=request.namespace,
        name=name,
        subresource="binding",
        body=request.body,
        raw_body=request.raw_body,
        content_type=request.content_type,
        query=request.query,
        user=request.user,
        user_agent=request.user_agent,
    )


async def create_legacy_binding(
    server: APIServer, request: rq.Request, warnings: list[str]
) -> tuple[int, Object]:
    """``POST /api/v1/namespaces/NS/bindings``: the pod is the one the Binding names."""
    pods = server.stores[("", "v1", "pods")]
    body = request.body if isinstance(request.body, dict) else {}
    name = objects.name_of(body) if isinstance(body.get("metadata"), dict) else ""
    if not name:
        raise BadRequest("Name parameter required.")  # the store's key function
    return await _bind(server, _with_name(request, name), pods, warnings)


# -- eviction ----------------------------------------------------------------------------------


async def _evict(
    server: APIServer, request: rq.Request, store: RegistryStore, warnings: list[str]
) -> tuple[int, Object]:
    from apiserver.endpoints.server import _attributes, _dry_run

    eviction = _decode(request, "policy", "v1", "Eviction", ("policy/v1", "policy/v1beta1"))
    name = objects.name_of(eviction)
    if name != request.name:
        raise BadRequest("name in URL does not match name in Eviction object")
    options = _propagate_dry_run(eviction, request)
    _dry_run(request, options)  # refuses values other than All
    await server.admission.admit(_attributes(request, store, Operation.CREATE, eviction, None))
    await server.admission.validate(_attributes(request, store, Operation.CREATE, eviction, None))
    dry_run = bool(options.get("dryRun"))
    preconditions = options.get("preconditions") or {}
    rv_unset = preconditions.get("resourceVersion") is None

    pod = store.get(request.namespace, name)
    if _can_ignore_pdb(pod):
        if _should_enforce_resource_version(pod) and rv_unset:
            options = _with_resource_version(options, pod["metadata"]["resourceVersion"])
        await _condition_and_delete(server, store, request.namespace, name, options, dry_run)
        return 201, {**success_status(), "code": 201}

    pdbs = _matching_pdbs(server, pod)
    if len(pdbs) > 1:
        # a Failure Status returned as the create's result; its code is the response's (kubectl
        # drain reports it as an error, and does not retry it)
        return 500, {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "This pod has more than one PodDisruptionBudget, which the eviction "
            "subresource does not support.",
            "code": 500,
        }
    update_precondition = False
    pdb_name = ""
    if pdbs:
        pdb = pdbs[0]
        pdb_name = objects.name_of(pdb)
        spec, status = pdb.get("spec") or {}, pdb.get("status") or {}
        # an unready pod does not count towards the budget: it may go without spending it
        # when the policy says AlwaysAllow, or (IfHealthyBudget, the default) while the
        # application has the healthy pods it needs
        unhealthy_may_go = not _is_pod_ready(pod) and (
            spec.get("unhealthyPodEvictionPolicy") == "AlwaysAllow"
            or (
                status.get("currentHealthy", 0) >= status.get("desiredHealthy", 0)
                and status.get("desiredHealthy", 0) > 0
            )
        )
        if unhealthy_may_go:
            update_precondition = True
        else:
            await _check_and_decrement(server, request.namespace, name, pdb, dry_run)
    if update_precondition:
        options = _with_resource_version(options, pod["metadata"]["resourceVersion"])
    try:
        await _condition_and_delete(server, store, request.namespace, name, options, dry_run)
    except Conflict:
        if update_precondition and rv_unset:
            raise _still_processing(pdb_name) from None
        raise
    return 201, {**success_status(), "code": 201}


def _propagate_dry_run(eviction: Object, request: rq.Request) -> dict[str, Any]:
    """The eviction's DeleteOptions with the request's dryRun pushed in (``propagateDryRun``)."""
    options = dict(eviction.get("deleteOptions") or {})
    query = request.query.get("dryRun", "")
    from_query = [v for v in query.split(",") if v] if query else []
    in_body = list(options.get("dryRun") or [])
    if not in_body:
        options["dryRun"] = from_query
    elif from_query and from_query != in_body:
        raise BadRequest(
            f"Non-matching dry-run options in request and content: [{' '.join(from_query)}] "
            f"and [{' '.join(in_body)}]"
        )
    if not options["dryRun"]:
        del options["dryRun"]
    return options


def _with_resource_version(options: dict[str, Any], resource_version: str) -> dict[str, Any]:
    return {
        **options,
        "preconditions": {
            **(options.get("preconditions") or {}),
            "resourceVersion": resource_version,
        },
    }


def _can_ignore_pdb(pod: Object) -> bool:
    phase = (pod.get("status") or {}).get("phase")
    return phase in ("Succeeded", "Failed", "Pending") or bool(
        pod["metadata"].get("deletionTimestamp")
    )


def _should_enforce_resource_version(pod: Object) -> bool:
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not pod["metadata"].get("deletionTimestamp")


def _is_pod_ready(pod: Object) -> bool:
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if isinstance(condition, dict) and condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


def _matching_pdbs(server: APIServer, pod: Object) -> list[Object]:
    """The PDBs of the pod's namespace whose selector matches it (a null selector matches
    nothing, an empty one everything; a bad one nothing)."""
    pdbs = server.stores[_PDBS].list(objects.namespace_of(pod)).items
    labels = objects.labels_of(pod)
    matching = []
    for pdb in pdbs:
        try:
            selector = from_label_selector((pdb.get("spec") or {}).get("selector"))
        except SelectorParseError:
            continue
        if selector.matches(labels):
            matching.append(pdb)
    return matching


def _too_many_requests(cause: str, retry_after_seconds: int = 0) -> TooManyRequests:
    error = TooManyRequests(EVICTION_REFUSED, retry_after_seconds)
    # upstream's NewTooManyRequests keeps the message as given, with no "Too many requests:"
    error.message = EVICTION_REFUSED
    details = error.details if error.details is not None else {}
    details.setdefault("causes", []).append({"reason": DISRUPTION_BUDGET_CAUSE, "message": cause})
    error.details = details
    return error


def _still_processing(pdb_name: str) -> TooManyRequests:
    return _too_many_requests(
        f"The disruption budget {pdb_name} is still being processed by the server.", 10
    )


async def _check_and_decrement(
    server: APIServer, namespace: str, pod_name: str, pdb: Object, dry_run: bool
) -> None:
    """Verify the budget allows one more disruption and spend it (``checkAndDecrement``),
    re-reading the PDB on conflicts."""
    pdbs = server.stores[_PDBS]
    pdb_name = objects.name_of(pdb)
    for attempt in range(_EVICTION_RETRIES):
        if attempt:
            pdb = pdbs.get(namespace, pdb_name)
        status = pdb.get("status") or {}
        if status.get("observedGeneration", 0) < (pdb["metadata"].get("generation") or 0):
            raise _still_processing(pdb_name)
        allowed = status.get("disruptionsAllowed", 0)
        if allowed < 0:
            raise Forbidden(
                GroupResource("policy", "poddisruptionbudget"),
                pdb_name,
                "pdb disruptions allowed is negative",
            )
        if len(status.get("disruptedPods") or {}) > MAX_DISRUPTED_POD_SIZE:
            raise Forbidden(
                GroupResource("policy", "poddisruptionbudget"),
                pdb_name,
                "DisruptedPods map too big - too many evictions not confirmed by PDB controller",
            )
        if allowed == 0:
            raise _too_many_requests(
                f"The disruption budget {pdb_name} needs {status.get('desiredHealthy', 0)} "
                f"healthy pods and has {status.get('currentHealthy', 0)} currently"
            )
        if dry_run:
            return
        new = objects.deep_copy(pdb)
        new_status = new.setdefault("status", {})
        new_status["disruptionsAllowed"] = allowed - 1
        if allowed - 1 == 0:
            _disruption_allowed_condition(new, server.clock.timestamp())
        new_status["disruptedPods"] = {
            **(new_status.get("disruptedPods") or {}),
            pod_name: server.clock.timestamp(),
        }

        # through the whole pipeline, as upstream's loopback client writes it (admission, the
        # kube-apiserver's managedFields entry); a conflict means the PDB moved: read it again
        response = await server.handle(
            rq.Request(
                verb="update",
                group="policy",
                version="v1",
                resource="poddisruptionbudgets",
                namespace=namespace,
                name=pdb_name,
                subresource="status",
                body=new,
                user=_LOOPBACK_USER,
                user_agent=_LOOPBACK_AGENT,
            )
        )
        if response.code == 409:
            continue
        if response.code >= 400:
            raise from_status(response.body)
        return
    raise _timeout(pdb_name)


def _timeout(pdb_name: str) -> StatusError:
    return Timeout(
        f"couldn't update PodDisruptionBudget {field.go_quote(pdb_name)} due to conflicts", 10
    )


def _disruption_allowed_condition(pdb: Object, now: str) -> None:
    """``pdbhelper.UpdateDisruptionAllowedCondition`` once the budget is spent."""
    status = pdb.setdefault("status", {})
    conditions = status.setdefault("conditions", [])
    condition = {
        "type": "DisruptionAllowed",
        "status": "False",
        "observedGeneration": status.get("observedGeneration", 0),
        "lastTransitionTime": now,
        "reason": "InsufficientPods",
        "message": "",
    }
    for i, existing in enumerate(conditions):
        if existing.get("type") == "DisruptionAllowed":
            if existing.get("status") == "False":
                condition["lastTransitionTime"] = existing.get("lastTransitionTime", now)
            conditions[i] = condition
            return
    conditions.append(condition)


async def _condition_and_delete(
    server: APIServer,
    store: RegistryStore,
    namespace: str,
    name: str,
    options: dict[str, Any],
    dry_run: bool,
) -> None:
    """``addConditionAndDeletePod``: mark the pod ``DisruptionTarget`` (unless a dry run),
    then delete it with the eviction's options."""
    preconditions = dict(options.get("preconditions") or {})
    if not dry_run:
        now = server.clock.timestamp()

        async def add_condition(current: Object | None) -> Object:
            assert current is not None
            metadata = current["metadata"]
            uid = preconditions.get("uid")
            if uid and uid != metadata.get("uid"):
                raise Conflict(
                    GroupResource("", "Pod"),
                    name,
                    f"the UID in the precondition ({uid}) does not match the UID in record "
                    f"({metadata.get('uid')}). The object might have been deleted and then "
                    "recreated",
                )
            rv = preconditions.get("resourceVersion")
            if rv and rv != metadata.get("resourceVersion"):
                raise Conflict(
                    GroupResource("", "Pod"),
                    name,
                    f"the ResourceVersion in the precondition ({rv}) does not match the "
                    f"ResourceVersion in record ({metadata.get('resourceVersion')}). The object "
                    "might have been modified",
                )
            update_pod_condition(
                current,
                pod_condition(
                    "DisruptionTarget",
                    now,
                    reason="EvictionByEvictionAPI",
                    message="Eviction API: evicting",
                ),
            )
            return current

        updated, _ = await store.update(namespace, name, add_condition, subresource="status")
        if preconditions.get("resourceVersion") is not None:
            preconditions["resourceVersion"] = updated["metadata"]["resourceVersion"]
    grace = options.get("gracePeriodSeconds")
    if grace is not None and (not isinstance(grace, int) or isinstance(grace, bool)):
        raise BadRequest("gracePeriodSeconds must be an integer")
    policy = options.get("propagationPolicy")
    if policy is None and options.get("orphanDependents") is not None:
        policy = "Orphan" if options["orphanDependents"] else "Background"
    if policy is not None and policy not in ("Orphan", "Background", "Foreground"):
        raise BadRequest(
            f'Invalid value: "{policy}": propagationPolicy must be one of '
            "Orphan, Background, Foreground"
        )
    await store.delete(
        namespace,
        name,
        grace_period_seconds=grace,
        propagation_policy=policy,
        precondition_uid=preconditions.get("uid"),
        precondition_resource_version=preconditions.get("resourceVersion"),
        dry_run=dry_run,
    )


__all__ = [
    "DISRUPTION_BUDGET_CAUSE",
    "EVICTION_REFUSED",
    "MAX_DISRUPTED_POD_SIZE",
    "create_legacy_binding",
    "create_subresource",
    "pod_condition",
    "update_pod_condition",
]
