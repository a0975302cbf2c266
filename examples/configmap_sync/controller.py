"""ConfigMapSync: one template ConfigMap, copied into every namespace and kept there.

The upstream model is kube-controller-manager's root-CA publisher
(``pkg/controller/certificates/rootcacertpublisher/publisher.go``), which keeps
``kube-root-ca.crt`` in every namespace: its ``syncNamespace`` is our :meth:`sync_namespace`,
and like it we take over a ConfigMap already holding the name and do not retry a namespace that
refuses new content.

Templates and copies
--------------------
A *template* is a ConfigMap in the template namespace (``kube-system`` unless told otherwise)
labelled ``example.minikube-py.dev/template=true``. Every *other* namespace gets a *copy*: a
ConfigMap named by the template's ``example.minikube-py.dev/copy-name`` annotation (the
template's own name without it) with the template's ``data`` and ``binaryData``, the label
``example.minikube-py.dev/managed=true``, and two annotations: which template it copies
(``namespace/name``) and the template ``resourceVersion`` it was made from. Other labels and
annotations on a copy are left alone; the name is claimed in every namespace, so a ConfigMap
of that name that no template manages is taken over.

One request per template
------------------------
``reconcile`` works on a template (``Request("kube-system", "shared-template")``). Two
informers feed it, one per resource as controller-runtime's cache keeps them:

* ConfigMaps: a template -> itself; a copy -> the template named in its annotation, so an
  edited copy is repaired and a deleted one comes back;
* Namespaces, on creation -> every template (a new namespace needs every copy).

Reads come from the informers' caches, writes go to the API conditional on the cached
``resourceVersion``: a stale cache costs a ``Conflict`` or ``AlreadyExists`` and a retry, never
a lost write. Only the clean-up lists live, because a copy the cache has not seen yet must not
outlive its template.

Deletion
--------
Owner references cannot point across namespaces, so the garbage collector cannot remove the
copies. A finalizer on the template (``example.minikube-py.dev/cleanup``, through
:func:`controllers.runtime.finalizers.finalize`) holds the template until every copy is
deleted. Taking the template label away releases a template the same way: its copies go, then
the finalizer.

Failures
--------
Writes the API refuses for a reason that retrying cannot change are terminal for that namespace
-- ``Forbidden`` (upstream's answer for a namespace being terminated, which accepts no new
content and never becomes Active again), ``Invalid`` (the copy the template produces is
rejected, e.g. a copy name that is not a DNS subdomain) and a copy name another template
already holds. Each records a Warning ``SyncFailed`` event on the template; the other namespaces
are still synced, and then the reconcile ends with :class:`~controllers.runtime.TerminalError`:
no retry until something changes (the template, a copy, a new namespace). The publisher returns
success there instead; a terminal error says the same to the runtime (forget the item) while
keeping the failure on record. Every other API error is raised after the remaining namespaces
are tried, and the runtime retries with backoff.
"""

from __future__ import annotations

import contextlib
from enum import StrEnum
from typing import Protocol

from controllers.runtime import Controller, Request, Result, TerminalError
from controllers.runtime.events import NORMAL, WARNING, EventRecorder
from controllers.runtime.finalizers import finalize
from minikube_py import objects
from minikube_py.client import Client
from minikube_py.errors import AlreadyExists, Forbidden, Invalid, NotFound, StatusError
from minikube_py.informer import SharedInformer
from minikube_py.objects import Object

#: on a ConfigMap in the template namespace: "true" makes it a template
TEMPLATE_LABEL = "example.minikube-py.dev/template"
#: on a template: the name of its copies (default: the template's name)
COPY_NAME_ANNOTATION = "example.minikube-py.dev/copy-name"
#: on a copy: "true"
MANAGED_LABEL = "example.minikube-py.dev/managed"
#: on a copy: ``namespace/name`` of its template
TEMPLATE_ANNOTATION = "example.minikube-py.dev/template"
#: on a copy: the template's resourceVersion it was made from
TEMPLATE_VERSION_ANNOTATION = "example.minikube-py.dev/template-resource-version"
#: on a template: its copies are deleted before it is
FINALIZER = "example.minikube-py.dev/cleanup"
COMPONENT = "configmap-sync"


