"""The example controller: a template ConfigMap kept in sync in every namespace.

See ``README.md`` beside this file, and ``controller.py`` for how it is built.
"""

from .controller import (
    COMPONENT,
    COPY_NAME_ANNOTATION,
    FINALIZER,
    MANAGED_LABEL,
    TEMPLATE_ANNOTATION,
    TEMPLATE_LABEL,
    TEMPLATE_VERSION_ANNOTATION,
    ConfigMapSync,
    InformerFactory,
    Reason,
)

__all__ = [
    "COMPONENT",
    "COPY_NAME_ANNOTATION",
    "FINALIZER",
    "MANAGED_LABEL",
    "TEMPLATE_ANNOTATION",
    "TEMPLATE_LABEL",
    "TEMPLATE_VERSION_ANNOTATION",
    "ConfigMapSync",
    "InformerFactory",
    "Reason",
]
