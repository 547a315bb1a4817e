"""Ranked full-text search over knowledge.

The query is user text, never FTS5 syntax: it is cut into words (runs of letters, digits and marks, in any
script), each word is quoted as an FTS5 string, and the words must all match (AND). The last word also matches
as a prefix (search-as-you-type) unless the text ends in whitespace or the word is a single character (a one-
character prefix has no index and would scan every term). Text without words finds nothing.

Ranking is BM25 with the title weighted above the tags above the body. BM25 scores every row it ranks, so the
work is bounded: only the newest `RANKED_CANDIDATES` matching entries (after the filters) are ranked. A query
that matches fewer entries — any distinctive query — is ranked exactly.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from typing import NamedTuple

import msgspec

from contextstack.memory.models import KnowledgeEntry, KnowledgeHit
from contextstack.memory.service import COLUMNS, entry_from_row
from contextstack.storage import Database, Reader

MAX_TERMS = 32
RANKED_CANDIDATES = 200
# bm25() weights, in the order of the index's columns: title, body, tags.
WEIGHTS = "10.0, 1.0, 4.0"
MARK, UNMARK, ELLIPSIS = "<mark>", "</mark>", "…"
SNIPPET_TOKENS = 24

_encode_json = msgspec.json.Encoder().encode


class Term(NamedTuple):
    word: str
    prefix: bool


def _is_word_character(char: str) -> bool:
    # Letters, numbers and marks (accents, combining signs) of every script, and private-use characters:
    # at least what the index's unicode61 tokenizer keeps, so no word the index holds is cut apart.
    category = unicodedata.category(char)
    return category[0] in "LNM" or category == "Co"


def query_terms(text: str) -> list[Term]:
    """The words of `text` to search for, in order and without repeats; the last may be a prefix."""
    words = text_words(text)
    if not words:
        return []
    last_is_prefix = not text[-1].isspace() and len(words[-1]) > 1
    terms = [Term(word, last_is_prefix and n == len(words) - 1) for n, word in enumerate(words)]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


# In ASCII, the word characters (letters, numbers, marks, private use) are the letters and digits: a regular
# expression finds them far faster than a loop over the characters (the proxy does this on every request).
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")


def text_words(text: str) -> list[str]:
    """The words of `text`: runs of letters, digits and marks, in any script."""
    if text.isascii():
        return _ASCII_WORD.findall(text)
    words: list[str] = []
    start = None
    for index, char in enumerate(text):
        if _is_word_character(char):
            if start is None:
                start = index
        elif start is not None:
            words.append(text[start:index])
            start = None
    if start is not None:
        words.append(text[start:])
    return words


def match_expression(terms: list[Term], *, any_term: bool = False) -> str:
    """The FTS5 query for these terms: each a quoted string (so nothing in it is syntax), all (or any) required."""
    return (" OR " if any_term else " ").join(
        '"' + term.word.replace('"', '""') + '"' + ("*" if term.prefix else "") for term in terms
    )


_ENTRY_COLUMNS = ", ".join(f"k.{column}" for column in COLUMNS)


class _Ranking(NamedTuple):
    sql: str  # (seq, score) of the best matches, best first
    params: list[object]
    match: str


def _ranking(
    q: str, project_id: str | None, kind: str | None, limit: int, include_superseded: bool, any_term: bool
) -> _Ranking | None:
    terms = query_terms(q)
    if not terms or limit < 1:
        return None
    match = match_expression(terms, any_term=any_term)
    filters: list[str] = []
    params: list[object] = [match]
    if not include_superseded:
        filters.append("k.superseded_by IS NULL")
    if project_id is not None:
        filters.append("(k.project_id = ? OR k.project_id IS NULL)")
        params.append(project_id)
    if kind is not None:
        filters.append("k.kind = ?")
        params.append(kind)
    condition = "".join(f" AND {f}" for f in filters)
    # The newest candidates that pass the filters, ranked; the covering index keeps the join off the wide rows.
    sql = (
        "SELECT seq, score FROM ("
        f" SELECT f.rowid AS seq, bm25(knowledge_fts, {WEIGHTS}) AS score"
        " FROM knowledge_fts AS f JOIN knowledge AS k INDEXED BY knowledge_search_filter ON k.seq = f.rowid"
        f" WHERE knowledge_fts MATCH ?{condition}"
        " ORDER BY f.rowid DESC LIMIT ?"
        ") ORDER BY score, seq DESC LIMIT ?"
    )
    return _Ranking(sql, [*params, RANKED_CANDIDATES, limit], match)


async def relevant_entries(
    view: Reader, q: str, *, project_id: str, limit: int, any_term: bool = True
) -> list[KnowledgeEntry]:
    """The entries search_knowledge finds (not superseded), best first, without highlights: one statement."""
    ranking = _ranking(q, project_id, None, limit, False, any_term)
    if ranking is None:
        return []
    rows = await view.fetchall(
        f"SELECT {_ENTRY_COLUMNS} FROM ({ranking.sql}) AS r JOIN knowledge AS k ON k.seq = r.seq"
        " ORDER BY r.score, r.seq DESC",
        ranking.params,
    )
    return [entry_from_row(row) for row in rows]


async def search_knowledge(
    db: Database,
    q: str,
    *,
    project_id: str | None = None,
    kind: str | None = None,
    limit: int = 20,
    include_superseded: bool = False,
    any_term: bool = False,
) -> list[KnowledgeHit]:
    """The entries matching the user text `q`, best first, with highlighted title and body snippet.

    With `project_id`, the project's entries and the global ones; without, every entry. Superseded entries
    are left out unless `include_superseded`. At most `limit` hits (and at most `RANKED_CANDIDATES`). With
    `any_term`, an entry matching any of the words is a hit (BM25 ranks those matching more, rarer words first):
    what context assembly uses for a whole question.
    """
    ranking = _ranking(q, project_id, kind, limit, include_superseded, any_term)
    if ranking is None:
        return []
    # Highlights only for the hits: the rowid range bounds the scan, the IN list (not an index, hence `+`) picks.
    details = (
        f"SELECT k.seq, {_ENTRY_COLUMNS},"
        f" highlight(knowledge_fts, 0, '{MARK}', '{UNMARK}'),"
        f" snippet(knowledge_fts, 1, '{MARK}', '{UNMARK}', '{ELLIPSIS}', {SNIPPET_TOKENS})"
        " FROM knowledge_fts JOIN knowledge AS k ON k.seq = knowledge_fts.rowid"
        " WHERE knowledge_fts MATCH ? AND knowledge_fts.rowid BETWEEN ? AND ?"
        " AND +knowledge_fts.rowid IN (SELECT value FROM json_each(?))"
    )

    # Both statements in one read, so the hits are the ranked entries as of that moment.
    async def ranked_rows(view: Reader) -> tuple[dict[int, float], list[sqlite3.Row]]:
        ranked = {int(seq): float(score) for seq, score in await view.fetchall(ranking.sql, ranking.params)}
        if not ranked:
            return ranked, []
        seqs = list(ranked)
        return ranked, await view.fetchall(details, (ranking.match, min(seqs), max(seqs), _encode_json(seqs).decode()))

    ranked, rows = await db.read(ranked_rows)
    hits = {
        int(row[0]): KnowledgeHit(
            entry=entry_from_row(row[1:-2]), score=-ranked[int(row[0])], title_highlight=row[-2], snippet=row[-1]
        )
        for row in rows
    }
    return [hits[seq] for seq in ranked if seq in hits]