class Reason(StrEnum):
    """The ``reason`` of the Events recorded on a template."""

    SYNCED = "Synced"  # Normal: a copy was created or updated
    SYNC_FAILED = "SyncFailed"  # Warning: the API refused a copy
    CLEANED_UP = "CleanedUp"  # Normal: the copies were deleted


class InformerFactory(Protocol):
    """Where shared informers come from: ``Manager.informer`` or ``ClusterHarness.informer``."""

    def __call__(
        self, resource: str, *, namespace: str = "", label_selector: str = ""
    ) -> SharedInformer: ...


class _Claimed(Exception):
    """The copy's name is held by a copy of another template."""


class ConfigMapSync:
    """The reconciler; :meth:`controller` wires it to its watches."""

    def __init__(
        self,
        client: Client,
        informers: InformerFactory,
        recorder: EventRecorder,
        *,
        template_namespace: str = "kube-system",
    ) -> None:
        self.client = client
        self.recorder = recorder
        self.template_namespace = template_namespace
        self.configmaps = informers("configmaps")
        self.namespaces = informers("namespaces")

    def controller(self, *, name: str = COMPONENT, workers: int = 1) -> Controller:
        controller = Controller(name, self.reconcile, workers=workers)
        controller.watch(self.configmaps, self._template_requests)
        controller.watch(self.namespaces, self._every_template, predicates=[_created])
        return controller

    # -- the reconcile loop --------------------------------------------------------------------

    async def reconcile(self, request: Request) -> Result | None:
        if request.namespace != self.template_namespace:
            return None  # a copy names a template elsewhere: not one of ours
        cached = self.configmaps.get(request.namespace, request.name)
        if cached is None:
            return None  # gone, and its finalizer saw to the copies
        template = _configmap(cached)
        if not _is_template(template):
            return await self._release(template)
        return await finalize(
            self.client, template, FINALIZER, apply=self.sync_copies, cleanup=self.delete_copies
        )

    async def sync_copies(self, template: Object) -> Result | None:
        """``apply``: a current copy in every namespace; copies under an old name deleted."""
        name = _copy_name(template)
        for stale in self._copies_of(template):
            if stale["metadata"]["name"] != name:
                await self._delete(stale)
        retry: StatusError | None = None
        refused: list[str] = []
        for namespace in sorted(objects.name_of(ns) for ns in self.namespaces.list()):
            if namespace == self.template_namespace:
                continue
            try:
                await self.sync_namespace(template, namespace)
            except (Forbidden, Invalid, _Claimed) as error:
                refused.append(namespace)
                message = f"ConfigMap {namespace}/{name}: {error}"
                await self.recorder.event(template, WARNING, Reason.SYNC_FAILED, message)
            except StatusError as error:
                retry = retry or error
        if retry is not None:
            raise retry  # backoff; the refusals are met again and recorded again
        if refused:
            raise TerminalError(f"copy of {_key(template)} refused in {', '.join(refused)}")
        return None

    async def sync_namespace(self, template: Object, namespace: str) -> None:
        """Create or repair the copy in one namespace."""
        want = _desired_copy(template, namespace)
        name = want["metadata"]["name"]
        have = self.configmaps.get(namespace, name)
        if have is None:
            try:
                await self.client.create(want, namespace=namespace)
            except AlreadyExists:  # our cache is behind: look at the real one
                have = await self.client.get("configmaps", name, namespace=namespace)
            else:
                await self._synced(template, f"Created ConfigMap {namespace}/{name}")
                return
        owner = _template_of(have)
        if owner not in ("", _key(template)):
            raise _Claimed(f"already a copy of {owner}")
        if _in_sync(have, want):
            return
        annotations = (have["metadata"].get("annotations") or {}).copy()
        drifted = annotations.get(TEMPLATE_VERSION_ANNOTATION) == _version(template)
        updated = _configmap(objects.deep_copy(have))
        metadata = updated["metadata"]
        metadata["labels"] = {**(metadata.get("labels") or {}), **want["metadata"]["labels"]}
        metadata["annotations"] = {**annotations, **want["metadata"]["annotations"]}
        for field in ("data", "binaryData"):
            updated.pop(field, None)
            if field in want:
                updated[field] = want[field]
        await self.client.update(updated)
        if drifted:
            await self._synced(template, f"Repaired ConfigMap {namespace}/{name}, edited by hand")
        else:
            await self._synced(
                template,
                f"Updated ConfigMap {namespace}/{name} to template version {_version(template)}",
            )

    async def delete_copies(self, template: Object) -> Result | None:
        """``cleanup``: delete every copy, listed live (the cache may miss a new one)."""
        listed = await self.client.list("configmaps", label_selector=f"{MANAGED_LABEL}=true")
        copies = [c for c in listed["items"] if _template_of(c) == _key(template)]
        for copy in copies:
            await self._delete(copy)
        if copies:
            message = f"Deleted {len(copies)} copies of {_key(template)}"
            await self.recorder.event(template, NORMAL, Reason.CLEANED_UP, message)
        return None

    # -- helpers -------------------------------------------------------------------------------

    async def _release(self, configmap: Object) -> Result | None:
        """The template label was taken away: clean up as if deleted, then drop the finalizer."""
        finalizers = configmap["metadata"].get("finalizers") or []
        if FINALIZER not in finalizers:
            return None
        await self.delete_copies(configmap)
        updated = objects.deep_copy(configmap)
        updated["metadata"]["finalizers"] = [f for f in finalizers if f != FINALIZER]
        await self.client.update(updated)
        return None

    def _copies_of(self, template: Object) -> list[Object]:
        return [c for c in self.configmaps.list() if _template_of(c) == _key(template)]

    async def _delete(self, copy: Object) -> None:
        metadata = copy["metadata"]
        with contextlib.suppress(NotFound):
            await self.client.delete(
                "configmaps",
                metadata["name"],
                namespace=metadata["namespace"],
                preconditions={"uid": metadata["uid"]},
            )

    async def _synced(self, template: Object, message: str) -> None:
        await self.recorder.event(template, NORMAL, Reason.SYNCED, message)

    # -- watches: objects -> requests ------------------------------------------------------------

    def _template_requests(self, configmap: Object) -> list[Request]:
        """A template (or a former one our finalizer holds) -> itself; a copy -> its template."""
        namespace = objects.namespace_of(configmap)
        finalizers = configmap["metadata"].get("finalizers") or ()
        if namespace == self.template_namespace and (
            _is_template(configmap) or FINALIZER in finalizers
        ):
            return [Request(namespace, objects.name_of(configmap))]
        template_namespace, _, name = _template_of(configmap).partition("/")
        return [Request(template_namespace, name)] if name else []

    def _every_template(self, namespace: Object) -> list[Request]:
        templates = self.configmaps.list(self.template_namespace)
        return [r for t in templates for r in self._template_requests(t)]


