"""The controller runtime: what every controller here -- built-in or a user's -- is made of.

* :mod:`~controllers.runtime.controller` -- a work queue, N workers and a ``reconcile``
  function; watches that map events to requests; predicates;
* :mod:`~controllers.runtime.manager` -- starts shared informers, waits for their caches, then
  runs controllers, optionally only while holding a leader lease;
* :mod:`~controllers.runtime.leaderelection` -- Lease-based leader election;
* :mod:`~controllers.runtime.conditions`, :mod:`~controllers.runtime.finalizers`,
  :mod:`~controllers.runtime.owners`, :mod:`~controllers.runtime.events` -- the helpers every
  controller needs and most get subtly wrong.
"""

from controllers.runtime.controller import (
    Controller,
    Request,
    Result,
    TerminalError,
    enqueue_object,
    enqueue_owner,
    generation_changed,
)
from controllers.runtime.manager import Manager

__all__ = [
    "Controller",
    "Manager",
    "Request",
    "Result",
    "TerminalError",
    "enqueue_object",
    "enqueue_owner",
    "generation_changed",
]
