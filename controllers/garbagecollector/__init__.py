"""The garbage collector (kube-controller-manager's ``garbagecollector`` controller).

Objects name their owners in ``metadata.ownerReferences``; this controller keeps a graph of
those references across the resources it watches and acts on it:

* **Background** -- a dependent whose owners (by uid) are all gone is deleted; a reference to
  a uid that does not exist (a *dangling* reference) counts as a gone owner;
* **Foreground** -- an owner deleted with ``propagationPolicy: Foreground`` carries the
  ``foregroundDeletion`` finalizer: its dependents are deleted (in the foreground themselves
  if they have dependents), and once no dependent with ``blockOwnerDeletion: true`` is left,
  the finalizer is removed and the owner goes;
* **Orphan** -- an owner deleted with ``propagationPolicy: Orphan`` carries the ``orphan``
  finalizer: the reference to it is removed from every dependent, then the finalizer.

Modules follow upstream's files (``pkg/controller/garbagecollector``): :mod:`.graph`
(``graph.go``), :mod:`.graph_builder` (``graph_builder.go``), :mod:`.garbagecollector`
(``garbagecollector.go``), :mod:`.operations` (``operations.go``, ``patch.go``) and
:mod:`.restmapper` (what discovery and the RESTMapper give upstream). Each module says what it
leaves out.
"""

from controllers.garbagecollector.garbagecollector import COMPONENT, GarbageCollector
from controllers.garbagecollector.restmapper import DEFAULT_RESOURCES, APIResource

__all__ = ["COMPONENT", "DEFAULT_RESOURCES", "APIResource", "GarbageCollector"]
