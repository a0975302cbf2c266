"""Strategy of core/v1 ServiceAccount.

``pkg/registry/core/serviceaccount/strategy.go``: on create and update, each entry of
``secrets`` is reduced to the name it references (namespace, uid and the rest are dropped).
A ServiceAccount has no rules beyond its metadata.
"""

from __future__ import annotations

from apiserver.registry.strategy import Strategy
from minikube_py.objects import Object


def _clean_secret_references(obj: Object) -> None:
    secrets = obj.get("secrets")
    if isinstance(secrets, list):
        obj["secrets"] = [
            {"name": ref["name"]} if isinstance(ref, dict) and ref.get("name") else {}
            for ref in secrets
        ]


class ServiceAccountStrategy(Strategy):
    def prepare_for_create(self, obj: Object) -> None:
        _clean_secret_references(obj)

    def prepare_for_update(self, new: Object, old: Object) -> None:
        _clean_secret_references(new)


__all__ = ["ServiceAccountStrategy"]
