"""The one error a patch can end in, carrying the HTTP answer kube-apiserver would give.

kube-apiserver does not map every patch failure to the same status. Which one it picks depends on
the stage that failed (decoding the patch body, counting its operations, applying it), and the
wording it shows the client is not always the wording of the underlying error: a JSON Patch that
fails to apply is answered with a generic 422 whose message hides the json-patch error entirely.
So a `PatchError` keeps both:

- `message` (also `str(err)`) is the underlying error, worded as upstream words it, for logs and
  for tests that pin behaviour;
- `status_message` is what the apiserver puts in the `Status.message` it returns;
- `code` and `reason` are that Status's HTTP code and `StatusReason`.

The constructors are named after the apimachinery helpers upstream calls
(`k8s.io/apimachinery/pkg/api/errors/errors.go`), so a reader can hold them side by side.
`status()` renders the `metav1.Status` body once, at the edge; nothing in the core needs it.
"""

from __future__ import annotations

from typing import Any

_INVALID_GENERIC_MESSAGE = "the server rejected our request due to an error in our request"
_PANIC_MESSAGE = "This request caused apiserver to panic. Look in the logs for details."


class PatchError(ValueError):
    """A patch kube-apiserver would refuse, with the status code and reason it would answer."""

    def __init__(
        self,
        message: str,
        *,
        code: int,
        reason: str,
        status_message: str | None = None,
        panicked: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.reason = reason
        self.status_message = message if status_message is None else status_message
        # True where upstream dereferences nil and the apiserver's panic filter answers with a
        # plain-text 500 instead of a Status (see `server_panic`).
        self.panicked = panicked

    @classmethod
    def bad_request(cls, message: str) -> PatchError:
        """`errors.NewBadRequest(message)`: 400, reason BadRequest, the message shown as is."""
        return cls(message, code=400, reason="BadRequest")

    @classmethod
    def unprocessable(cls, message: str) -> PatchError:
        """`errors.NewGenericServerResponse(422, "", GroupResource{}, "", message, 0, false)`.

        The generic constructor drops `message` (no causes are kept when the response is not
        "unexpected"), so the client only sees the fixed Invalid wording.
        """
        return cls(message, code=422, reason="Invalid", status_message=_INVALID_GENERIC_MESSAGE)

    @classmethod
    def too_large(cls, message: str) -> PatchError:
        """`errors.NewRequestEntityTooLargeError(message)`: 413 with a fixed prefix."""
        return cls(
            message,
            code=413,
            reason="RequestEntityTooLarge",
            status_message=f"Request entity too large: {message}",
        )

    @classmethod
    def internal(cls, message: str) -> PatchError:
        """A plain Go error reaching `ErrorToAPIStatus`: 500 with reason Unknown (empty)."""
        return cls(message, code=500, reason="")

    @classmethod
    def server_panic(cls, message: str) -> PatchError:
        """Upstream panics; `WithPanicRecovery` answers 500 in text/plain, not as a Status."""
        return cls(
            message,
            code=500,
            reason="InternalError",
            status_message=_PANIC_MESSAGE,
            panicked=True,
        )

    def status(self) -> dict[str, Any]:
        """The `metav1.Status` body the apiserver would send (empty fields omitted, as Go does)."""
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.status_message,
        }
        if self.reason:
            status["reason"] = self.reason
        if self.code == 422:
            # NewGenericServerResponse always sets Details, all of whose fields are empty here.
            status["details"] = {}
        status["code"] = self.code
        return status

    def __repr__(self) -> str:
        return f"PatchError({self.message!r}, code={self.code}, reason={self.reason!r})"
