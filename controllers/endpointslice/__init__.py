"""The EndpointSlice controller (kube-controller-manager's ``endpointslice``, v1.32).

* :mod:`~controllers.endpointslice.endpointslice_controller` -- events and ``syncService``;
* :mod:`~controllers.endpointslice.reconciler` -- the packing of endpoints into slices;
* :mod:`~controllers.endpointslice.utils` -- endpoints, ports, labels, the slice tracker.

Start it with ``EndpointSliceController(client, informers).controller()``.
"""

from controllers.endpointslice.endpointslice_controller import COMPONENT, EndpointSliceController

__all__ = ["COMPONENT", "EndpointSliceController"]
