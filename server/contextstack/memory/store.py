"""The knowledge table and its full-text index: the only place their SQL is written.

Plain async functions over the store's Reader and Transaction; rows become KnowledgeEntry by column name. Both
backends take most statements as they are; where they differ the choice is by `dialect`, each SQLite form named
once beside its PostgreSQL one:

- the full-text index: SQLite's FTS5 table (MATCH, bm25()) is PostgreSQL's `search_vector` column (written here
  with each entry: search.lexemes; matched by `@@` a search.tsquery; the matches ranked in Python by the BM25 of
  ranking.py, since PostgreSQL has no bm25());
- a list as a parameter: SQLite's `IN (SELECT value FROM json_each(?))` of a JSON text, PostgreSQL's `= ANY(?)`
  of a list;
- a tag in the JSON array of tags: SQLite's json_each(), PostgreSQL's jsonb containment;
- SQLite's INDEXED BY, which PostgreSQL's planner does without.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, NamedTuple

import msgspec

from contextstack.memory.index import CATCH_UP_IN_READ, KnowledgeIndex
from contextstack.memory.models import KnowledgeEntry, KnowledgeHit
from contextstack.memory.ranking import K1, MIN_IDF, WHOLE_WEIGHTS, B
from contextstack.memory.search import (
    RANKED_CANDIDATES,
    WEIGHTS,
    Highlighter,
    Term,
    fold,
    lexemes,
    match_expression,
    tokens,
    tsquery,
)
from contextstack.memory.stemming import stem, stem_prefix
from contextstack.storage import Dialect, Reader, Row, Transaction, in_list, list_parameter

Link = Literal["supersedes", "superseded_by"]

_COLUMNS = (
    "id",
    "project_id",
    "kind",
    "title",
    "body",
    "tags",
    "pinned",
    "source",
    "supersedes",
    "superseded_by",
    "version",
    "created_at",
    "updated_at",
)
_ENTRY_COLUMNS = ", ".join(_COLUMNS)
_SELECT = f"SELECT {_ENTRY_COLUMNS} FROM knowledge"
_INSERT: dict[Dialect, str] = {
    "sqlite": f"INSERT INTO knowledge ({_ENTRY_COLUMNS}) VALUES ({', '.join('?' * len(_COLUMNS))})",
    # PostgreSQL: the entry's words for the full-text index, and how many they are, go in with it.
    "postgresql": f"INSERT INTO knowledge ({_ENTRY_COLUMNS}, search_vector, search_length)"
    f" VALUES ({', '.join('?' * len(_COLUMNS))}, array_to_tsvector(?::text[]), ?)",
}
_JOINED_COLUMNS = ", ".join(f"k.{column}" for column in _COLUMNS)

# A project's own entries, and the global ones: two conditions, each answered by an index on both engines (one
# statement with SQLite's `project_id IS ?`, PostgreSQL's `IS NOT DISTINCT FROM`, could use none on PostgreSQL).
_PROJECT = "project_id = ?"
_GLOBAL = "project_id IS NULL"
# An entry whose tags (a JSON array) hold the tag: SQLite lists the array as rows, PostgreSQL asks jsonb.
_HAS_TAG: dict[Dialect, str] = {
    "sqlite": "EXISTS (SELECT 1 FROM json_each(knowledge.tags) WHERE value = ?)",
    "postgresql": "tags::jsonb @> jsonb_build_array(?::text)",
}
# SQLite FTS5: rank the newest candidates that pass the filters by bm25(); INDEXED BY keeps the join on the small
# covering index instead of the wide rows.
_RANKED = (
    "SELECT seq, score FROM ("
    f" SELECT f.rowid AS seq, bm25(knowledge_fts, {WEIGHTS}) AS score"
    " FROM knowledge_fts AS f JOIN knowledge AS k INDEXED BY knowledge_search_filter ON k.seq = f.rowid"
    " WHERE knowledge_fts MATCH ?{condition}"
    " ORDER BY f.rowid DESC LIMIT ?"
    ") ORDER BY score, seq DESC LIMIT ?"
)
_encode_json = msgspec.json.Encoder().encode
_decode_tags = msgspec.json.Decoder(list[str]).decode


def _entry(row: Row, first: int = 0) -> KnowledgeEntry:
    """The entry of a row holding _ENTRY_COLUMNS in their order from column `first` on (read by position: 3 times
    faster than by name, and assembly reads a hundred entries a question)."""
    (
        entry_id,
        project_id,
        kind,
        title,
        body,
        tags,
        pinned,
        source,
        supersedes,
        superseded_by,
        version,
        created_at,
        updated_at,
    ) = tuple(row)[first : first + len(_COLUMNS)]
    return KnowledgeEntry(
        id=entry_id,
        project_id=project_id,
        kind=kind,
        title=title,
        body=body,
        tags=_decode_tags(tags),
        pinned=bool(pinned),
        source=source,
        supersedes=supersedes,
        superseded_by=superseded_by,
        version=version,
        created_at=created_at,
        updated_at=updated_at,
    )


def _stored(field: str, value: Any) -> Any:
    """A field's value as its column holds it."""
    if field == "tags":
        return _encode_json(value).decode()
    if field == "pinned":
        return int(value)
    return value


