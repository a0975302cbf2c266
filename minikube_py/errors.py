"""API errors as values with Kubernetes meaning, rendered once as a ``metav1.Status``.

The core raises these (``NotFound``, ``AlreadyExists``, ``Conflict``, ``Invalid`` with field
causes, ``BadRequest``, ``Expired``, ``Forbidden``, ``MethodNotSupported``, ...); the HTTP edge and
the in-process client turn them into the exact ``Status`` kube-apiserver would send. Messages,
reasons and details follow ``k8s.io/apimachinery/pkg/api/errors/errors.go`` (v0.32) word for
word, because clients parse them: kubectl prints them, client-go's reflector relists on
``Expired``, kopf retries on ``Conflict``.

Upstream puts the *resource* (plural, e.g. ``pods``) in ``details.kind`` for most errors, but
the *Kind* (``Deployment``) for ``Invalid``; that asymmetry is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from minikube_py.field import FieldError, aggregate, go_quote


class GroupResource(NamedTuple):
    """``schema.GroupResource``; ``str()`` is ``resource.group`` (``pods`` for the core group)."""

    group: str
    resource: str

    def __str__(self) -> str:
        return f"{self.resource}.{self.group}" if self.group else self.resource


class GroupKind(NamedTuple):
    """``schema.GroupKind``; ``str()`` is ``Kind.group``."""

    group: str
    kind: str

    def __str__(self) -> str:
        return f"{self.kind}.{self.group}" if self.group else self.kind


class StatusError(Exception):
    """An API error: an HTTP code, a ``StatusReason`` and the message and details to show."""

    code: int = 500
    reason: str = "InternalError"

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if reason is not None:
            self.reason = reason
        self.details = details

    def status(self) -> dict[str, Any]:
        """The ``metav1.Status`` body (empty fields omitted, as Go's ``omitempty`` does)."""
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
        }
        if self.reason:
            status["reason"] = self.reason
        if self.details is not None:
            status["details"] = self.details
        status["code"] = self.code
        return status

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


def _details(name: str, gr: GroupResource, **more: Any) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if gr.group:
        details["group"] = gr.group
    if gr.resource:
        details["kind"] = gr.resource
    details.update({k: v for k, v in more.items() if v})
    return details


class NotFound(StatusError):
    code = 404
    reason = "NotFound"

    def __init__(self, gr: GroupResource, name: str) -> None:
        super().__init__(f"{gr} {_q(name)} not found", details=_details(name, gr))
        self.resource = gr
        self.name = name


class AlreadyExists(StatusError):
    code = 409
    reason = "AlreadyExists"

    def __init__(self, gr: GroupResource, name: str) -> None:
        super().__init__(f"{gr} {_q(name)} already exists", details=_details(name, gr))


#: ``registry.OptimisticLockErrorMsg``
OPTIMISTIC_LOCK_MESSAGE = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


class Conflict(StatusError):
    code = 409
    reason = "Conflict"

    def __init__(
        self,
        gr: GroupResource,
        name: str,
        err: str = OPTIMISTIC_LOCK_MESSAGE,
        *,
        causes: Sequence[dict[str, str]] = (),
    ) -> None:
        details = _details(name, gr)
        if causes:
            details["causes"] = list(causes)
        super().__init__(
            f"Operation cannot be fulfilled on {gr} {_q(name)}: {err}", details=details
        )


class Invalid(StatusError):
    """422: the object failed validation; ``causes`` are its field errors."""

    code = 422
    reason = "Invalid"

    def __init__(self, gk: GroupKind, name: str, errors: Sequence[FieldError]) -> None:
        if errors:
            text, kept = aggregate(errors)
            message = f"{gk} {_q(name)} is invalid: {text}"
        else:
            kept = ()
            message = f"{gk} {_q(name)} is invalid"
        details: dict[str, Any] = {}
        if name:
            details["name"] = name
        if gk.group:
            details["group"] = gk.group
        if gk.kind:
            details["kind"] = gk.kind
        if kept:
            details["causes"] = [e.cause() for e in kept]
        super().__init__(message, details=details)
        self.errors = tuple(kept)


