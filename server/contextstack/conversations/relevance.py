"""A project's past messages as a relevance source of context assembly (assembly/sources.py).

What the people and models of a project said in its conversations is ranked beside its knowledge, so a new
conversation, with any model, starts knowing what was said before. The user's and the models' messages count (not
failures, tool results or system messages); the history of the conversation that asks is left out, since it is
sent with it (the messages trimmed out of it to fit the model's window are not, and can be found).

Ranking is BM25 over the message text, as search ranks knowledge with `match=any`: words compared by their stem
(memory/stemming.py), ties to the newest message. A project with at most POOLED_MESSAGES messages has them
ranked in memory (read once, kept until one of its conversations changes); past that, the full-text index ranks
them (FTS5's, or on PostgreSQL the tsvector with the same BM25; a word matching the indexed words of its stem,
listed in `message_terms`): every message holding a rare word of the question (held by at most
RARE_WORD_MESSAGES messages), and the newest CANDIDATES matches of the others.

With embeddings (`[memory] embedding_model`), the messages nearest the question in meaning (meaning.py) are
found too, and assembly fuses them with those its words found.

Each message found is one block: who said it, in which conversation, when, and the passage around its first
matching word (the whole message if short), its summary a shorter passage.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from contextstack.assembly.sources import Found, Pool, SourceKind
from contextstack.conversations import store
from contextstack.conversations.meaning import nearest_messages
from contextstack.memory.meaning import Meaning
from contextstack.memory.ranking import K1, MIN_IDF, B, stems
from contextstack.memory.search import Term, fold, tokens
from contextstack.memory.stemming import stem
from contextstack.storage import Reader

if TYPE_CHECKING:
    from contextstack.memory.embeddings import Vector

POOLED_MESSAGES = 2000
# Messages never change, so the words of each are counted once and kept for the project's next pool (every turn
# makes one anew); past this many, the memory starts again.
COUNTED_KEPT = 50_000
CANDIDATES = 200
RARE_WORD_MESSAGES = 500
# Words of a message's passage in its block, and in its summary.
PASSAGE_WORDS = 120
SUMMARY_WORDS = 30


class PastMessages:
    """The relevance source of a project's conversation messages."""

    def __init__(self, pooled: int = POOLED_MESSAGES, meaning: Meaning | None = None) -> None:
        """`pooled`: the most messages a project may have to be ranked in memory; `meaning`: the daemon's search by
        meaning, if embeddings are configured (the Runtime sets it once it is built)."""
        self.pooled = pooled
        self.meaning = meaning
        self._counted: dict[int, Counter[str]] = {}  # by message seq: its words' stems, counted

    @property
    def kind(self) -> SourceKind:
        return "message"

    @property
    def events(self) -> tuple[str, ...]:
        return ("conversation.", "message.")

    async def pool(self, view: Reader, project_id: str) -> Pool | None:
        if await store.count_project_messages(view, project_id, self.pooled + 1) > self.pooled:
            return None
        messages = await store.project_messages(view, project_id)
        if len(self._counted) + len(messages) > COUNTED_KEPT:
            self._counted = {}
        return MessagePool(messages, self._counted)

    async def search(
        self, view: Reader, project_id: str, words: Sequence[str], limit: int, leave_out: frozenset[str]
    ) -> list[Found]:
        terms = [Term(word, False) for word in words]
        variants = await store.variants(view, words)
        rare = [
            term
            for term in terms
            if await store.count_matching_messages(view, store.WordQuery([term], variants), RARE_WORD_MESSAGES + 1)
            <= RARE_WORD_MESSAGES
        ]
        found: dict[int, tuple[float, store.PastMessage]] = {}
        if len(rare) < len(terms):
            match = store.WordQuery(terms, variants, any_term=True)
            for score, message in await store.matching_messages(view, match, project_id, leave_out, CANDIDATES):
                found[message.seq] = (score, message)
        if rare:
            match = store.WordQuery(rare, variants, any_term=True)
            every = len(rare) * RARE_WORD_MESSAGES
            for score, message in await store.matching_messages(view, match, project_id, leave_out, every):
                found.setdefault(message.seq, (score, message))
        best = sorted(found.values(), key=lambda pair: (pair[0], -pair[1].seq))[:limit]
        wanted = {stem(fold(word)) for word in words}
        return [_found(message, wanted) for _, message in best]

    async def nearest(
        self, view: Reader, project_id: str, vector: Vector, limit: int, leave_out: frozenset[str]
    ) -> list[Found]:
        if self.meaning is None:
            return []
        found = await nearest_messages(
            self.meaning, view, vector, project_id=project_id, limit=limit, leave_out=leave_out
        )
        return [_found(message, set()) for message, _ in found]