def _created(old: Object | None, new: Object) -> bool:
    return old is None


# -- what a copy should be -----------------------------------------------------------------------


def _is_template(configmap: Object) -> bool:
    return objects.labels_of(configmap).get(TEMPLATE_LABEL) == "true"


def _key(template: Object) -> str:
    return f"{objects.namespace_of(template)}/{objects.name_of(template)}"


def _version(template: Object) -> str:
    return template["metadata"]["resourceVersion"]


def _copy_name(template: Object) -> str:
    annotations = template["metadata"].get("annotations") or {}
    return annotations.get(COPY_NAME_ANNOTATION) or objects.name_of(template)


def _template_of(copy: Object) -> str:
    return (copy["metadata"].get("annotations") or {}).get(TEMPLATE_ANNOTATION, "")


def _configmap(obj: Object) -> Object:
    """``obj`` with its apiVersion and kind, which the client needs to write it: an informer's
    cache holds list items as listed, and list items carry neither."""
    return {**obj, "apiVersion": "v1", "kind": "ConfigMap"}


def _desired_copy(template: Object, namespace: str) -> Object:
    copy: Object = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": _copy_name(template),
            "namespace": namespace,
            "labels": {MANAGED_LABEL: "true"},
            "annotations": {
                TEMPLATE_ANNOTATION: _key(template),
                TEMPLATE_VERSION_ANNOTATION: _version(template),
            },
        },
    }
    for field in ("data", "binaryData"):
        if field in template:
            copy[field] = objects.deep_copy(template[field])
    return copy


def _in_sync(have: Object, want: Object) -> bool:
    metadata = have["metadata"]
    labels, annotations = metadata.get("labels") or {}, metadata.get("annotations") or {}
    return (
        all(labels.get(k) == v for k, v in want["metadata"]["labels"].items())
        and all(annotations.get(k) == v for k, v in want["metadata"]["annotations"].items())
        and all(have.get(f) == want.get(f) for f in ("data", "binaryData"))
    )