def search_columns(title: str, body: str, tags: Sequence[str]) -> tuple[list[str], int]:
    """PostgreSQL: an entry's search_vector (as the list array_to_tsvector takes) and search_length."""
    texts = (title, body, *tags)
    return lexemes(texts), sum(len(tokens(text)) for text in texts)


def _row(entry: KnowledgeEntry, dialect: Dialect) -> tuple[Any, ...]:
    words = search_columns(entry.title, entry.body, entry.tags) if dialect == "postgresql" else ()
    return (
        entry.id,
        entry.project_id,
        entry.kind,
        entry.title,
        entry.body,
        _encode_json(entry.tags).decode(),
        int(entry.pinned),
        entry.source,
        entry.supersedes,
        entry.superseded_by,
        entry.version,
        entry.created_at,
        entry.updated_at,
        *words,
    )


async def get_entry(conn: Reader, entry_id: str) -> KnowledgeEntry | None:
    """The entry with this id, if there is one."""
    row = await conn.fetchone(f"{_SELECT} WHERE id = ?", (entry_id,))
    return None if row is None else _entry(row)


async def list_entries(
    conn: Reader,
    *,
    project_id: str | None,
    scope: str | None,
    kind: str | None,
    tag: str | None,
    pinned: bool | None,
    include_superseded: bool,
    after: str | None,
    limit: int,
) -> list[KnowledgeEntry]:
    """At most `limit` entries in id order, after the id `after`, that pass every filter given.

    With `project_id`: its entries and the global ones, or only its own with `scope="project"`. Without: every
    entry, or only the global ones with `scope="global"`.
    """
    where: list[str] = []
    params: list[Any] = []
    if project_id is not None:
        where.append("project_id = ?" if scope == "project" else "(project_id = ? OR project_id IS NULL)")
        params.append(project_id)
    elif scope == "global":
        where.append("project_id IS NULL")
    if kind is not None:
        where.append("kind = ?")
        params.append(kind)
    if tag is not None:
        where.append(_HAS_TAG[conn.dialect])
        params.append(tag)
    if pinned is not None:
        where.append("pinned = ?")
        params.append(int(pinned))
    if not include_superseded:
        where.append("superseded_by IS NULL")
    if after:
        where.append("id > ?")
        params.append(after)
    condition = f"WHERE {' AND '.join(where)}" if where else ""
    rows = await conn.fetchall(f"{_SELECT} {condition} ORDER BY id LIMIT ?", (*params, limit))
    return [_entry(row) for row in rows]


async def project_entries(conn: Reader, project_id: str) -> list[KnowledgeEntry]:
    """The project's own entries, superseded ones too, in id order."""
    rows = await conn.fetchall(f"{_SELECT} WHERE project_id = ? ORDER BY id", (project_id,))
    return [_entry(row) for row in rows]


async def current_project_entries(conn: Reader, project_id: str) -> list[KnowledgeEntry]:
    """The project's own entries that nothing superseded, oldest first."""
    rows = await conn.fetchall(
        f"{_SELECT} WHERE project_id = ? AND superseded_by IS NULL ORDER BY created_at, id", (project_id,)
    )
    return [_entry(row) for row in rows]