class MessagePool:
    """A project's messages with their words counted; `best` ranks them by BM25 as FTS5's bm25() does."""

    def __init__(self, messages: Sequence[store.PastMessage], counted: dict[int, Counter[str]] | None = None) -> None:
        """`counted`: the counted stems of messages by seq, used and added to (read only once made)."""
        self._messages = list(messages)
        counted = {} if counted is None else counted
        self._counts = []
        for message in self._messages:
            counts = counted.get(message.seq)
            if counts is None:
                counts = counted[message.seq] = Counter(stems(message.text))
            self._counts.append(counts)
        lengths = [sum(counts.values()) for counts in self._counts]
        self._vocabulary: set[str] = set().union(*self._counts)
        average = sum(lengths) / len(lengths) if lengths else 0.0
        self._norms = [K1 * (1 - B + B * length / average) if average else K1 for length in lengths]
        self._gains: dict[str, list[tuple[int, float]]] = {}

    def __len__(self) -> int:
        return len(self._messages)

    def best(self, words: Sequence[str], limit: int, leave_out: frozenset[str]) -> list[Found]:
        wanted = dict.fromkeys(stem(fold(word)) for word in words)
        scores: dict[int, float] = {}
        for token in wanted:
            for index, gain in self._gains_of(token):
                scores[index] = scores.get(index, 0.0) + gain
        messages = self._messages
        ranked = heapq.nsmallest(
            limit,
            (index for index in scores if messages[index].id not in leave_out),
            key=lambda index: (-scores[index], -messages[index].seq),
        )
        return [_found(messages[index], set(wanted)) for index in ranked]

    def _gains_of(self, token: str) -> list[tuple[int, float]]:
        gains = self._gains.get(token)
        if gains is not None:
            return gains
        if token not in self._vocabulary:
            return []
        holding = [(index, counts[token]) for index, counts in enumerate(self._counts) if token in counts]
        idf = math.log((0.5 + len(self._counts) - len(holding)) / (0.5 + len(holding)))
        if idf <= 0:
            idf = MIN_IDF
        norms = self._norms
        gains = [(index, idf * (f * (K1 + 1)) / (f + norms[index])) for index, f in holding]
        self._gains[token] = gains
        return gains


def passage(text: str, wanted: set[str], length: int) -> str:
    """At most `length` words of `text` on one line, from a little before its first word whose stem is wanted."""
    words = text.split()
    if len(words) <= length:
        return " ".join(words)
    first = next((index for index, word in enumerate(words) if any(stem(token) in wanted for token in tokens(word))), 0)
    start = max(0, min(first - length // 4, len(words) - length))
    end = start + length
    return ("… " if start else "") + " ".join(words[start:end]) + (" …" if end < len(words) else "")


def _found(message: store.PastMessage, wanted: set[str]) -> Found:
    title = message.title or "Untitled conversation"
    line = f"- **{message.role}** in _{title}_ ({message.created_at[:10]}): "
    text = line + passage(message.text, wanted, PASSAGE_WORDS) + "\n"
    summary = line + passage(message.text, wanted, SUMMARY_WORDS) + "\n"
    return Found(id=message.id, title=title, text=text, summary=summary if summary != text else None)
