"""Strategies of rbac.authorization.k8s.io/v1: Role, ClusterRole, RoleBinding,
ClusterRoleBinding.

Defaults follow ``pkg/apis/rbac/v1/defaults.go`` (a binding's ``roleRef.apiGroup`` and a
subject's ``apiGroup``); the strategies (``pkg/registry/rbac/*/strategy.go``) allow create on
update, as bootstrap reconciliation does; validation follows ``pkg/apis/rbac/validation``: names
only need to be path segments, every rule has verbs and either resources or non-resource URLs,
and a binding's ``roleRef`` never changes.

Not here: privilege-escalation checks (that a user may only grant what they hold, or bind a role
they have ``bind`` on) -- they need the authorizer -- and the controller that fills an
aggregated ClusterRole's rules.
"""

from __future__ import annotations

from typing import Any, Final

from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError, go_quote
from minikube_py.names import is_dns1123_subdomain, is_valid_path_segment_name
from minikube_py.objects import Object
from minikube_py.selectors import SelectorParseError, from_label_selector, validate_label_selector

GROUP_NAME: Final = "rbac.authorization.k8s.io"


def minimal_name_requirements(name: str, prefix: bool) -> list[str]:
    """``minimalNameRequirements``: RBAC names only need to be usable in a URL path."""
    return is_valid_path_segment_name(name)


def _validate_rule(rule: Any, namespaced: bool, path: str) -> list[FieldError]:
    """``validatePolicyRule``."""
    rule = rule if isinstance(rule, dict) else {}
    errors: list[FieldError] = []
    if not rule.get("verbs"):
        errors.append(
            field.required(field.child(path, "verbs"), "verbs must contain at least one value")
        )
    urls = rule.get("nonResourceURLs") or []
    if urls:
        urls_path = field.child(path, "nonResourceURLs")
        if namespaced:
            errors.append(
                field.invalid(urls_path, urls, "namespaced rules cannot apply to non-resource URLs")
            )
        if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
            errors.append(
                field.invalid(
                    urls_path,
                    urls,
                    "rules cannot apply to both regular resources and non-resource URLs",
                )
            )
        return errors
    if not rule.get("apiGroups"):
        errors.append(
            field.required(
                field.child(path, "apiGroups"), "resource rules must supply at least one api group"
            )
        )
    resources = rule.get("resources") or []
    if not resources:
        errors.append(
            field.required(
                field.child(path, "resources"), "resource rules must supply at least one resource"
            )
        )
    if rule.get("resourceNames") and len(resources) > 1:
        errors.append(
            field.required(
                field.child(path, "resourceNames"),
                "resource names cannot apply to multiple resources",
            )
        )
    return errors


def _validate_rules(obj: Object, namespaced: bool) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, rule in enumerate(obj.get("rules") or ()):
        errors += _validate_rule(rule, namespaced, field.index("rules", i))
    return errors


def _role_ref(obj: Object) -> dict[str, Any]:
    ref = obj.get("roleRef")
    return ref if isinstance(ref, dict) else {}


def _go_role_ref(ref: dict[str, Any]) -> str:
    """``%#v`` of an ``rbac.RoleRef``."""
    group, kind, name = (go_quote(str(ref.get(k) or "")) for k in ("apiGroup", "kind", "name"))
    return f"rbac.RoleRef{{APIGroup:{group}, Kind:{kind}, Name:{name}}}"


def _validate_subject(subject: Any, namespaced: bool, path: str) -> list[FieldError]:
    """``validateRoleBindingSubject``."""
    subject = subject if isinstance(subject, dict) else {}
    errors: list[FieldError] = []
    name, kind = subject.get("name") or "", subject.get("kind") or ""
    group = subject.get("apiGroup") or ""
    name_path, group_path = field.child(path, "name"), field.child(path, "apiGroup")
    if not name:
        errors.append(field.required(name_path))
    if kind == "ServiceAccount":
        if name:
            errors += [field.invalid(name_path, name, msg) for msg in is_dns1123_subdomain(name)]
        if group:
            errors.append(field.not_supported(group_path, group, [""]))
        if not namespaced and not subject.get("namespace"):
            errors.append(field.required(field.child(path, "namespace")))
    elif kind in ("User", "Group"):
        if not name:
            errors.append(field.invalid(name_path, name, f"{kind.lower()} name cannot be empty"))
        if group != GROUP_NAME:
            errors.append(field.not_supported(group_path, group, [GROUP_NAME]))
    else:
        errors.append(
            field.not_supported(
                field.child(path, "kind"), kind, ["ServiceAccount", "User", "Group"]
            )
        )
    return errors