class BadRequest(StatusError):
    code = 400
    reason = "BadRequest"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class Unauthorized(StatusError):
    code = 401
    reason = "Unauthorized"

    def __init__(self, message: str = "Unauthorized") -> None:
        super().__init__(message)


class Forbidden(StatusError):
    code = 403
    reason = "Forbidden"

    def __init__(self, gr: GroupResource, name: str, err: str) -> None:
        if not gr.resource and not gr.group:
            message = f"forbidden: {err}"
        elif not name:
            message = f"{gr} is forbidden: {err}"
        else:
            message = f"{gr} {_q(name)} is forbidden: {err}"
        super().__init__(message, details=_details(name, gr))


class MethodNotSupported(StatusError):
    code = 405
    reason = "MethodNotAllowed"

    def __init__(self, gr: GroupResource, action: str) -> None:
        super().__init__(
            f"{action} is not supported on resources of kind {_q(str(gr))}",
            details=_details("", gr),
        )


class NotAcceptable(StatusError):
    code = 406
    reason = "NotAcceptable"

    def __init__(self, accepted: Sequence[str]) -> None:
        super().__init__(
            "only the following media types are accepted: " + ", ".join(accepted),
        )


class Expired(StatusError):
    """410: a resourceVersion or continue token is older than the retained history."""

    code = 410
    reason = "Expired"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class RequestEntityTooLarge(StatusError):
    code = 413
    reason = "RequestEntityTooLarge"

    def __init__(self, message: str) -> None:
        super().__init__(f"Request entity too large: {message}")


class UnsupportedMediaType(StatusError):
    code = 415
    reason = "UnsupportedMediaType"

    def __init__(self, accepted: Sequence[str]) -> None:
        super().__init__(
            "the body of the request was in an unknown format - accepted media types include: "
            + ", ".join(accepted)
        )


class UnprocessableEntity(StatusError):
    """``NewGenericServerResponse(422, ...)``: the message is fixed, the cause is hidden."""

    code = 422
    reason = "Invalid"

    def __init__(self) -> None:
        super().__init__(
            "the server rejected our request due to an error in our request", details={}
        )


class TooManyRequests(StatusError):
    code = 429
    reason = "TooManyRequests"

    def __init__(self, message: str, retry_after_seconds: int = 0) -> None:
        details = {"retryAfterSeconds": retry_after_seconds} if retry_after_seconds else None
        super().__init__(f"Too many requests: {message}", details=details)


class InternalError(StatusError):
    code = 500
    reason = "InternalError"

    def __init__(self, err: str) -> None:
        super().__init__(f"Internal error occurred: {err}", details={"causes": [{"message": err}]})


class ServiceUnavailable(StatusError):
    code = 503
    reason = "ServiceUnavailable"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class Timeout(StatusError):
    code = 504
    reason = "Timeout"

    def __init__(self, message: str, retry_after_seconds: int = 0) -> None:
        details = {"retryAfterSeconds": retry_after_seconds} if retry_after_seconds else None
        super().__init__(f"Timeout: {message}", details=details)


def success_status(details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``Status`` a delete answers with when the object is gone at once."""
    status: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}}
    status["status"] = "Success"
    if details:
        status["details"] = details
    return status


_q = go_quote


_BY_REASON: dict[str, type[StatusError]] = {
    cls.reason: cls
    for cls in (
        NotFound,
        AlreadyExists,
        Conflict,
        Invalid,
        BadRequest,
        Unauthorized,
        Forbidden,
        MethodNotSupported,
        NotAcceptable,
        Expired,
        RequestEntityTooLarge,
        UnsupportedMediaType,
        TooManyRequests,
        InternalError,
        ServiceUnavailable,
        Timeout,
    )
}


def from_status(status: dict[str, Any]) -> StatusError:
    """The error a client raises for a failure ``Status`` it received: the subclass named by
    its reason (so ``except NotFound`` works the same in process and over HTTP), carrying the
    Status's own message, code and details."""
    cls = _BY_REASON.get(status.get("reason") or "", StatusError)
    error = cls.__new__(cls)
    StatusError.__init__(
        error,
        status.get("message", ""),
        code=status.get("code", 500),
        reason=status.get("reason", ""),
        details=status.get("details"),
    )
    return error
