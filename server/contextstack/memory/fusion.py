"""Reciprocal rank fusion: one ranking out of several (words and meaning), by rank alone.

Cormack, Clarke and Büttcher (SIGIR 2009): an item's fused score is the sum, over the rankings that hold it, of
1 / (k + its rank there), ranks counted from 1. Scores of different kinds (BM25, cosine similarity) never meet;
an item near the top of either ranking comes near the top, and one found by both comes before either alone.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

# The constant of the paper: it damps the weight of the very first ranks.
K = 60

T = TypeVar("T", bound=Hashable)


def reciprocal_rank_fusion(rankings: Sequence[Sequence[T]], k: int = K) -> list[tuple[T, float]]:
    """(item, fused score) of every item of `rankings` (each best first), best first; ties keep the first seen."""
    scores: dict[T, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])