def _validate_binding(
    obj: Object, role_kinds: tuple[str, ...], namespaced: bool
) -> list[FieldError]:
    """``ValidateRoleBinding`` / ``ValidateClusterRoleBinding``."""
    ref = _role_ref(obj)
    errors: list[FieldError] = []
    group = ref.get("apiGroup") or ""
    if group != GROUP_NAME:
        errors.append(field.not_supported("roleRef.apiGroup", group, [GROUP_NAME]))
    kind = ref.get("kind") or ""
    if kind not in role_kinds:
        errors.append(field.not_supported("roleRef.kind", kind, role_kinds))
    name = ref.get("name") or ""
    if not name:
        errors.append(field.required("roleRef.name"))
    else:
        errors += [
            field.invalid("roleRef.name", name, msg)
            for msg in minimal_name_requirements(name, False)
        ]
    for i, subject in enumerate(obj.get("subjects") or ()):
        errors += _validate_subject(subject, namespaced, field.index("subjects", i))
    return errors


def _default_binding(obj: Object) -> None:
    """``SetDefaults_RoleBinding``/``ClusterRoleBinding`` and ``SetDefaults_Subject``."""
    ref = obj.get("roleRef")
    if isinstance(ref, dict) and not ref.get("apiGroup"):
        ref["apiGroup"] = GROUP_NAME
    for subject in obj.get("subjects") or ():
        if isinstance(subject, dict) and not subject.get("apiGroup"):
            if subject.get("kind") in ("User", "Group"):
                subject["apiGroup"] = GROUP_NAME
            elif subject.get("kind") == "ServiceAccount":
                subject["apiGroup"] = ""


class _RBACStrategy(Strategy):
    allow_create_on_update = True
    name_validator = staticmethod(minimal_name_requirements)


class RoleStrategy(_RBACStrategy):
    def validate(self, obj: Object) -> list[FieldError]:
        return _validate_rules(obj, namespaced=True)


class ClusterRoleStrategy(_RBACStrategy):
    def validate(self, obj: Object) -> list[FieldError]:
        """``ValidateClusterRole``: rules, and an aggregation rule's selectors."""
        errors = _validate_rules(obj, namespaced=False)
        aggregation = obj.get("aggregationRule")
        if isinstance(aggregation, dict):
            selectors = aggregation.get("clusterRoleSelectors") or []
            path = "aggregationRule.clusterRoleSelectors"
            if not selectors:
                errors.append(
                    field.required(
                        path,
                        "at least one clusterRoleSelector required if aggregationRule is non-nil",
                    )
                )
            for i, selector in enumerate(selectors):
                if isinstance(selector, dict):
                    errors += validate_label_selector(selector, field.index(path, i))
                    try:
                        from_label_selector(selector)
                    except SelectorParseError:
                        errors.append(
                            field.invalid(
                                field.index(path, i),
                                None,
                                "invalid label selector.",
                                rendered="nil",
                            )
                        )
        return errors


class _BindingStrategy(_RBACStrategy):
    role_kinds: tuple[str, ...] = ()
    namespaced = True

    def default(self, obj: Object) -> None:
        _default_binding(obj)

    def validate(self, obj: Object) -> list[FieldError]:
        return _validate_binding(obj, self.role_kinds, self.namespaced)

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        errors = self.validate(new)
        if _role_ref(new) != _role_ref(old):
            errors.append(
                field.invalid(
                    "roleRef", None, "cannot change roleRef", rendered=_go_role_ref(_role_ref(new))
                )
            )
        return errors


class RoleBindingStrategy(_BindingStrategy):
    role_kinds = ("Role", "ClusterRole")


class ClusterRoleBindingStrategy(_BindingStrategy):
    role_kinds = ("ClusterRole",)
    namespaced = False


__all__ = [
    "GROUP_NAME",
    "ClusterRoleBindingStrategy",
    "ClusterRoleStrategy",
    "RoleBindingStrategy",
    "RoleStrategy",
    "minimal_name_requirements",
]
