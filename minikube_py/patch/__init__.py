"""Patch formats the apiserver accepts, applied as kube-apiserver v1.32 applies them.

- `apply_json_patch`: RFC 6902 JSON Patch (`application/json-patch+json`), see `jsonpatch`.
- `apply_merge_patch`: RFC 7386 JSON Merge Patch (`application/merge-patch+json`), see
  `mergepatch`; `create_merge_patch` is the client-side diff kubectl sends as one.
- `apply_strategic_merge_patch`: `application/strategic-merge-patch+json`, see `strategic`; it
  walks the kind's schema (a `minikube_py.typeinfo.TypeNode`) for merge keys and strategies.

All are pure functions over JSON-shaped values (dict, list, str, int, float, bool, None): they
never modify their inputs and return values that share no container with them. Every refusal is
a `PatchError` carrying the HTTP status and reason the apiserver would answer with. Server-side
apply lives in `minikube_py.managedfields`.
"""

from minikube_py.patch.errors import PatchError
from minikube_py.patch.jsonpatch import (
    DEFAULT_JSON_PATCH_LIMITS,
    MAX_JSON_PATCH_OPERATIONS,
    JSONPatchLimits,
    apply_json_patch,
    json_patch_strict_errors,
)
from minikube_py.patch.mergepatch import apply_merge_patch, create_merge_patch
from minikube_py.patch.strategic import apply_strategic_merge_patch

__all__ = [
    "DEFAULT_JSON_PATCH_LIMITS",
    "MAX_JSON_PATCH_OPERATIONS",
    "JSONPatchLimits",
    "PatchError",
    "apply_json_patch",
    "apply_merge_patch",
    "apply_strategic_merge_patch",
    "create_merge_patch",
    "json_patch_strict_errors",
]
