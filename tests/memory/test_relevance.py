"""What assembly finds for a question is what BM25 over every matching entry ranks best, at every size."""

from __future__ import annotations

import math
import random
from collections import Counter

from contextstack.memory.models import KnowledgeBulkCreate, KnowledgeCreate
from contextstack.memory.search import query_terms
from contextstack.memory.service import create_knowledge_bulk
from contextstack.memory.store import RANKED_CANDIDATES, best_matches
from contextstack.plan.models import ProjectCreate
from contextstack.plan.service import create_project
from contextstack.storage import Database

# Words that stemming leaves as they are, so that brute force needs no stemmer.
WORDS = ["alpha", "bravo", "delta", "echo", "golf", "hotel", "kilo", "lima", "oscar", "papa", "tango", "zulu"]


def brute_force_bm25(entries: list[KnowledgeCreate], words: list[str]) -> list[int]:
    """Indexes of the entries holding any of `words`, best first by FTS5's BM25 (title 10, body 1, tags 4)."""
    k1, b = 1.2, 0.75
    columns = [(entry.title.split(), entry.body.split(), entry.tags) for entry in entries]
    lengths = [sum(len(column) for column in entry) for entry in columns]
    average = sum(lengths) / len(lengths)
    scores: dict[int, float] = {}
    for word in words:
        holding = [n for n, entry in enumerate(columns) if any(word in column for column in entry)]
        idf = max(math.log((len(entries) - len(holding) + 0.5) / (len(holding) + 0.5)), 1e-6)
        for n in holding:
            title, body, tags = (Counter(column)[word] for column in columns[n])
            f = 10 * title + body + 4 * tags
            scores[n] = scores.get(n, 0.0) + idf * f * (k1 + 1) / (f + k1 * (1 - b + b * lengths[n] / average))
    return sorted(scores, key=lambda n: (-scores[n], -n))


async def test_on_a_small_corpus_the_ranking_is_brute_force_bm25(db: Database) -> None:
    project = await create_project(db, ProjectCreate(name="Small"), "api")
    rng = random.Random(3)
    entries = [
        KnowledgeCreate(
            kind="note",
            title=" ".join(rng.choices(WORDS, k=rng.randint(1, 4))),
            body=" ".join(rng.choices(WORDS, k=rng.randint(0, 12))),
            tags=sorted(set(rng.choices(WORDS, k=rng.randint(0, 2)))),
            project=project.id,
        )
        for _ in range(120)
    ]
    ids = await create_knowledge_bulk(db, KnowledgeBulkCreate(items=entries), "api")
    for words in (["alpha"], ["bravo", "zulu"], ["delta", "echo", "kilo"], ["oscar", "papa", "tango", "lima"]):
        found = await db.read(
            lambda view, words=words: best_matches(
                view, query_terms(" ".join(words) + " "), project_id=project.id, limit=15
            )
        )
        expected = [ids[n] for n in brute_force_bm25(entries, words)][:15]
        assert [entry.id for entry in found] == expected, words


async def test_an_old_entry_holding_a_rare_word_is_found_behind_many_newer_matches(db: Database) -> None:
    project = await create_project(db, ProjectCreate(name="Large"), "api")
    old = KnowledgeCreate(
        kind="note", title="Turn D1:3", body="Caroline went to the taekwondo class", project=project.id
    )
    newer = [
        KnowledgeCreate(kind="note", title=f"Turn D9:{n}", body=f"Caroline said thing {n}", project=project.id)
        for n in range(3 * RANKED_CANDIDATES)
    ]
    ids = await create_knowledge_bulk(db, KnowledgeBulkCreate(items=[old, *newer]), "api")
    found = await db.read(
        lambda view: best_matches(view, query_terms("Caroline taekwondo "), project_id=project.id, limit=5)
    )
    assert found[0].id == ids[0]
