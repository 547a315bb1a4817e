"""The vector index and the fusion: exact nearest neighbours as a brute force finds them, and rank fusion."""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from contextstack.memory.embeddings import normalised
from contextstack.memory.fusion import reciprocal_rank_fusion
from contextstack.memory.vectors import StoredVector, VectorIndex, embedded_text

PROJECTS = ["prj_a", "prj_b", None]

vectors = st.lists(st.floats(-1, 1, allow_nan=False, width=32), min_size=4, max_size=4)
rows = st.lists(st.tuples(st.sampled_from(PROJECTS), vectors), min_size=0, max_size=40)


def brute_force(
    stored: list[StoredVector], question: list[float], project_id: str | None, limit: int
) -> list[tuple[int, float]]:
    q = normalised(question)
    seen = [s for s in stored if project_id is None or s.project_id in (project_id, None)]
    scored = [(s.seq, float(np.dot(s.vector, q))) for s in seen]
    return sorted(scored, key=lambda pair: (-pair[1], -pair[0]))[:limit]


@settings(max_examples=25, deadline=None)
@given(
    rows=rows,
    question=vectors,
    project_id=st.sampled_from(PROJECTS),
    limit=st.integers(1, 10),
    dropped=st.sets(st.integers(0, 39)),
)
async def test_nearest_is_what_a_brute_force_finds(
    rows: list[tuple[str | None, list[float]]],
    question: list[float],
    project_id: str | None,
    limit: int,
    dropped: set[int],
) -> None:
    stored = [StoredVector(seq, f"kno_{seq}", project, normalised(v)) for seq, (project, v) in enumerate(rows)]
    index = VectorIndex()
    index.add(stored)
    index.drop(f"kno_{seq}" for seq in dropped)
    kept = [s for s in stored if s.seq not in dropped]
    found = await index.nearest(normalised(question), project_id, limit)
    expected = brute_force(kept, question, project_id, limit)
    # Rank by rank, what is found is as alike as what a brute force finds, and is truly that alike: the same rows
    # but where two are alike within rounding (the index computes in float32, the brute force in float64).
    exact = dict(brute_force(kept, question, project_id, len(kept)))
    assert len(found) == len(expected)
    for (seq, score), (_, best) in zip(found, expected, strict=True):
        assert math.isclose(score, best, abs_tol=1e-5)
        assert math.isclose(exact[seq], best, abs_tol=1e-5)
    assert len({seq for seq, _ in found}) == len(found)
    # Ties, as the index computes them, go to the newer entry.
    for (seq, score), (after, following) in itertools.pairwise(found):
        assert score > following or (score == following and seq > after)
    assert len(index) == len(kept)


async def test_a_vector_added_again_replaces_the_old_one_and_a_move_changes_its_scope() -> None:
    index = VectorIndex()
    index.add([StoredVector(1, "kno_1", "prj_a", normalised([1, 0, 0]))])
    index.add([StoredVector(1, "kno_1", "prj_a", normalised([0, 1, 0]))])
    assert await index.nearest(normalised([0, 1, 0]), "prj_a", 5) == [(1, 1.0)]
    index.move("kno_1", "prj_b")
    assert await index.nearest(normalised([0, 1, 0]), "prj_a", 5) == []
    assert [seq for seq, _ in await index.nearest(normalised([0, 1, 0]), "prj_b", 5)] == [1]
    index.drop_project("prj_b")
    assert await index.nearest(normalised([0, 1, 0]), None, 5) == []


async def test_a_question_of_another_dimension_finds_nothing() -> None:
    index = VectorIndex()
    index.add([StoredVector(1, "kno_1", None, normalised([1, 0, 0]))])
    assert await index.nearest(normalised([1, 0]), None, 5) == []


def test_fusion_puts_what_both_rankings_hold_first_then_by_rank() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["d", "b"]])
    assert [item for item, _ in fused] == ["b", "a", "d", "c"]
    assert fused[0][1] == 1 / 62 + 1 / 62
    assert reciprocal_rank_fusion([[], []]) == []


def test_what_is_embedded_is_the_title_the_body_and_the_tags() -> None:
    assert embedded_text("Title", "Body.", []) == "Title\n\nBody."
    assert embedded_text("Title", "", ["a", "b"]) == "Title\n\nTags: a, b"
