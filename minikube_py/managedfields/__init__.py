"""Field management and server-side apply, as kube-apiserver v1.32 does them.

Every write records in ``metadata.managedFields`` which manager owns which fields, and
``application/apply-patch+yaml`` merges a manager's configuration by the schema, with
conflicts and pruning. The semantics are those of ``sigs.k8s.io/structured-merge-diff/v4``
(v4.4.2, what apimachinery v0.32 uses) and
``k8s.io/apimachinery/pkg/util/managedfields/internal`` (v0.32.4).

- ``fieldpath``: field paths, :class:`FieldSet` and its ``FieldsV1`` encoding;
- ``typed``: walking a value with its schema (field sets, compare, merge, remove);
- ``managers``: managedFields entries (decode, encode, order, identity, the update cap);
- ``conflicts``: the 409 ``Apply failed with N conflict(s)`` error;
- ``lastapplied``: kubectl's client-side-apply annotation and SSA;
- ``fieldmanager``: :func:`update_managed_fields` and :func:`apply`, and what the edge needs.
"""

from minikube_py.managedfields.conflicts import FIELD_MANAGER_CONFLICT, ApplyConflict
from minikube_py.managedfields.fieldmanager import (
    BEFORE_FIRST_APPLY,
    apply,
    manager_or_user_agent,
    patch_options_errors,
    update_managed_fields,
)
from minikube_py.managedfields.fieldpath import (
    FieldPathError,
    FieldSet,
    fieldset_from_dotted,
    key_element,
    path_string,
    value_element,
)
from minikube_py.managedfields.lastapplied import LAST_APPLIED_ANNOTATION
from minikube_py.managedfields.managers import (
    ANCIENT_CHANGES,
    MAX_UPDATE_MANAGERS,
    STRIPPED_FIELDS,
)
from minikube_py.managedfields.typed import compare, field_set, merge

__all__ = [
    "ANCIENT_CHANGES",
    "BEFORE_FIRST_APPLY",
    "FIELD_MANAGER_CONFLICT",
    "LAST_APPLIED_ANNOTATION",
    "MAX_UPDATE_MANAGERS",
    "STRIPPED_FIELDS",
    "ApplyConflict",
    "FieldPathError",
    "FieldSet",
    "apply",
    "compare",
    "field_set",
    "fieldset_from_dotted",
    "key_element",
    "manager_or_user_agent",
    "merge",
    "patch_options_errors",
    "path_string",
    "update_managed_fields",
    "value_element",
]