async def insert_entries(tx: Transaction, entries: Sequence[KnowledgeEntry]) -> None:
    """Write new entries, in one statement."""
    await tx.executemany(_INSERT[tx.dialect], [_row(entry, tx.dialect) for entry in entries])
    await _remember_terms(tx, (text for entry in entries for text in (entry.title, entry.body, *entry.tags)))


# Every word the index has held, each once: a whole word of a query is matched by those of the same stem, found
# by a range of this table's key (migration 0010). A word no entry holds any more only widens a query a little.
_REMEMBER_TERMS = "INSERT INTO knowledge_terms (term) VALUES (?) ON CONFLICT (term) DO NOTHING"
_TERMS_IN_RANGE = "SELECT term FROM knowledge_terms WHERE term >= ? AND term < ?"
# Stems this short would range over too many words: they match only themselves.
_SHORTEST_RANGED_STEM = 3


async def _remember_terms(tx: Transaction, texts: Iterable[str]) -> None:
    terms: set[str] = set()
    for text in texts:
        terms.update(tokens(text))
    await tx.executemany(_REMEMBER_TERMS, [(term,) for term in sorted(terms)])


async def _variants(view: Reader, terms: Sequence[Term]) -> dict[str, list[str]]:
    """By word, for each whole word of `terms`: the indexed words of the same stem."""
    variants: dict[str, list[str]] = {}
    for term in terms:
        if term.prefix:
            continue
        stemmed = stem(fold(term.word))
        if len(stemmed) < _SHORTEST_RANGED_STEM:
            continue
        low = stem_prefix(stemmed)
        high = low[:-1] + chr(ord(low[-1]) + 1)
        rows = await view.fetchall(_TERMS_IN_RANGE, (low, high))
        variants[term.word] = [row["term"] for row in rows if stem(row["term"]) == stemmed]
    return variants


async def mark_superseded(tx: Transaction, successors: Iterable[KnowledgeEntry], updated_at: str) -> None:
    """Mark the entry each of `successors` supersedes as superseded by it, a version further."""
    await tx.executemany(
        "UPDATE knowledge SET superseded_by = ?, version = version + 1, updated_at = ? WHERE id = ?",
        [(entry.id, updated_at, entry.supersedes) for entry in successors],
    )


async def link_supersedes(tx: Transaction, links: Iterable[tuple[str, str | None, str | None]]) -> None:
    """Set (id, supersedes, superseded_by) on entries as they are, version and time unchanged: for an import."""
    await tx.executemany(
        "UPDATE knowledge SET supersedes = ?, superseded_by = ? WHERE id = ?",
        [(supersedes, superseded_by, entry_id) for entry_id, supersedes, superseded_by in links],
    )


async def update_entry(
    tx: Transaction, entry_id: str, changes: Mapping[str, Any], version: int, updated_at: str
) -> None:
    """Write the changed fields (KnowledgeEntry's names and values) with the entry's new version and time."""
    assignments = ", ".join(f"{field} = ?" for field in changes)
    values = [_stored(field, value) for field, value in changes.items()]
    if tx.dialect == "postgresql" and not changes.keys().isdisjoint(("title", "body", "tags")):
        # The full-text column holds the words of all three: those not changed are read.
        row = await tx.fetchone("SELECT title, body, tags FROM knowledge WHERE id = ?", (entry_id,))
        if row is not None:
            title, body = changes.get("title", row["title"]), changes.get("body", row["body"])
            tags = changes["tags"] if "tags" in changes else _decode_tags(row["tags"])
            assignments += ", search_vector = array_to_tsvector(?::text[]), search_length = ?"
            values.extend(search_columns(title, body, tags))
    await tx.execute(
        f"UPDATE knowledge SET {assignments}, version = ?, updated_at = ? WHERE id = ?",
        (*values, version, updated_at, entry_id),
    )
    texts = [changes[field] for field in ("title", "body") if field in changes]
    await _remember_terms(tx, [*texts, *changes.get("tags", ())])


class LinkedEntry(NamedTuple):
    """What unlinking needs of an entry that names another by supersedes or superseded_by."""

    id: str
    project_id: str | None
    version: int


