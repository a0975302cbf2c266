"""``helper.DefaultNormalizeScore``: scale scores to 0..100 by the highest, optionally reversed.

Upstream: ``framework/plugins/helper/normalize_score.go``.
"""

from __future__ import annotations

from controllers.scheduler.framework.interface import MAX_NODE_SCORE


def default_normalize_score(
    scores: list[int], *, reverse: bool, max_priority: int = MAX_NODE_SCORE
) -> None:
    """In place, over the scores of the nodes being scored."""
    max_count = max(scores, default=0)
    if max_count == 0:
        if reverse:
            scores[:] = [max_priority] * len(scores)
        return
    if reverse:
        scores[:] = [max_priority - max_priority * s // max_count for s in scores]
    else:
        scores[:] = [max_priority * s // max_count for s in scores]


__all__ = ["default_normalize_score"]
