"""BM25 over a few knowledge entries held in memory: what FTS5's bm25() computes, without a statement.

Context assembly meets a new question on nearly every proxied request. When the knowledge a project can see
(its own entries and the global ones, not superseded) is small, ranking it in memory costs a fraction of the
FTS5 query and its trip to a reader thread (figures in docs/benchmarks.md, Proxy).

The formula is FTS5's: k1 1.2, b 0.75, the column weights of search.py, a word's frequency summed over the
weighted columns, an entry's length over all of them, ties to the newest entry. Its statistics (how many
entries, how many hold a word, their average length) are those of the entries given, not of the whole table.
Words are cut as search cuts a query, folded as the index's tokenizer folds them (case, diacritics: for ASCII
text the two agree token for token) and compared by their stem, as search matches them.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from contextstack.memory.models import KnowledgeEntry
from contextstack.memory.search import WEIGHTS, fold, tokens
from contextstack.memory.stemming import stem

K1 = 1.2
B = 0.75
# FTS5 floors a word's IDF here, so a word in more than half of the entries still counts a little.
MIN_IDF = 1e-6
# Title, body, tags: whole numbers, so that a column's words can be counted that many times over.
WHOLE_WEIGHTS = tuple(int(float(weight)) for weight in WEIGHTS.split(","))
assert all(float(weight) == whole for weight, whole in zip(WEIGHTS.split(","), WHOLE_WEIGHTS, strict=True))


def stems(text: str) -> list[str]:
    """The stems of the words of `text`: what the ranking compares."""
    return [stem(word) for word in tokens(text)]


# Entries within this many places of a hit, written together with it, share in its score (context assembly).
NEIGHBOUR_REACH = 2
NEIGHBOUR_SHARE = 0.5


class Ranked(NamedTuple):
    seq: int
    score: float  # BM25: higher is better


def neighbour_scores(hits: Iterable[Ranked], write_of: Callable[[int], object], limit: int) -> list[Ranked]:
    """`hits` re-scored with their neighbours: the best `limit`, best first, ties to the newest.

    Entries written together (in one request: a conversation's turns, a document's parts) and next to each other
    in the order written are read as one sequence: an entry within NEIGHBOUR_REACH places of a hit, written with
    it, gains NEIGHBOUR_SHARE of the hit's score per place of distance (half at one place, a quarter at two), so
    the turn that answers a question comes along with the one that asked it. `write_of(seq)` tells which write
    made the entry of that key (None: none the query may see).
    """
    scores: dict[int, float] = {}
    for seq, score in hits:
        scores[seq] = scores.get(seq, 0.0) + score
        write = write_of(seq)
        for distance in range(1, NEIGHBOUR_REACH + 1):
            share = score * NEIGHBOUR_SHARE**distance
            for other in (seq - distance, seq + distance):
                if write is not None and write_of(other) == write:
                    scores[other] = scores.get(other, 0.0) + share
    best = sorted(scores.items(), key=lambda item: (-item[1], -item[0]))[:limit]
    return [Ranked(seq, score) for seq, score in best]


# Words whose part of the scores is remembered; past this many (a long talk about an unchanged project), the
# memory starts again.
REMEMBERED_WORDS = 4096


class KnowledgeRanking:
    """Entries with their words counted (weighted by column); `best` ranks them for any words.

    Counting is all that is done up front (in C: the columns' words repeated by their weight, then counted), so
    making one is cheap. A word's part of every entry's score depends only on the entries, so it is worked out
    the first time the word is asked for and remembered; a word no entry holds costs one look-up.
    """

    def __init__(self, entries: Sequence[tuple[int, KnowledgeEntry]]) -> None:
        """`entries`: (seq, entry) pairs, seq being the entry's row key (the newer, the higher)."""
        self._entries = [entry for _, entry in entries]
        self._seqs = [seq for seq, _ in entries]
        self._counts: list[Counter[str]] = []
        lengths: list[int] = []
        title_weight, body_weight, tags_weight = WHOLE_WEIGHTS
        for _, entry in entries:
            title, body, tags = stems(entry.title), stems(entry.body), stems(" ".join(entry.tags))
            self._counts.append(Counter(title * title_weight + body * body_weight + tags * tags_weight))
            lengths.append(len(title) + len(body) + len(tags))
        # Every word some entry holds: a word outside it (a number, a name) costs one look-up.
        self._vocabulary: set[str] = set().union(*self._counts)
        average = sum(lengths) / len(lengths) if lengths else 0.0
        # The part of BM25's denominator that depends only on the entry's length.
        self._norms = [K1 * (1 - B + B * length / average) if average else K1 for length in lengths]
        self._gains: dict[str, list[tuple[int, float]]] = {}
        # Made on first use: which write made each entry, by key, and where each key is.
        self._writes: dict[int, tuple[str | None, str]] | None = None
        self._by_seq: dict[int, int] = {}

    def best(self, words: Iterable[str], limit: int) -> list[KnowledgeEntry]:
        """The entries holding any of `words`, best first (as `bm25()` orders them), at most `limit`."""
        scores, seqs = self._scores(words), self._seqs
        ranked = heapq.nsmallest(limit, scores, key=lambda index: (-scores[index], -seqs[index]))
        return [self._entries[index] for index in ranked]

    def best_with_neighbours(self, words: Iterable[str], limit: int) -> list[KnowledgeEntry]:
        """As `best`, with the entries next to a hit and written with it sharing in its score (`neighbour_scores`)."""
        scores, seqs = self._scores(words), self._seqs
        ranked = heapq.nsmallest(2 * limit, scores, key=lambda index: (-scores[index], -seqs[index]))
        if self._writes is None:
            self._writes = {
                seq: (entry.project_id, entry.created_at) for seq, entry in zip(seqs, self._entries, strict=True)
            }
            self._by_seq = {seq: index for index, seq in enumerate(seqs)}
        best = neighbour_scores([Ranked(seqs[index], scores[index]) for index in ranked], self._writes.get, limit)
        return [self._entries[self._by_seq[seq]] for seq, _ in best]

    def scores(self, words: Iterable[str]) -> dict[str, float]:
        """What `bm25()` gives each entry holding any of `words` (lower is better), by entry id."""
        return {self._entries[index].id: -score for index, score in self._scores(words).items()}

    def _scores(self, words: Iterable[str]) -> dict[int, float]:
        scores: dict[int, float] = {}
        get = scores.get
        for token in dict.fromkeys(stem(fold(word)) for word in words):
            gains = self._gains.get(token)
            if gains is None:
                gains = self._gains_of(token)
            for index, gain in gains:
                scores[index] = get(index, 0.0) + gain
        return scores

    def _gains_of(self, token: str) -> list[tuple[int, float]]:
        """What `token` adds to the score of each entry holding it."""
        if token not in self._vocabulary:
            return []
        holding = [(index, counts[token]) for index, counts in enumerate(self._counts) if token in counts]
        idf = math.log((0.5 + len(self._counts) - len(holding)) / (0.5 + len(holding)))
        if idf <= 0:
            idf = MIN_IDF
        norms = self._norms
        gains = [(index, idf * (f * (K1 + 1)) / (f + norms[index])) for index, f in holding]
        if len(self._gains) >= REMEMBERED_WORDS:
            self._gains.clear()
        self._gains[token] = gains
        return gains