async def entry_linking(tx: Transaction, link: Link, entry_id: str) -> LinkedEntry | None:
    """The entry whose `link` (supersedes or superseded_by) names `entry_id`, if any."""
    row = await tx.fetchone(f"SELECT id, project_id, version FROM knowledge WHERE {link} = ?", (entry_id,))
    return None if row is None else LinkedEntry(row["id"], row["project_id"], row["version"])


async def clear_link(tx: Transaction, entry_id: str, link: Link, version: int, updated_at: str) -> None:
    """Clear the entry's `link`, with its new version and time."""
    await tx.execute(
        f"UPDATE knowledge SET {link} = NULL, version = ?, updated_at = ? WHERE id = ?",
        (version, updated_at, entry_id),
    )


async def delete_entry(tx: Transaction, entry_id: str) -> None:
    """Delete the entry with this id."""
    await tx.execute("DELETE FROM knowledge WHERE id = ?", (entry_id,))


async def delete_project_entries(tx: Transaction, project_id: str) -> None:
    """Delete every entry of the project."""
    await tx.execute("DELETE FROM knowledge WHERE project_id = ?", (project_id,))


class _Ranking(NamedTuple):
    sql: str  # (seq, score) of the best matches, best first
    params: list[object]
    match: str


def _ranking(
    terms: list[Term],
    variants: dict[str, list[str]],
    project_id: str | None,
    kind: str | None,
    limit: int,
    include_superseded: bool,
    any_term: bool,
    candidates: int = RANKED_CANDIDATES,
) -> _Ranking:
    match = match_expression(terms, variants, any_term=any_term)
    condition, params = _filters(project_id, kind, include_superseded)
    return _Ranking(_RANKED.format(condition=condition), [match, *params, candidates, limit], match)


# A word held by at most this many entries is rare: every entry holding one is ranked, however old.
RARE_WORD_ENTRIES = 500
# How many entries match, counted up to a bound, without ranking them.
_MATCHING_UP_TO: dict[Dialect, str] = {
    "sqlite": "SELECT count(*) AS n FROM (SELECT 1 FROM knowledge_fts WHERE knowledge_fts MATCH ? LIMIT ?) AS m",
    "postgresql": "SELECT count(*) AS n FROM (SELECT 1 FROM knowledge WHERE search_vector @@ ?::tsquery LIMIT ?) AS m",
}


async def _matching_up_to(view: Reader, term: Term, variants: dict[str, list[str]], bound: int) -> int:
    if view.dialect == "postgresql":
        query = tsquery([term], variants)
        if query is None:
            return 0
        counted = await view.fetchone(_MATCHING_UP_TO["postgresql"], (query, bound))
    else:
        counted = await view.fetchone(_MATCHING_UP_TO["sqlite"], (match_expression([term], variants), bound))
    return int(counted["n"]) if counted else 0


async def _ranked_any(
    view: Reader,
    terms: list[Term],
    variants: dict[str, list[str]],
    project_id: str | None,
    kind: str | None,
    limit: int,
    include_superseded: bool,
) -> dict[int, float]:
    """(seq: bm25 score, lower is better) of the best `limit` entries matching any of `terms`, best first.

    BM25 scores every entry it ranks, and a frequent word matches most of a large store, so not every match can
    be ranked. Every entry holding a rare word (held by at most RARE_WORD_ENTRIES entries) is, whatever its age:
    those are the words that say what a question is about. Entries matching only frequent words are ranked among
    the newest RANKED_CANDIDATES matches. An entry found through its rare words alone is scored by them alone:
    the frequent words, which count least, add what they add only to the newest entries.
    """
    rare = [
        term
        for term in terms
        if await _matching_up_to(view, term, variants, RARE_WORD_ENTRIES + 1) <= RARE_WORD_ENTRIES
    ]
    ranked: dict[int, float] = {}
    if len(rare) < len(terms):
        ranked.update(await _ranked_matches(view, terms, variants, project_id, kind, limit, include_superseded, True))
    if rare:
        every = await _ranked_matches(
            view, rare, variants, project_id, kind, limit, include_superseded, True, len(rare) * RARE_WORD_ENTRIES
        )
        for seq, score in every.items():
            ranked.setdefault(seq, score)
    best = sorted(ranked.items(), key=lambda item: (item[1], -item[0]))[:limit]
    return dict(best)


