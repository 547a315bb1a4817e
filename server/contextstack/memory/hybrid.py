"""Search by words and by meaning together: the hits of each, fused by reciprocal rank (fusion.py).

Each hit says how it was found (`found_by`). A hit found by meaning alone matched no word: its title and the
start of its body stand in for the highlights. In a hybrid search the question's embedding is waited for only
`[memory] embedding_time_limit` (a provider that is slow or down leaves the words' hits as they are); a search by
meaning alone waits for it, and answers 502 if the provider fails.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec

from contextstack.memory.embeddings import EmbedderUnavailable, EmbeddingError
from contextstack.memory.fusion import reciprocal_rank_fusion
from contextstack.memory.meaning import Meaning
from contextstack.memory.models import FoundBy, KnowledgeEntry, KnowledgeHit, Mode
from contextstack.memory.search import ELLIPSIS, SNIPPET_TOKENS, Term, matched_words

if TYPE_CHECKING:
    from contextstack.memory.embeddings import Vector


def _snippet(body: str) -> str:
    words = body.split()
    return " ".join(words[:SNIPPET_TOKENS]) + (ELLIPSIS if len(words) > SNIPPET_TOKENS else "")


def _by_meaning(entry: KnowledgeEntry, score: float, terms: Sequence[Term]) -> KnowledgeHit:
    return KnowledgeHit(
        entry=entry,
        score=score,
        title_highlight=entry.title,
        snippet=_snippet(entry.body),
        matched=matched_words(terms, (entry.title, entry.body, *entry.tags)),
        found_by=["meaning"],
    )


def is_worth_embedding(terms: Sequence[Term]) -> bool:
    """Whether a search's text says something to embed: a word typed in full, not only the start of one."""
    return any(not term.prefix for term in terms)


async def fused_search(
    meaning: Meaning,
    q: str,
    terms: Sequence[Term],
    by_words: list[KnowledgeHit],
    *,
    mode: Mode,
    project_id: str | None,
    kind: str | None,
    limit: int,
    include_superseded: bool,
) -> list[KnowledgeHit]:
    """The hits of a search by meaning (`mode="meaning"`), or those fused with `by_words` (`mode="hybrid"`)."""
    if mode == "hybrid" and not is_worth_embedding(terms):
        return by_words
    try:
        nearest = await meaning.nearest(
            q,
            project_id=project_id,
            limit=limit,
            time_limit=None if mode == "meaning" else meaning.time_limit,
            kind=kind,
            include_superseded=include_superseded,
        )
    except EmbeddingError as exc:
        if mode == "meaning":
            raise EmbedderUnavailable(f"could not embed the question with {meaning.model}: {exc}") from None
        return by_words
    if nearest is None:
        return by_words
    if mode == "meaning":
        return [_by_meaning(entry, similarity, terms) for entry, similarity in nearest]
    words = {hit.entry.id: hit for hit in by_words}
    meant = {entry.id: (entry, similarity) for entry, similarity in nearest}
    fused = reciprocal_rank_fusion([list(words), list(meant)])[:limit]
    hits = []
    for entry_id, score in fused:
        hit = words.get(entry_id)
        if hit is None:
            entry, _ = meant[entry_id]
            hits.append(_by_meaning(entry, score, terms))
        else:
            found_by: list[FoundBy] = ["words", "meaning"] if entry_id in meant else ["words"]
            hits.append(msgspec.structs.replace(hit, score=score, found_by=found_by))
    return hits


async def fused_relevant(
    meaning: Meaning,
    asked: asyncio.Future[Vector | None],
    project_id: str,
    by_words: list[KnowledgeEntry],
    wanted: int,
) -> tuple[list[KnowledgeEntry], bool]:
    """Context assembly's relevant entries: `by_words` fused with those nearest the question `asked` (Meaning.ask).

    With whether meaning had its say: False when the question's embedding was not there within the time limit
    (what is assembled then is for this time only); a provider that fails leaves the words' entries, for good.
    """
    try:
        vector = await asked
    except EmbeddingError:
        return by_words, True
    if vector is None:
        return by_words, False
    nearest = await meaning.nearest_to(vector, project_id=project_id, limit=wanted)
    entries = {entry.id: entry for entry in by_words} | {entry.id: entry for entry, _ in nearest}
    fused = reciprocal_rank_fusion([[entry.id for entry in by_words], [entry.id for entry, _ in nearest]])
    return [entries[entry_id] for entry_id, _ in fused[:wanted]], True
