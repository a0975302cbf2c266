"""``helper.DefaultNormalizeScore``: scale scores to 0..100 by the highest, optionally reversed.

Upstream: ``framework/plugins/helper/normalize_score.go``.
"""

from __future__ import annotations

from controllers.scheduler.framework.interface import MAX_NODE_SCORE, NodeScore


def default_normalize_score(
    scores: list[NodeScore], *, reverse: bool, max_priority: int = MAX_NODE_SCORE
) -> None:
    max_count = max((s.score for s in scores), default=0)
    if max_count == 0:
        if reverse:
            for s in scores:
                s.score = max_priority
        return
    for s in scores:
        score = max_priority * s.score // max_count
        s.score = max_priority - score if reverse else score


__all__ = ["default_normalize_score"]
