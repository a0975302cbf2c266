"""ImageLocality (Score): prefer nodes that already have the pod's images.

Upstream: ``framework/plugins/imagelocality/image_locality.go``. A node's images come from
``status.images``; each image the pod uses that the node has adds its size scaled by the
fraction of nodes that have it (so an image everywhere does not pull pods together), and the
sum is mapped between 23 MB and 1000 MB per container onto 0..100.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controllers.scheduler.framework.interface import (
    MAX_NODE_SCORE,
    SKIP,
    CycleState,
    Plugin,
    Status,
)
from controllers.scheduler.framework.types import NodeInfo, PodInfo, normalized_image_name

if TYPE_CHECKING:
    from controllers.scheduler.framework.runtime import Framework

_MB = 1024 * 1024
MIN_THRESHOLD = 23 * _MB
MAX_CONTAINER_THRESHOLD = 1000 * _MB
_PRE_SCORE_KEY = "PreScoreImageLocality"


class ImageLocality(Plugin):
    name = "ImageLocality"

    def __init__(self, handle: Framework) -> None:
        self.handle = handle

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        if not self.handle.snapshot.image_num_nodes:
            # not upstream's: no node reports images, every node would score 0
            return SKIP
        spec = pod.spec
        images = [
            normalized_image_name(c.get("image") or "")
            for group in (spec.get("initContainers"), spec.get("containers"))
            for c in group or ()
        ]
        state[_PRE_SCORE_KEY] = (
            images,
            len(spec.get("initContainers") or ()) + len(spec.get("containers") or ()),
        )
        return None

    def score_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        """:meth:`score` for many nodes; 0 everywhere when no node reports images."""
        if not self.handle.snapshot.image_num_nodes:
            return [0] * len(nodes)
        score = self.score
        return [score(state, pod, n) for n in nodes]

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        images, num_containers = state[_PRE_SCORE_KEY]
        sizes = node_info.image_sizes
        total = 0
        if sizes:
            num_nodes = self.handle.snapshot.image_num_nodes
            total_nodes = len(self.handle.snapshot.node_info_list) or 1
            for image in images:
                size = sizes.get(image)
                if size is not None:
                    total += int(size * num_nodes.get(image, 0) / total_nodes)
        max_threshold = MAX_CONTAINER_THRESHOLD * num_containers
        total = min(max(total, MIN_THRESHOLD), max_threshold)
        if max_threshold == MIN_THRESHOLD:
            return 0
        return MAX_NODE_SCORE * (total - MIN_THRESHOLD) // (max_threshold - MIN_THRESHOLD)
