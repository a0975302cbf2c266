"""``resource.Quantity`` for the registry: the kernel's :mod:`minikube_py.quantity`, re-exported
so the kinds keep importing it from here."""

from minikube_py.quantity import canonical_quantity, parse_quantity

__all__ = ["canonical_quantity", "parse_quantity"]