async def _ranked_matches(
    view: Reader,
    terms: list[Term],
    variants: dict[str, list[str]],
    project_id: str | None,
    kind: str | None,
    limit: int,
    include_superseded: bool,
    any_term: bool,
    candidates: int = RANKED_CANDIDATES,
) -> dict[int, float]:
    """(seq: bm25 score, lower is better) of the best `limit` of the newest `candidates` entries matching `terms`
    that pass the filters, best first: ranked by FTS5's bm25(), or on PostgreSQL by `_bm25_scores`."""
    if view.dialect == "sqlite":
        ranking = _ranking(terms, variants, project_id, kind, limit, include_superseded, any_term, candidates)
        return {int(row["seq"]): float(row["score"]) for row in await view.fetchall(ranking.sql, ranking.params)}
    query = tsquery(terms, variants, any_term=any_term)
    if query is None:
        return {}
    condition, params = _filters(project_id, kind, include_superseded)
    rows = await view.fetchall(
        f"SELECT k.seq, k.title, k.body, k.tags FROM knowledge AS k WHERE k.search_vector @@ ?::tsquery{condition}"
        " ORDER BY k.seq DESC LIMIT ?",
        (query, *params, candidates),
    )
    if not rows:
        return {}
    scores = await _bm25_scores(view, rows, terms, variants, condition, params)
    best = sorted(scores.items(), key=lambda item: (item[1], -item[0]))[:limit]
    return dict(best)


def _filters(project_id: str | None, kind: str | None, include_superseded: bool) -> tuple[str, list[object]]:
    """The conditions (on `k`, each after AND) and parameters of search's filters."""
    filters: list[str] = []
    params: list[object] = []
    if not include_superseded:
        filters.append("k.superseded_by IS NULL")
    if project_id is not None:
        filters.append("(k.project_id = ? OR k.project_id IS NULL)")
        params.append(project_id)
    if kind is not None:
        filters.append("k.kind = ?")
        params.append(kind)
    return "".join(f" AND {f}" for f in filters), params


async def _bm25_scores(
    view: Reader,
    rows: Sequence[Row],
    terms: Sequence[Term],
    variants: Mapping[str, Sequence[str]],
    condition: str,
    params: Sequence[object],
) -> dict[int, float]:
    """PostgreSQL: (seq: score, lower is better) of the entries of `rows`, by the BM25 of ranking.py and index.py.

    Each query word is one word, its variants (or, a prefix, the words it begins) counted together; a word's
    frequency is summed over the columns weighted as search.py weighs them. How many entries the query searches and
    how many of them hold each word and their average length are those of the entries the query searches (its
    filters applied), as the index counts them.
    """
    counted = await view.fetchone(
        f"SELECT count(*) AS n, avg(k.search_length)::float8 AS average FROM knowledge AS k WHERE TRUE{condition}",
        tuple(params),
    )
    searched = int(counted["n"]) if counted else 0
    average = float(counted["average"] or 0.0) if counted else 0.0
    title_weight, body_weight, tags_weight = WHOLE_WEIGHTS
    documents = []
    for row in rows:
        title, body = tokens(row["title"]), tokens(row["body"])
        tags = tokens(" ".join(_decode_tags(row["tags"])))
        counts = Counter(title * title_weight + body * body_weight + tags * tags_weight)
        documents.append((int(row["seq"]), counts, len(title) + len(body) + len(tags)))
    scores = {seq: 0.0 for seq, _, _ in documents}
    for term in terms:
        word = fold(term.word)
        query = tsquery([term], variants)
        if query is None:
            continue
        holding_row = await view.fetchone(
            f"SELECT count(*) AS n FROM knowledge AS k WHERE k.search_vector @@ ?::tsquery{condition}",
            (query, *params),
        )
        holding = int(holding_row["n"]) if holding_row else 0
        idf = math.log((0.5 + searched - holding) / (0.5 + holding)) if holding else 0.0
        if idf <= 0:
            idf = MIN_IDF
        whole = {word, *(fold(variant) for variant in variants.get(term.word, ()))}
        for seq, counts, length in documents:
            if term.prefix:
                frequency = sum(count for held, count in counts.items() if held.startswith(word))
            else:
                frequency = sum(counts.get(held, 0) for held in whole)
            if frequency:
                norm = K1 * (1 - B + B * length / average) if average else K1
                scores[seq] -= idf * (frequency * (K1 + 1)) / (frequency + norm)
    return scores


