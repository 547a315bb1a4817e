"""Conversation search ranks by FTS5's bm25() on both backends: on SQLite FTS5 scores, on PostgreSQL the store works
the same BM25 out over the tsvector and the totals migration 0017 keeps (conversations/fulltext.py). Each case's
hits and scores are checked against BM25 worked out here from the texts themselves, after writes, a rename and a
delete (run with `--backend postgresql` and without)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import pytest

from contextstack.conversations import store
from contextstack.conversations.models import Conversation, Message
from contextstack.memory.search import fold, query_terms, tokens
from contextstack.storage import Database, Reader

WORDS = "courier couriers parcel parcels delivery route driver van late early café naïve résumé ship shipping".split()


def _conversation(n: int, title: str) -> Conversation:
    at = f"2026-01-01T00:00:{n:02d}.000Z"
    return Conversation(
        id=f"cnv_{n:03d}",
        project_id=None,
        title=title,
        model=None,
        leaf_id=None,
        forked_from=None,
        version=1,
        created_at=at,
        updated_at=at,
    )


def _message(conversation: Conversation, n: int, parent: str | None, text: str) -> Message:
    return Message(
        id=f"{conversation.id}_m{n}",
        conversation_id=conversation.id,
        parent_id=parent,
        role="user" if n % 2 else "assistant",
        content=text,
        tool_calls=None,
        model=None,
        provider=None,
        usage=None,
        latency_ms=None,
        finish_reason=None,
        status="complete",
        error=None,
        context=None,
        version=1,
        created_at=conversation.created_at,
        updated_at=conversation.created_at,
    )


async def _fill(db: Database, seed: int) -> tuple[dict[str, str], dict[str, str]]:
    """Conversations of random titles and messages; (title by conversation id, text by message id)."""
    rng = random.Random(seed)
    titles, texts = {}, {}
    async with db.transaction() as tx:
        for n in range(14):
            conversation = _conversation(n, " ".join(rng.choices(WORDS, k=rng.randint(0, 4))))
            await store.insert_conversation(tx, conversation)
            titles[conversation.id] = conversation.title
            parent = None
            for depth in range(1, rng.randint(2, 7)):
                # Now and then a word many times over: FTS5 counts each occurrence.
                text = " ".join(rng.choices(WORDS, k=rng.randint(1, 14))) + " ship" * rng.choice([0, 0, 9])
                message = _message(conversation, depth, parent, text)
                await store.insert_message(tx, message, depth, text)
                texts[message.id] = text
                parent = message.id
    return titles, texts


def _expected(
    documents: dict[str, str], groups: Sequence[Sequence[tuple[str, bool]]], any_term: bool
) -> dict[str, float]:
    """By document: bm25() (higher is better here) of those matching every group (or any), a group matching when
    any of its phrases does; a phrase (word, prefix) is a folded word, or the start of words."""
    held = {key: tokens(text) for key, text in documents.items()}
    average = sum(map(len, held.values())) / len(held)
    phrases = [phrase for group in groups for phrase in group]

    def count(words: list[str], phrase: tuple[str, bool]) -> int:
        word, prefix = phrase
        return sum(1 for held_word in words if (held_word.startswith(word) if prefix else held_word == word))

    def idf(phrase: tuple[str, bool]) -> float:
        n = sum(1 for words in held.values() if count(words, phrase))
        value = math.log((len(held) - n + 0.5) / (n + 0.5))
        return value if value > 0 else 1e-6

    weights = [idf(phrase) for phrase in phrases]
    scores = {}
    for key, words in held.items():
        matched = [any(count(words, phrase) for phrase in group) for group in groups]
        if not (any(matched) if any_term else all(matched)):
            continue
        norm = 1.2 * (1 - 0.75 + 0.75 * len(words) / average)
        scores[key] = sum(
            weight * f * 2.2 / (f + norm)
            for phrase, weight in zip(phrases, weights, strict=True)
            if (f := count(words, phrase))
        )
    return scores


async def _found(
    db: Database, q: str, any_term: bool
) -> tuple[dict[str, float], dict[str, float], list[list[tuple[str, bool]]]]:
    """(titles' scores by conversation id, messages' scores by message id, the phrase groups asked)."""

    async def read(view: Reader) -> tuple[list[store.Candidate], dict[str, list[str]]]:
        terms = query_terms(q)
        variants = await store.variants(view, [t.word for t in terms if not t.prefix])
        query = store.WordQuery(terms, variants, any_term)
        return await store.search_candidates(view, query, None, 500), variants

    candidates, variants = await db.read(read)
    groups = [
        [(fold(t.word), True)]
        if t.prefix
        else [(fold(w), False) for w in dict.fromkeys([t.word, *variants.get(t.word, [])])]
        for t in query_terms(q)
    ]
    titles = {c.conversation_id: c.score for c in candidates if c.message_id is None}
    messages = {c.message_id: c.score for c in candidates if c.message_id is not None}
    return titles, messages, groups


QUERIES = ["courier", "couriers late", "Parcel early", "shi", "cafe naive", "van driver route", "ship", "résumé sh"]


@pytest.mark.parametrize("q", QUERIES)
@pytest.mark.parametrize("any_term", [False, True], ids=["all", "any"])
async def test_search_scores_are_fts5_bm25(db: Database, q: str, any_term: bool) -> None:
    titles, texts = await _fill(db, seed=7)
    found_titles, found_messages, groups = await _found(db, q, any_term)
    expected_titles = _expected(titles, groups, any_term)
    expected_messages = _expected(texts, groups, any_term)
    assert found_titles.keys() == expected_titles.keys()
    assert found_messages.keys() == expected_messages.keys()
    assert expected_messages, "the corpus has matches for every query"
    for key, score in [*found_titles.items(), *found_messages.items()]:
        assert score == pytest.approx({**expected_titles, **expected_messages}[key], rel=1e-9)


async def test_scores_follow_renames_and_deletes(db: Database) -> None:
    """The totals bm25() reads (rows, words, each row's words) follow a renamed title and a deleted conversation."""
    titles, texts = await _fill(db, seed=11)
    async with db.transaction() as tx:
        renamed = await store.conversation(tx, "cnv_003")
        assert renamed is not None
        await store.update_conversation(tx, Conversation(**{**_fields(renamed), "title": "late late courier van"}))
        await store.delete_conversation(tx, "cnv_005")
    titles["cnv_003"] = "late late courier van"
    del titles["cnv_005"]
    texts = {key: text for key, text in texts.items() if not key.startswith("cnv_005_")}
    found_titles, found_messages, groups = await _found(db, "courier late", True)
    assert found_titles == pytest.approx(_expected(titles, groups, True), rel=1e-9)
    assert found_messages == pytest.approx(_expected(texts, groups, True), rel=1e-9)


async def test_past_messages_are_ranked_by_the_same_bm25(db: Database) -> None:
    """Context assembly's ranking of a project's past messages (lower is better there) reads the same scores."""
    _, texts = await _fill(db, seed=5)
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO projects (id, slug, name, description, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?)",
            ("prj_1", "shop", "Shop", "t", "t"),
        )
        await tx.execute("UPDATE conversations SET project_id = 'prj_1'")

    async def read(view: Reader) -> list[tuple[float, store.PastMessage]]:
        terms = query_terms("parcel late ")
        variants = await store.variants(view, [t.word for t in terms])
        return await store.matching_messages(view, store.WordQuery(terms, variants, True), "prj_1", frozenset(), 500)

    found = {message.id: score for score, message in await db.read(read)}
    groups = [[("parcel", False), ("parcels", False)], [("late", False)]]
    assert found == pytest.approx({key: -score for key, score in _expected(texts, groups, True).items()}, rel=1e-9)


def _fields(conversation: Conversation) -> dict[str, object]:
    return {name: getattr(conversation, name) for name in conversation.__struct_fields__}
