"""The Endpoints controller (kube-controller-manager's ``endpoint``, v1.32).

* :mod:`~controllers.endpoint.endpoints_controller` -- Endpoints for every selecting Service;
* :mod:`~controllers.endpoint.utils` -- pod membership, ports, trigger times (shared with
  :mod:`controllers.endpointslice`).

Start it with ``EndpointController(client, informers, recorder).controller()``.
"""

from controllers.endpoint.endpoints_controller import COMPONENT, EndpointController

__all__ = ["COMPONENT", "EndpointController"]