async def _current(view: Reader, index: KnowledgeIndex | None) -> KnowledgeIndex | None:
    """`index`, caught up with what `view` sees, if it could be in this read."""
    if index is None or not await index.catch_up(view, CATCH_UP_IN_READ):
        return None
    return index


async def search(
    view: Reader,
    terms: list[Term],
    *,
    project_id: str | None,
    kind: str | None,
    limit: int,
    include_superseded: bool,
    any_term: bool,
    index: KnowledgeIndex | None = None,
) -> list[KnowledgeHit]:
    """At most `limit` (at least 1) entries matching `terms` (at least one), best first, with highlights.

    Ranked by `index` when it can be caught up in this read: full BM25 over every match. Otherwise by FTS5
    (see `_ranked_any`). Two statements: `view` should be one read, so that the hits are the ranked entries as
    of one moment.
    """
    current = await _current(view, index)
    if current is not None:
        groups = [current.words_of(term) for term in terms]
        variants = {term.word: words for term, words in zip(terms, groups, strict=True) if not term.prefix}
        found = current.rank(
            groups,
            project_id=project_id,
            kind=kind,
            include_superseded=include_superseded,
            every_group=not any_term,
            limit=limit,
        )
        ranked = {seq: -score for seq, score in found}
    else:
        variants = await _variants(view, terms)
        if any_term:
            ranked = await _ranked_any(view, terms, variants, project_id, kind, limit, include_superseded)
        else:
            ranked = await _ranked_matches(view, terms, variants, project_id, kind, limit, include_superseded, False)
    if not ranked:
        return []
    # Highlights and snippets for the page of hits alone, in Python: FTS5's highlight() and snippet() would match
    # the query again over every entry holding its words (a frequent word's, a short prefix's: most of the store).
    marks = Highlighter(terms, variants)
    hits = {}
    for row in await _rows_by_seq(view, list(ranked)):
        entry, seq = _entry(row, 1), int(row[0])
        title_highlight, snippet, matched = marks.describe(entry.title, entry.body, entry.tags)
        hits[seq] = KnowledgeHit(
            entry=entry,
            score=-ranked[seq],
            title_highlight=title_highlight,
            snippet=snippet,
            matched=matched,
        )
    found_hits = [hits[seq] for seq in ranked if seq in hits]
    # With any word matching, those matching more words come first (a stable sort keeps BM25's order among them).
    return sorted(found_hits, key=lambda hit: -len(hit.matched)) if any_term else found_hits


async def _rows_by_seq(view: Reader, seqs: Sequence[int]) -> list[Row]:
    """The rows (seq, then an entry's columns in their order) of these row keys, those that exist."""
    return await view.fetchall(
        f"SELECT seq, {_ENTRY_COLUMNS} FROM knowledge WHERE {in_list(view.dialect, 'seq')}",
        (list_parameter(view.dialect, seqs),),
    )


async def best_matches(
    view: Reader, terms: list[Term], *, project_id: str, limit: int, index: KnowledgeIndex | None = None
) -> list[KnowledgeEntry]:
    """The entries `search` finds for any of `terms` (at least one), not superseded, best first: by `index` when
    it can be caught up in this read, with the entries next to a hit, written with it, sharing in its score
    (`neighbour_scores`); else by FTS5 alone."""
    current = await _current(view, index)
    if current is not None:
        groups = [current.words_of(term) for term in terms]
        best = current.rank_with_neighbours(groups, project_id=project_id, limit=limit)
        ranked = {seq: -score for seq, score in best}
    else:
        ranked = await _ranked_any(view, terms, await _variants(view, terms), project_id, None, limit, False)
    if not ranked:
        return []
    rows = {int(row[0]): _entry(row, 1) for row in await _rows_by_seq(view, list(ranked))}
    return [rows[seq] for seq in ranked if seq in rows]


