"""Full-text matching and BM25 on PostgreSQL, as SQLite's FTS5 does them for conversation search.

On SQLite, titles and message text are in FTS5 indexes (migration 0008): a query is an FTS5 expression
(memory/search.py's `match_expression`), scored by FTS5's `bm25()`. PostgreSQL has no FTS5; there each row keeps
its words as a `tsvector` (with how often each occurs, as that many positions: what bm25() needs of a row, where
knowledge's tsvectors hold each word once) and how many words it holds, and:

- the words written are our own tokens (memory/search.py's `tokens`, the words FTS5's unicode61 tokenizer keeps),
  given to PostgreSQL as a `tsvector` value, never through its text parser, so both backends hold the same words;
- a query is a `tsquery` of the same phrases (memory/search.py's `tsquery`): each whole word OR'ed with the
  indexed words of its stem, the last word of search-as-you-type as a prefix (`:*`), every group required (AND)
  or any (OR);
- the score is FTS5's `bm25()` worked out over the same figures FTS5 keeps: how many rows the table holds and
  how many words in all (the totals a trigger keeps, migration 0017), how many rows hold each phrase, and, for
  each row scored, how often it holds each phrase and how many words it holds.

FTS5's bm25() (sqlite/ext/fts5/fts5_aux.c): for each phrase of the query, IDF = ln((N - n + 0.5) / (n + 0.5)),
at least 1e-6, over N rows of which n hold the phrase; the row's score is the sum over phrases of
IDF * f * (k1 + 1) / (f + k1 * (1 - b + b * |D| / avgdl)), f the phrase's occurrences in the row, |D| its
words, avgdl the table's words per row, k1 = 1.2, b = 0.75; `bm25()` answers the score negated.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from contextstack.memory.ranking import K1, MIN_IDF, B
from contextstack.memory.search import Term, fold, tokens

# What a tsvector can hold (PostgreSQL's tsearch limits): a word is at most this many bytes, a row's words and
# their positions at most this many bytes in all, and a word's count is kept up to this many occurrences.
LONGEST_WORD_BYTES = 2047
MOST_WORD_BYTES = (1 << 20) - 1
MOST_COUNTED = 256


class Phrase(NamedTuple):
    """A phrase of a query as FTS5 sees it: one folded word, or the start of words (`prefix`)."""

    word: str
    prefix: bool


def phrases(terms: Sequence[Term], variants: Mapping[str, Sequence[str]] | None = None) -> list[Phrase]:
    """The phrases of `match_expression(terms, variants)`, in its order, repeats included (bm25() counts each)."""
    found = []
    for term in terms:
        if term.prefix:
            found.append(Phrase(fold(term.word), True))
            continue
        for word in dict.fromkeys([term.word, *(variants or {}).get(term.word, ())]):
            found.append(Phrase(fold(word), False))
    return found


def _quoted(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


class Words(NamedTuple):
    """What a row's text is given to PostgreSQL as: its `tsvector` and how many words it holds."""

    vector: str
    total: int


def words_of(text: str) -> Words:
    """The `tsvector` of `text` (each word once, with its count as that many positions) and its number of words.

    A word longer than a tsvector holds cannot be searched for on PostgreSQL (it counts among the row's words);
    past the bytes a tsvector holds, the rarer words are left out.
    """
    held = tokens(text)
    counts = Counter(held)
    parts, size = [], 0
    for word, count in counts.most_common():
        length = len(word.encode())
        if length > LONGEST_WORD_BYTES:
            continue
        kept = min(count, MOST_COUNTED)
        # The word, its positions (two bytes each, after a count of them) and alignment, as a tsvector stores them.
        needed = length + 2 * kept + 3
        if size + needed > MOST_WORD_BYTES:
            break
        size += needed
        parts.append(_quoted(word) + ":" + ",".join(map(str, range(1, kept + 1))))
    return Words(" ".join(parts), len(held))


class Totals(NamedTuple):
    """What FTS5 keeps of a whole table: how many rows it indexes and how many words they hold in all."""

    rows: int
    words: int


def idfs(totals: Totals, holding: Sequence[int]) -> list[float]:
    """The IDF of each phrase held by `holding[i]` rows, as bm25() works it out."""
    found = []
    for n in holding:
        idf = math.log((totals.rows - n + 0.5) / (n + 0.5))
        found.append(idf if idf > 0 else MIN_IDF)
    return found


def bm25(
    phrase_list: Sequence[Phrase], weights: Sequence[float], totals: Totals, counts: Mapping[str, int], length: int
) -> float:
    """FTS5's bm25() of one row (lower is better): `counts` the occurrences of the row's words that the phrases
    match, `length` its number of words, `weights` the phrases' IDFs."""
    average = totals.words / totals.rows if totals.rows else 0.0
    norm = K1 * (1 - B + B * length / average) if average else K1
    score = 0.0
    for phrase, idf in zip(phrase_list, weights, strict=True):
        if phrase.prefix:
            f = sum(count for word, count in counts.items() if word.startswith(phrase.word))
        else:
            f = counts.get(phrase.word, 0)
        if f:
            score += idf * (f * (K1 + 1)) / (f + norm)
    return -score


def counted(vector: str | None) -> dict[str, int]:
    """By word, its occurrences in a tsvector's text (`'word':1,2,3 …`, as `words_of` writes it): its positions."""
    found: dict[str, int] = {}
    for entry in (vector or "").split(" "):
        if not entry:
            continue
        if entry.endswith("'"):  # a word without positions
            found[entry[1:-1].replace("''", "'")] = 1
            continue
        end = entry.rindex("':")
        found[entry[1:end].replace("''", "'")] = entry.count(",", end) + 1
    return found
