"""Strategies: what differs from one kind to the next on the write path.

A :class:`Strategy` is upstream's ``RESTCreateStrategy``/``RESTUpdateStrategy``/
``RESTDeleteStrategy`` rolled into one object per kind: API defaulting, what ``PrepareForCreate``
and ``PrepareForUpdate`` clear or bump, validation, which fields are status, what bumps
``metadata.generation``, how a name is validated, whether deletion is graceful, and which fields
can be used in field selectors. The generic registry store (:mod:`apiserver.registry.store`)
runs the same algorithm for every kind and asks its strategy at each of these points.

The base class is a plain object with no spec/status split; kinds override what they need.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from apiserver.registry.objectmeta import NameValidator, name_is_dns_subdomain
from minikube_py.field import FieldError
from minikube_py.objects import Object

#: When ``metadata.generation`` moves: never (the kind has none), on spec changes, on spec or
#: annotation changes (Deployments), or on any change outside metadata (custom resources).
GenerationPolicy = Literal["none", "spec", "spec+annotations", "non-metadata"]


class Strategy:
    """Per-kind behaviour with the defaults of a kind that has neither spec/status nor grace."""

    #: The main resource ignores ``.status``; ``/status`` writes change only it.
    has_status: ClassVar[bool] = False
    generation: ClassVar[GenerationPolicy] = "none"
    #: A PUT without ``metadata.resourceVersion`` overwrites (``AllowUnconditionalUpdate``).
    allow_unconditional_update: ClassVar[bool] = True
    #: A PUT of a missing object creates it (``AllowCreateOnUpdate``).
    allow_create_on_update: ClassVar[bool] = False
    #: An immediate delete answers with the object instead of a Success Status.
    return_deleted_object: ClassVar[bool] = False
    #: Field selector names beyond ``metadata.name``/``metadata.namespace``; None: only those.
    selectable: ClassVar[tuple[str, ...] | None] = None
    name_validator: ClassVar[NameValidator] = staticmethod(name_is_dns_subdomain)
    #: :meth:`default` reads nothing but the object, and not its ``metadata.name``: creates
    #: of bodies alike may share its work (:mod:`apiserver.endpoints.creatememo`). A kind
    #: that overrides ``default`` is taken not to be, unless it says so.
    name_blind_defaults: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "default" in cls.__dict__ and "name_blind_defaults" not in cls.__dict__:
            cls.name_blind_defaults = False

    # -- create --------------------------------------------------------------------------------

    def default(self, obj: Object) -> None:
        """API defaulting (``SetDefaults_*``), applied to every object written."""

    def prepare_for_create(self, obj: Object) -> None:
        """``PrepareForCreate``: clear what a client may not set on create. The store has
        already set the name, ``uid``, ``creationTimestamp`` and ``generation``."""
        if self.has_status:
            obj.pop("status", None)
            initial = self.initial_status(obj)
            if initial is not None:
                obj["status"] = initial

    def initial_status(self, obj: Object) -> dict[str, Any] | None:
        return None

    def validate(self, obj: Object) -> list[FieldError]:
        """Kind-specific validation on create (object metadata is validated generically)."""
        return []

    # -- update --------------------------------------------------------------------------------

    def prepare_for_update(self, new: Object, old: Object) -> None:
        """``PrepareForUpdate`` of the main resource."""
        if self.has_status:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        return self.validate(new)

    def prepare_for_status_update(self, new: Object, old: Object) -> None:
        """``statusStrategy.PrepareForUpdate``: everything but status comes from ``old``."""
        status = new.get("status")
        for key in list(new):
            if key not in ("metadata", "status", "apiVersion", "kind"):
                del new[key]
        for key, value in old.items():
            if key not in ("metadata", "status"):
                new[key] = value
        if status is None:
            new.pop("status", None)
        # ResetObjectMetaForStatus: a status write cannot change these
        meta, old_meta = new.setdefault("metadata", {}), old.get("metadata", {})
        for key in (
            "labels",
            "annotations",
            "finalizers",
            "ownerReferences",
            "deletionTimestamp",
            "generation",
        ):
            if key in old_meta:
                meta[key] = old_meta[key]
            else:
                meta.pop(key, None)

    def validate_status_update(self, new: Object, old: Object) -> list[FieldError]:
        return []

    def should_delete_during_update(self, new: Object, old: Object) -> bool:
        """``ShouldDeleteDuringUpdate``: an update that leaves an object being deleted (with no
        grace period pending) without finalizers completes its deletion."""
        old_meta = old.get("metadata") or {}
        return (
            not (new.get("metadata") or {}).get("finalizers")
            and bool(old_meta.get("deletionTimestamp"))
            and old_meta.get("deletionGracePeriodSeconds", 0) == 0
        )

    # -- delete --------------------------------------------------------------------------------

    def grace_period(self, obj: Object, requested: int | None) -> int | None:
        """``CheckGracefulDelete``: the grace period to delete with, or None when the kind's
        deletion is immediate."""
        return None

    # -- reads ---------------------------------------------------------------------------------

    def fields(self, obj: Object) -> dict[str, str]:
        """The selectable fields of ``obj`` (``ToSelectableFields``)."""
        metadata = obj.get("metadata") or {}
        return {
            "metadata.name": metadata.get("name", ""),
            "metadata.namespace": metadata.get("namespace", ""),
        }