# The entries a project can see in search, scope by scope (each answered by an index).
_SEEN = (
    f"SELECT (SELECT count(*) FROM (SELECT 1 FROM knowledge WHERE {_PROJECT} LIMIT ?) AS own)"
    f" + (SELECT count(*) FROM (SELECT 1 FROM knowledge WHERE {_GLOBAL} LIMIT ?) AS shared) AS seen"
)
_SEARCHABLE = " UNION ALL ".join(
    f"SELECT seq, {_ENTRY_COLUMNS} FROM knowledge WHERE superseded_by IS NULL AND {scope}"
    for scope in (_PROJECT, _GLOBAL)
)


async def searchable_entries_if_few(
    view: Reader, project_id: str, limit: int
) -> list[tuple[int, KnowledgeEntry]] | None:
    """(seq, entry) of the entries the project can see in search, if it has at most `limit` entries with global ones.

    Superseded entries are counted too: the indexes count them all cheaply. `seq` is the row key: the newer, the
    higher.
    """
    counted = await view.fetchone(_SEEN, (project_id, limit + 1, limit + 1))
    if counted is None or counted["seen"] > limit:
        return None
    rows = await view.fetchall(_SEARCHABLE, (project_id,))
    return [(row[0], _entry(row, 1)) for row in rows]


class KnowledgeLists(NamedTuple):
    """The lists of entries context assembly shows whatever the question."""

    pinned: list[KnowledgeEntry]  # the project's, then global ones, oldest first
    recent: list[KnowledgeEntry]  # decisions and constraints, not pinned, newest first
    superseded: list[KnowledgeEntry]  # the project's, most recently superseded first


# Each part matches a partial index of migration 0006; each scope (the project's, then the global one) is asked
# separately so that its index answers in order, without a sort.
_PINNED = "pinned = 1 AND superseded_by IS NULL AND {scope} ORDER BY created_at, id LIMIT ?"
_RECENT = (
    "pinned = 0 AND superseded_by IS NULL AND kind IN ('decision', 'constraint') AND {scope}"
    " ORDER BY created_at DESC, id DESC LIMIT ?"
)
_SUPERSEDED = "superseded_by IS NOT NULL AND {scope} ORDER BY updated_at DESC, id DESC LIMIT ?"
_LISTS = " UNION ALL ".join(
    f"SELECT '{name}' AS list, * FROM"
    f" (SELECT {_ENTRY_COLUMNS} FROM knowledge WHERE {where.format(scope=scope)}) AS part"
    for name, where, scope in (
        ("pinned", _PINNED, _PROJECT),
        ("pinned", _PINNED, _GLOBAL),
        ("recent", _RECENT, _PROJECT),
        ("recent", _RECENT, _GLOBAL),
        ("superseded", _SUPERSEDED, _PROJECT),
    )
)


async def knowledge_lists(
    view: Reader, project_id: str, *, pinned_limit: int, recent_limit: int, superseded_limit: int
) -> KnowledgeLists:
    """The pinned entries, the recent decisions and constraints (up to the limit in each scope, the project's and
    the global one) and the project's superseded entries, in one round trip."""
    params = (
        *(project_id, pinned_limit, pinned_limit),
        *(project_id, recent_limit, recent_limit),
        *(project_id, superseded_limit),
    )
    lists: dict[str, list[KnowledgeEntry]] = {"pinned": [], "recent": [], "superseded": []}
    for row in await view.fetchall(_LISTS, params):
        lists[row[0]].append(_entry(row, 1))
    lists["pinned"].sort(key=lambda e: (e.project_id is None, e.created_at, e.id))
    lists["recent"].sort(key=lambda e: (e.created_at, e.id), reverse=True)
    lists["superseded"].sort(key=lambda e: (e.updated_at, e.id), reverse=True)
    return KnowledgeLists(**lists)


async def taken_entry_ids(conn: Reader, ids: Iterable[str]) -> set[str]:
    """Which of these ids an entry already has."""
    rows = await conn.fetchall(
        f"SELECT id FROM knowledge WHERE {in_list(conn.dialect, 'id')}", (list_parameter(conn.dialect, list(ids)),)
    )
    return {str(row["id"]) for row in rows}


async def entries_by_seq(view: Reader, seqs: Sequence[int]) -> dict[int, KnowledgeEntry]:
    """The entries of these row keys, by row key (those that still exist)."""
    return {int(row[0]): _entry(row, 1) for row in await _rows_by_seq(view, seqs)}
