"""The in-memory ranking orders entries as FTS5's bm25() orders the same entries in an index of their own."""

from __future__ import annotations

import itertools
import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from contextstack.memory.models import KnowledgeEntry
from contextstack.memory.ranking import KnowledgeRanking, fold
from contextstack.memory.search import WEIGHTS

WORDS = ["alpha", "Bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "x1"]

text = st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join)
entry_fields = st.tuples(text, text, st.lists(st.sampled_from(WORDS), max_size=3))


def entry(n: int, title: str, body: str, tags: list[str]) -> KnowledgeEntry:
    return KnowledgeEntry(
        id=f"kn_{n:04d}",
        project_id=None,
        kind="note",
        title=title,
        body=body,
        tags=tags,
        pinned=False,
        source=None,
        supersedes=None,
        superseded_by=None,
        version=1,
        created_at="2026-11-25T00:00:00Z",
        updated_at="2026-11-25T00:00:00Z",
    )


def fts5_scores(entries: list[KnowledgeEntry], words: list[str]) -> dict[str, float]:
    """bm25() of every entry holding any of `words`, in an index of these entries with the shipped tokenizer."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE f USING fts5(title, body, tags, tokenize = 'unicode61 remove_diacritics 2')")
    for seq, e in enumerate(entries, start=1):
        db.execute(
            "INSERT INTO f (rowid, title, body, tags) VALUES (?, ?, ?, ?)", (seq, e.title, e.body, " ".join(e.tags))
        )
    match = " OR ".join(f'"{word}"' for word in words)
    rows = db.execute(f"SELECT rowid, bm25(f, {WEIGHTS}) FROM f WHERE f MATCH ?", (match,)).fetchall()
    return {entries[seq - 1].id: score for seq, score in rows}


def assert_ordered_as_fts5(ids: list[str], scores: dict[str, float]) -> None:
    """The same entries, best bm25() first (lower is better), the newer first where scores tie.

    Scores a rounding apart (the same gains summed in another order) are a tie that either side may break.
    """
    assert sorted(ids) == sorted(scores)
    for a, b in itertools.pairwise(ids):
        if scores[a] == scores[b]:
            assert a > b, (a, b, scores)
        elif abs(scores[a] - scores[b]) > 1e-12 * abs(scores[b]):
            assert scores[a] < scores[b], (a, b, scores)


@settings(max_examples=80, deadline=None)
@given(
    fields=st.lists(entry_fields, min_size=1, max_size=25),
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
)
def test_scores_and_order_are_fts5_bm25_over_the_same_entries(
    fields: list[tuple[str, str, list[str]]], words: list[str]
) -> None:
    entries = [entry(n, *f) for n, f in enumerate(fields)]
    words = list(dict.fromkeys(word.lower() for word in words))  # as assembly asks: each word once
    ranking = KnowledgeRanking(list(enumerate(entries, start=1)))
    expected = fts5_scores(entries, words)
    scores = ranking.scores(words)
    assert scores.keys() == expected.keys()
    assert all(abs(scores[id] - expected[id]) <= 1e-12 * abs(expected[id]) for id in expected), (scores, expected)
    assert_ordered_as_fts5([e.id for e in ranking.best(words, limit=100)], expected)


def test_best_keeps_only_the_best_up_to_the_limit() -> None:
    entries = [entry(1, "alpha", "", []), entry(2, "alpha bravo", "", []), entry(3, "charlie", "", [])]
    ranking = KnowledgeRanking(list(enumerate(entries, start=1)))
    assert ranking.best(["BRAVO", "alpha"], limit=1) == [entries[1]]
    assert ranking.best(["alpha", "bravo"], limit=5) == [entries[1], entries[0]]
    assert ranking.best(["zulu"], limit=10) == []
    assert ranking.best([], limit=10) == []


def test_words_fold_as_the_index_folds_them() -> None:
    assert fold("Crème") == fold("creme") == "creme"
    assert fold("ÉCOLE") == "ecole"
    entries = [entry(1, "Café au lait", "", []), entry(2, "tea", "", ["Zürich"])]
    ranking = KnowledgeRanking(list(enumerate(entries, start=1)))
    assert [e.id for e in ranking.best(["cafe"], 10)] == ["kn_0001"]
    assert [e.id for e in ranking.best(["ZURICH"], 10)] == ["kn_0002"]
