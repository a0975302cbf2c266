"""The VolumeBinding plugin: :mod:`.plugin` (the extension points), :mod:`.binder` (the
decisions and the API writes), :mod:`.assume_cache` (assumed PVs and claims)."""

from controllers.scheduler.plugins.volumebinding.plugin import VolumeBinding

__all__ = ["VolumeBinding"]
