"""Admission: the plugins a write passes between authorization and storage.

Mutating plugins run first, in order, and may change the object; validating plugins run after
the registry strategy has prepared and validated it, and may only refuse. Each plugin sees
:class:`~apiserver.admission.chain.Attributes` -- the operation, the resource, the object and its
old state, the user, and whether the request is a dry run.
"""

from apiserver.admission.chain import AdmissionChain, AdmissionPlugin, Attributes, Operation

__all__ = ["AdmissionChain", "AdmissionPlugin", "Attributes", "Operation"]
