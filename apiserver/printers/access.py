"""Tables of the groups that govern API access: RBAC, certificates, admission, APF.

Mirrors ``printRoleBinding``, ``printClusterRoleBinding`` (with ``rbac.SubjectsStrings``),
``printCertificateSigningRequest`` (``extractCSRStatus``), ``printClusterTrustBundle``,
``printMutatingWebhook``, ``printValidatingWebhook``, ``printValidatingAdmissionPolicy``,
``printValidatingAdmissionPolicyBinding``, ``printMutatingAdmissionPolicy``,
``printMutatingAdmissionPolicyBinding``, ``printFlowSchema`` and
``printPriorityLevelConfiguration`` of ``pkg/printers/internalversion/printers.go``
(Kubernetes v1.32).

Roles and ClusterRoles have no printer upstream: ``kubectl get roles`` shows the default
``NAME``/``CREATED AT`` table. A list of FlowSchemas is the one list upstream sorts before
printing: by matching precedence, then name.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final

from apiserver.printers._format import NONE, UNSET, go_label_selector, items, number, sub, text
from apiserver.printers._swagger import DOCS
from apiserver.printers.columns import (
    AGE,
    NAME,
    CellsFunc,
    Column,
    Obj,
    TablePrinter,
    integer,
    string,
)
from apiserver.printers.duration import Since, human_duration


def _name(obj: Obj) -> str:
    return text(sub(obj, "metadata"), "name")


def _age(obj: Obj, since: Since) -> str:
    return since.age(sub(obj, "metadata").get("creationTimestamp"))


# -- RoleBinding, ClusterRoleBinding -----------------------------------------------------------


def _binding_columns(kind: str, doc: str) -> tuple[Column, ...]:
    return (
        NAME,
        string("Role", DOCS[doc]),
        AGE,
        string("Users", f"Users in the {kind}", priority=1),
        string("Groups", f"Groups in the {kind}", priority=1),
        string("ServiceAccounts", f"ServiceAccounts in the {kind}", priority=1),
    )


def _binding_cells(obj: Obj, since: Since) -> list[Any]:
    role_ref = sub(obj, "roleRef")
    users: list[str] = []
    groups: list[str] = []
    service_accounts: list[str] = []
    for subject in items(obj, "subjects"):
        if not isinstance(subject, Mapping):
            continue
        kind = subject.get("kind")
        if kind == "ServiceAccount":
            service_accounts.append(f"{text(subject, 'namespace')}/{text(subject, 'name')}")
        elif kind == "User":
            users.append(text(subject, "name"))
        elif kind == "Group":
            groups.append(text(subject, "name"))
    return [
        _name(obj),
        f"{text(role_ref, 'kind')}/{text(role_ref, 'name')}",
        _age(obj, since),
        ", ".join(users),
        ", ".join(groups),
        ", ".join(service_accounts),
    ]


# -- CertificateSigningRequest, ClusterTrustBundle ---------------------------------------------

_CSR_COLUMNS: Final = (
    NAME,
    AGE,
    string("SignerName", DOCS["certificatesv1beta1.CertificateSigningRequestSpec.signerName"]),
    string("Requestor", DOCS["certificatesv1beta1.CertificateSigningRequestSpec.request"]),
    string(
        "RequestedDuration",
        DOCS["certificatesv1beta1.CertificateSigningRequestSpec.expirationSeconds"],
    ),
    string("Condition", DOCS["certificatesv1beta1.CertificateSigningRequestStatus.conditions"]),
)


def _csr_status(status: Mapping[str, Any]) -> str:
    """``extractCSRStatus``: Denied, else Approved, else Pending; then ",Failed", ",Issued"."""
    types = {c.get("type") for c in items(status, "conditions") if isinstance(c, Mapping)}
    if "Denied" in types:
        result = "Denied"
    elif "Approved" in types:
        result = "Approved"
    else:
        result = "Pending"
    if "Failed" in types:
        result += ",Failed"
    if status.get("certificate"):
        result += ",Issued"
    return result


def _csr_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    expiration = spec.get("expirationSeconds")
    requested = NONE
    if isinstance(expiration, int):
        requested = human_duration(timedelta(seconds=expiration))
    return [
        _name(obj),
        _age(obj, since),
        text(spec, "signerName") or NONE,
        text(spec, "username"),
        requested,
        _csr_status(sub(obj, "status")),
    ]


_CLUSTER_TRUST_BUNDLE_COLUMNS: Final = (
    NAME,
    string("SignerName", DOCS["certificatesv1alpha1.ClusterTrustBundleSpec.signerName"]),
)


def _cluster_trust_bundle_cells(obj: Obj, since: Since) -> list[Any]:
    return [_name(obj), text(sub(obj, "spec"), "signerName") or NONE]


# -- admissionregistration.k8s.io --------------------------------------------------------------

_WEBHOOK_COLUMNS: Final = (
    NAME,
    integer(
        "Webhooks", "Webhooks indicates the number of webhooks registered in this configuration"
    ),
    AGE,
)


def _webhook_cells(obj: Obj, since: Since) -> list[Any]:
    return [_name(obj), len(items(obj, "webhooks")), _age(obj, since)]


_PARAM_KIND: Final = string(
    "ParamKind", "ParamKind specifies the kind of resources used to parameterize this policy"
)
_POLICY_BINDING_COLUMNS: Final = (
    NAME,
    string(
        "PolicyName",
        "PolicyName indicates the policy definition which the policy binding binded to",
    ),
    string("ParamRef", "ParamRef indicates the param resource which sets the configration param"),
    AGE,
)


def _policy_cells(rules: str) -> CellsFunc:
    """The row of an admission policy whose rules live in ``spec.<rules>``."""

    def cells(obj: Obj, since: Since) -> list[Any]:
        spec = sub(obj, "spec")
        param_kind = spec.get("paramKind")
        kind = UNSET
        if isinstance(param_kind, Mapping):
            kind = f"{text(param_kind, 'apiVersion')}/{text(param_kind, 'kind')}"
        return [_name(obj), len(items(spec, rules)), kind, _age(obj, since)]

    return cells


def _policy_binding_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    ref = spec.get("paramRef")
    param = UNSET
    if isinstance(ref, Mapping):
        if text(ref, "name"):
            namespace = text(ref, "namespace")
            # upstream cannot tell a cluster-scoped param from here: no namespace shows "*"
            param = f"{namespace or '*'}/{text(ref, 'name')}"
        elif isinstance(ref.get("selector"), Mapping):
            param = go_label_selector(ref["selector"])
    return [_name(obj), text(spec, "policyName"), param, _age(obj, since)]


# -- flowcontrol.apiserver.k8s.io --------------------------------------------------------------

_FLOW_SCHEMA_COLUMNS: Final = (
    NAME,
    string("PriorityLevel", DOCS["flowcontrolv1.PriorityLevelConfigurationReference.name"]),
    string("MatchingPrecedence", DOCS["flowcontrolv1.FlowSchemaSpec.matchingPrecedence"]),
    string("DistinguisherMethod", DOCS["flowcontrolv1.FlowSchemaSpec.distinguisherMethod"]),
    AGE,
    string("MissingPL", "references a broken or non-existent PriorityLevelConfiguration"),
)


def _flow_schema_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    method = spec.get("distinguisherMethod")
    missing = "?"
    for condition in items(sub(obj, "status"), "conditions"):
        if isinstance(condition, Mapping) and condition.get("type") == "Dangling":
            missing = text(condition, "status")
            break
    return [
        _name(obj),
        text(sub(spec, "priorityLevelConfiguration"), "name"),
        number(spec, "matchingPrecedence"),
        text(method, "type") if isinstance(method, Mapping) else NONE,
        _age(obj, since),
        missing,
    ]


def _flow_schema_order(obj: Obj) -> tuple[int, str]:
    """``FlowSchemaSequence``: lower matching precedence first, then by name."""
    return number(sub(obj, "spec"), "matchingPrecedence"), _name(obj)


_PRIORITY_LEVEL_COLUMNS: Final = (
    NAME,
    string("Type", DOCS["flowcontrolv1.PriorityLevelConfigurationSpec.type"]),
    string(
        "NominalConcurrencyShares",
        DOCS["flowcontrolv1.LimitedPriorityLevelConfiguration.nominalConcurrencyShares"],
    ),
    string("Queues", DOCS["flowcontrolv1.QueuingConfiguration.queues"]),
    string("HandSize", DOCS["flowcontrolv1.QueuingConfiguration.handSize"]),
    string("QueueLengthLimit", DOCS["flowcontrolv1.QueuingConfiguration.queueLengthLimit"]),
    AGE,
)


def _priority_level_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    limited = spec.get("limited")
    shares: Any = NONE
    queues: Any = NONE
    hand_size: Any = NONE
    queue_length: Any = NONE
    if isinstance(limited, Mapping):
        shares = number(limited, "nominalConcurrencyShares")
        queuing = sub(limited, "limitResponse").get("queuing")
        if isinstance(queuing, Mapping):
            queues = number(queuing, "queues")
            hand_size = number(queuing, "handSize")
            queue_length = number(queuing, "queueLengthLimit")
    return [
        _name(obj),
        text(spec, "type"),
        shares,
        queues,
        hand_size,
        queue_length,
        _age(obj, since),
    ]


_ADMISSION: Final = "admissionregistration.k8s.io"

PRINTERS: Final = {
    ("rbac.authorization.k8s.io", "RoleBinding"): TablePrinter(
        _binding_columns("roleBinding", "rbacv1beta1.RoleBinding.roleRef"), _binding_cells
    ),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): TablePrinter(
        _binding_columns("clusterRoleBinding", "rbacv1beta1.ClusterRoleBinding.roleRef"),
        _binding_cells,
    ),
    ("certificates.k8s.io", "CertificateSigningRequest"): TablePrinter(_CSR_COLUMNS, _csr_cells),
    ("certificates.k8s.io", "ClusterTrustBundle"): TablePrinter(
        _CLUSTER_TRUST_BUNDLE_COLUMNS, _cluster_trust_bundle_cells
    ),
    (_ADMISSION, "MutatingWebhookConfiguration"): TablePrinter(_WEBHOOK_COLUMNS, _webhook_cells),
    (_ADMISSION, "ValidatingWebhookConfiguration"): TablePrinter(_WEBHOOK_COLUMNS, _webhook_cells),
    (_ADMISSION, "ValidatingAdmissionPolicy"): TablePrinter(
        (
            NAME,
            integer(
                "Validations",
                "Validations indicates the number of validation rules defined in this "
                "configuration",
            ),
            _PARAM_KIND,
            AGE,
        ),
        _policy_cells("validations"),
    ),
    (_ADMISSION, "ValidatingAdmissionPolicyBinding"): TablePrinter(
        _POLICY_BINDING_COLUMNS, _policy_binding_cells
    ),
    (_ADMISSION, "MutatingAdmissionPolicy"): TablePrinter(
        (
            NAME,
            integer(
                "Mutations",
                "Mutation indicates the number of mutations rules defined in this configuration",
            ),
            _PARAM_KIND,
            AGE,
        ),
        _policy_cells("mutations"),
    ),
    (_ADMISSION, "MutatingAdmissionPolicyBinding"): TablePrinter(
        _POLICY_BINDING_COLUMNS, _policy_binding_cells
    ),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"): TablePrinter(
        _FLOW_SCHEMA_COLUMNS, _flow_schema_cells, sort_key=_flow_schema_order
    ),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"): TablePrinter(
        _PRIORITY_LEVEL_COLUMNS, _priority_level_cells
    ),
}
