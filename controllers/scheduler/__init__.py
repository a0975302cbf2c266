"""The scheduler: kube-scheduler v1.32's framework, queue, cache and default plugins.

* :mod:`.scheduler` -- :class:`Scheduler`: informers, event handlers, the loop;
* :mod:`.schedule_one` -- the scheduling and binding cycles;
* :mod:`.profile` -- :class:`Profile`: which plugins, with which weights (tests add and disable
  plugins here);
* :mod:`.framework` -- statuses, cycle state, ``NodeInfo``/``PodInfo``, the plugin runtime,
  preemption;
* :mod:`.internal` -- the scheduling queue and the cache;
* :mod:`.plugins` -- the default plugins;
* :mod:`.resources` -- pod requests (init containers, sidecars, overhead), shared with the
  kubelets.
"""

from controllers.scheduler.profile import PluginEntry, Profile, SchedulerConfiguration
from controllers.scheduler.scheduler import COMPONENT, Scheduler

__all__ = ["COMPONENT", "PluginEntry", "Profile", "Scheduler", "SchedulerConfiguration"]
