"""The SQL of conversations, messages and idempotency keys: the only place their tables are read or written.

Rows are mapped to Structs by column name. The SQL is what both SQLite and PostgreSQL take wherever there is such a
form; where there is none, each statement chooses by the reader's `dialect`, the SQLite form named once beside the
PostgreSQL one:

- a list as a parameter: SQLite reads a JSON array with `json_each`, PostgreSQL takes an array (`= ANY`);
- full-text search: SQLite's FTS5 tables and `bm25()`; on PostgreSQL each row's `tsvector` and the same BM25
  worked out over the figures FTS5 keeps (fulltext.py);
- SQLite's `INDEXED BY` hints, which PostgreSQL's planner needs no twin of.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec

from contextstack.conversations import fulltext
from contextstack.conversations.models import (
    Conversation,
    InjectedContext,
    Message,
    UpstreamError,
    Usage,
    UsageRow,
)
from contextstack.memory.embeddings import numpy
from contextstack.memory.search import Term, fold, match_expression, tokens, tsquery
from contextstack.memory.stemming import stem, stem_prefix
from contextstack.memory.vectors import Heard, StoredVector, Unembedded, VectorIndex
from contextstack.storage import Event, Reader, Row, Transaction

if TYPE_CHECKING:
    from contextstack.memory.embeddings import Vector

_encode_json = msgspec.json.Encoder().encode
_decode_content = msgspec.json.Decoder(str | list[dict[str, Any]]).decode
_decode_calls = msgspec.json.Decoder(list[dict[str, Any]]).decode
_decode_error = msgspec.json.Decoder(UpstreamError).decode
_decode_context = msgspec.json.Decoder(InjectedContext).decode

CONVERSATION_COLUMNS = (
    "id",
    "project_id",
    "title",
    "model",
    "leaf_id",
    "forked_from",
    "version",
    "created_at",
    "updated_at",
    "recorded",
)
MESSAGE_COLUMNS = (
    "id",
    "conversation_id",
    "parent_id",
    "depth",
    "role",
    "content",
    "text",
    "tool_calls",
    "model",
    "provider",
    "prompt_tokens",
    "completion_tokens",
    "latency_ms",
    "finish_reason",
    "status",
    "error",
    "context",
    "created_at",
)
_CONVERSATION = ", ".join(f"c.{column}" for column in CONVERSATION_COLUMNS)
_MESSAGE = ", ".join(f"m.{column}" for column in MESSAGE_COLUMNS)


def conversation_from_row(row: Row) -> Conversation:
    fields = {column: row[column] for column in CONVERSATION_COLUMNS}
    return Conversation(**fields | {"recorded": bool(fields["recorded"])})


def _json_or_none(value: str | None, decode: Any) -> Any:
    return None if value is None else decode(value)


def message_from_row(row: Row) -> Message:
    prompt, completion = row["prompt_tokens"], row["completion_tokens"]
    usage = None if prompt is None or completion is None else Usage(prompt, completion, prompt + completion)
    return Message(
        id=row["id"],
        conversation_id=row["conversation_id"],
        parent_id=row["parent_id"],
        role=row["role"],
        content=_decode_content(row["content"]),
        tool_calls=_json_or_none(row["tool_calls"], _decode_calls),
        model=row["model"],
        provider=row["provider"],
        usage=usage,
        latency_ms=row["latency_ms"],
        finish_reason=row["finish_reason"],
        status=row["status"],
        error=_json_or_none(row["error"], _decode_error),
        context=_json_or_none(row["context"], _decode_context),
        version=1,
        created_at=row["created_at"],
        updated_at=row["created_at"],
    )


class StoredMessage(NamedTuple):
    """A message with what the tree needs of it besides the API's fields."""

    message: Message
    depth: int
    text: str


# Conversations


async def insert_conversation(tx: Transaction, conversation: Conversation) -> None:
    values = {column: getattr(conversation, column) for column in CONVERSATION_COLUMNS}
    values["recorded"] = int(conversation.recorded)
    if tx.dialect == "postgresql":
        values |= search_columns(conversation.title)
    await tx.execute(
        f"INSERT INTO conversations ({', '.join(values)}) VALUES ({', '.join(_placeholders(values))})", values
    )
    await _remember_terms(tx, conversation.title)


def _placeholders(values: dict[str, Any]) -> list[str]:
    """`:column` for each value; a tsvector's given as its text, cast (PostgreSQL only)."""
    return [f"CAST(:{c} AS tsvector)" if c in _VECTOR_COLUMNS else f":{c}" for c in values]


def search_columns(text: str) -> dict[str, Any]:
    """A title's or a message text's words as the columns PostgreSQL searches them by (`search_vector`, a tsvector's
    text, and `search_words`), where SQLite has its FTS5 tables conversations_fts and messages_fts."""
    words = fulltext.words_of(text)
    return {"search_vector": words.vector, "search_words": words.total}


_VECTOR_COLUMNS = frozenset({"search_vector"})


async def conversation(reader: Reader, conversation_id: str) -> Conversation | None:
    row = await reader.fetchone(f"SELECT {_CONVERSATION} FROM conversations c WHERE c.id = ?", (conversation_id,))
    return None if row is None else conversation_from_row(row)


async def update_conversation(tx: Transaction, conversation: Conversation) -> None:
    """Write every changeable field of `conversation` back."""
    values: dict[str, Any] = {
        "title": conversation.title,
        "model": conversation.model,
        "leaf_id": conversation.leaf_id,
        "version": conversation.version,
        "updated_at": conversation.updated_at,
    }
    if tx.dialect == "postgresql":
        values |= search_columns(conversation.title)
    changes = ", ".join(f"{column} = {place}" for column, place in zip(values, _placeholders(values), strict=True))
    await tx.execute(f"UPDATE conversations SET {changes} WHERE id = :id", values | {"id": conversation.id})
    await _remember_terms(tx, conversation.title)


async def conversations_page(
    reader: Reader, project_id: str | None, after: tuple[str, str] | None, limit: int
) -> list[Conversation]:
    """Up to `limit` conversations (of one project, or all), most recently updated first, after the key `after`."""
    where, params = [], []
    if project_id is not None:
        where.append("c.project_id = ?")
        params.append(project_id)
    if after is not None:
        where.append("(c.updated_at, c.id) < (?, ?)")
        params.extend(after)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = await reader.fetchall(
        f"SELECT {_CONVERSATION} FROM conversations c {clause} ORDER BY c.updated_at DESC, c.id DESC LIMIT ?",
        [*params, limit],
    )
    return [conversation_from_row(row) for row in rows]


async def project_conversation_ids(reader: Reader, project_id: str) -> list[str]:
    rows = await reader.fetchall("SELECT id FROM conversations WHERE project_id = ?", (project_id,))
    return [row[0] for row in rows]


def _one_of(reader: Reader, column: str, values: Sequence[str] | Sequence[int], name: str = "") -> tuple[str, Any]:
    """`column IN (values)` as SQL and its one parameter (`?`, or `:name` if named): on SQLite the values as a JSON
    array read by json_each, on PostgreSQL an array."""
    place = f":{name}" if name else "?"
    if reader.dialect == "postgresql":
        return f"{column} = ANY({place})", list(values)
    return f"{column} IN (SELECT value FROM json_each({place}))", _encode_json(list(values)).decode()


async def count_messages(reader: Reader, conversation_ids: Sequence[str]) -> int:
    clause, values = _one_of(reader, "conversation_id", conversation_ids)
    row = await reader.fetchone(f"SELECT count(*) FROM messages WHERE {clause}", (values,))
    return int(row[0]) if row else 0


async def delete_conversation(tx: Transaction, conversation_id: str) -> int:
    """Delete the conversation and the messages no other conversation needs; say how many messages went.

    A message another conversation still reaches (its leaf, the message it forked at, or an ancestor of one of its
    own messages) passes to that conversation instead.
    """
    kept = await _messages_needed_elsewhere(tx, conversation_id)
    if kept:
        clause, values = _one_of(tx, "id", [message_id for message_id, _ in kept])
        await tx.execute(
            f"UPDATE messages SET conversation_id = ? WHERE conversation_id = ? AND {clause}",
            (kept[0][1], conversation_id, values),
        )
    removed = await tx.fetchone("SELECT count(*) FROM messages WHERE conversation_id = ?", (conversation_id,))
    await tx.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
    return int(removed[0]) if removed else 0


async def _messages_needed_elsewhere(tx: Transaction, conversation_id: str) -> list[tuple[str, str]]:
    """(message id, a conversation that needs it) for the messages of this conversation that others reach.

    A recursive walk up the tree from where other conversations touch this one's messages.
    """
    rows = await tx.fetchall(
        """
        WITH RECURSIVE
            own(id) AS (SELECT id FROM messages WHERE conversation_id = :c),
            needed(id, heir) AS (
                SELECT leaf_id, id FROM conversations WHERE id != :c AND leaf_id IN (SELECT id FROM own)
                UNION SELECT forked_from, id FROM conversations WHERE id != :c AND forked_from IN (SELECT id FROM own)
                UNION SELECT parent_id, conversation_id FROM messages
                      WHERE conversation_id != :c AND parent_id IN (SELECT id FROM own)
                UNION SELECT m.parent_id, needed.heir FROM messages m JOIN needed ON m.id = needed.id
                      WHERE m.parent_id IS NOT NULL
            )
        SELECT needed.id, min(needed.heir) FROM needed JOIN messages m ON m.id = needed.id
        WHERE m.conversation_id = :c GROUP BY needed.id ORDER BY needed.id
        """,
        {"c": conversation_id},
    )
    return [(row[0], row[1]) for row in rows]


# Messages


def storable(text: str) -> str:
    """`text` as a title or a message's text column keeps it: without NUL characters, which PostgreSQL's text cannot
    hold (dropped on both backends, so that both read back the same; the content itself is JSON, where a NUL is
    escaped)."""
    return text.replace("\x00", "") if "\x00" in text else text


async def insert_message(
    tx: Transaction,
    message: Message,
    depth: int,
    text: str,
    *,
    chain_hash: str | None = None,
    response_id: str | None = None,
) -> None:
    """Insert the message; a recorded one also keeps its chain hash and, for a Responses answer, the response's id."""
    text = storable(text)
    usage = message.usage
    values = {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "parent_id": message.parent_id,
        "depth": depth,
        "role": message.role,
        "content": _encode_json(message.content).decode(),
        "text": text,
        "tool_calls": None if message.tool_calls is None else _encode_json(message.tool_calls).decode(),
        "model": message.model,
        "provider": message.provider,
        "prompt_tokens": None if usage is None else usage.prompt_tokens,
        "completion_tokens": None if usage is None else usage.completion_tokens,
        "latency_ms": message.latency_ms,
        "finish_reason": message.finish_reason,
        "status": message.status,
        "error": None if message.error is None else _encode_json(message.error).decode(),
        "context": None if message.context is None else _encode_json(message.context).decode(),
        "created_at": message.created_at,
        "chain_hash": chain_hash,
        "response_id": response_id,
    }
    if tx.dialect == "postgresql":
        values |= search_columns(text)
    await tx.execute(f"INSERT INTO messages ({', '.join(values)}) VALUES ({', '.join(_placeholders(values))})", values)
    await _remember_terms(tx, text)


async def _remember_terms(tx: Transaction, text: str) -> None:
    await tx.executemany(_REMEMBER_TERMS, [(term,) for term in sorted(set(tokens(text)))])


# Every word the message and title indexes have held, each once (migrations 0012, 0015): a word of a question is
# matched by those of the same stem, found by a range of this table's key.
_REMEMBER_TERMS = "INSERT INTO message_terms (term) VALUES (?) ON CONFLICT (term) DO NOTHING"
_TERMS_IN_RANGE = "SELECT term FROM message_terms WHERE term >= ? AND term < ?"
# Stems this short would range over too many words: they match only themselves.
_SHORTEST_RANGED_STEM = 3


async def variants(reader: Reader, words: Sequence[str]) -> dict[str, list[str]]:
    """By word: the words the message and title indexes hold of the same stem."""
    found: dict[str, list[str]] = {}
    for word in words:
        stemmed = stem(fold(word))
        if len(stemmed) < _SHORTEST_RANGED_STEM:
            continue
        low = stem_prefix(stemmed)
        high = low[:-1] + chr(ord(low[-1]) + 1)
        rows = await reader.fetchall(_TERMS_IN_RANGE, (low, high))
        found[word] = [row[0] for row in rows if stem(row[0]) == stemmed]
    return found


async def message(reader: Reader, message_id: str) -> StoredMessage | None:
    row = await reader.fetchone(f"SELECT {_MESSAGE} FROM messages m WHERE m.id = ?", (message_id,))
    return None if row is None else StoredMessage(message_from_row(row), row["depth"], row["text"])


async def branch(
    reader: Reader, leaf_id: str, *, after_depth: int = 0, limit: int | None = None
) -> list[StoredMessage]:
    """The messages from the root down to `leaf_id`, deeper than `after_depth`, at most `limit` (None: all).

    A recursive walk up the parent links.
    """
    params: list[Any] = [leaf_id, after_depth]
    if limit is not None:
        params.append(limit)
    rows = await reader.fetchall(
        f"""
        WITH RECURSIVE up(id, parent_id) AS (
            SELECT id, parent_id FROM messages WHERE id = ?
            UNION ALL SELECT m.id, m.parent_id FROM messages m JOIN up ON m.id = up.parent_id
        )
        SELECT {_MESSAGE} FROM messages m WHERE m.id IN (SELECT id FROM up) AND m.depth > ?
        ORDER BY m.depth {"" if limit is None else "LIMIT ?"}
        """,
        params,
    )
    return [StoredMessage(message_from_row(row), row["depth"], row["text"]) for row in rows]


async def in_conversation(reader: Reader, conversation_id: str, message_id: str) -> bool:
    """Whether the message is in the conversation's tree: its own, or an ancestor of its own or of where it forked.

    A recursive walk up the parent links.
    """
    row = await reader.fetchone(
        """
        WITH RECURSIVE up(id) AS (
            SELECT id FROM messages WHERE conversation_id = :c
            UNION SELECT forked_from FROM conversations WHERE id = :c AND forked_from IS NOT NULL
            UNION SELECT m.parent_id FROM messages m JOIN up ON m.id = up.id WHERE m.parent_id IS NOT NULL
        )
        SELECT 1 FROM up WHERE id = :m LIMIT 1
        """,
        {"c": conversation_id, "m": message_id},
    )
    return row is not None


# Recorded conversations


class ChainNode(NamedTuple):
    """A recorded message found by its chain hash: where it is in which conversation's tree."""

    id: str
    conversation_id: str
    chain_hash: str
    depth: int


async def chain_nodes(reader: Reader, hashes: Sequence[str], conversation_id: str | None) -> dict[str, ChainNode]:
    """By chain hash: the newest recorded message of each hash (in one conversation, if given)."""
    clause, values = _one_of(reader, "chain_hash", hashes)
    in_conversation = "AND conversation_id = ?" if conversation_id is not None else ""
    rows = await reader.fetchall(
        f"SELECT id, conversation_id, chain_hash, depth FROM messages WHERE {clause} {in_conversation} ORDER BY seq",
        (values,) if conversation_id is None else (values, conversation_id),
    )
    return {row[2]: ChainNode(row[0], row[1], row[2], row[3]) for row in rows}


async def answer_of_response(reader: Reader, response_id: str) -> ChainNode | None:
    """The recorded answer that was the Responses API's response `response_id`."""
    row = await reader.fetchone(
        "SELECT id, conversation_id, chain_hash, depth FROM messages WHERE response_id = ? AND chain_hash IS NOT NULL "
        "ORDER BY seq DESC LIMIT 1",
        (response_id,),
    )
    return None if row is None else ChainNode(row[0], row[1], row[2], row[3])


async def replace_content(tx: Transaction, message_id: str, content: str | list[dict[str, Any]], text: str) -> None:
    """Put new content into a message (a recorded system prompt that changed since)."""
    text = storable(text)
    values: dict[str, Any] = {"content": _encode_json(content).decode(), "text": text}
    if tx.dialect == "postgresql":
        values |= search_columns(text)
    changes = ", ".join(f"{column} = {place}" for column, place in zip(values, _placeholders(values), strict=True))
    await tx.execute(f"UPDATE messages SET {changes} WHERE id = :id", values | {"id": message_id})
    await _remember_terms(tx, text)


async def recorded_idle_since(reader: Reader, before: str, limit: int) -> list[str]:
    """The ids of up to `limit` recorded conversations without an exchange since `before`, the longest idle first."""
    rows = await reader.fetchall(
        "SELECT id FROM conversations WHERE recorded = 1 AND updated_at < ? ORDER BY updated_at LIMIT ?",
        (before, limit),
    )
    return [row[0] for row in rows]


# Search


class WordQuery(NamedTuple):
    """Words to find: the query's terms, the indexed words of each whole word's stem (by term word), and whether
    any term may match (or every one must)."""

    terms: Sequence[Term]
    variants: Mapping[str, Sequence[str]]
    any_term: bool = False

    def fts5(self) -> str:
        """The FTS5 expression (SQLite)."""
        return match_expression(self.terms, self.variants, any_term=self.any_term)

    def tsquery(self) -> str | None:
        """The tsquery of the same phrases (PostgreSQL); None if no row can match."""
        return tsquery(self.terms, self.variants, any_term=self.any_term)


class Candidate(NamedTuple):
    """A match: in a conversation's title (`message_id` None) or in a message; `seq` is the index's row key, `title`
    the matching title (a message's text is read apart, for the few that need it)."""

    conversation_id: str
    message_id: str | None
    seq: int
    score: float
    title: str | None = None


async def search_candidates(
    reader: Reader, query: WordQuery, project_id: str | None, candidates: int
) -> list[Candidate]:
    """The newest `candidates` title matches and message matches of `query`, with BM25 scores (higher is better).

    Only that many of each are scored, so a word every message holds costs no more than a rare one. A message
    match reads no more of its row than its ids (and, on PostgreSQL, the counts of its matching words); a
    project's conversations are gathered once, by their index.
    """
    if reader.dialect == "postgresql":
        return await _search_candidates_postgresql(reader, query, project_id, candidates)
    params = {"match": query.fts5(), "project": project_id, "candidates": candidates}
    in_project, of_project = _scope_clauses(project_id)
    titles = await reader.fetchall(
        f"""
        SELECT c.id, NULL, conversations_fts.rowid, -bm25(conversations_fts), c.title
        FROM conversations_fts JOIN conversations c ON c.seq = conversations_fts.rowid
        WHERE conversations_fts MATCH :match {in_project}
        ORDER BY conversations_fts.rowid DESC LIMIT :candidates
        """,
        params,
    )
    texts = await reader.fetchall(
        f"""
        SELECT m.conversation_id, m.id, messages_fts.rowid, -bm25(messages_fts), NULL
        FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid
        WHERE messages_fts MATCH :match {of_project}
        ORDER BY messages_fts.rowid DESC LIMIT :candidates
        """,
        params,
    )
    return [Candidate(row[0], row[1], row[2], float(row[3]), row[4]) for row in [*titles, *texts]]


def _scope_clauses(project_id: str | None) -> tuple[str, str]:
    """The conditions that keep a search to a project (`:project`): on its conversations (`c`), on their messages
    (`m`); empty without one."""
    if project_id is None:
        return "", ""
    return (
        "AND c.project_id = :project",
        "AND m.conversation_id IN (SELECT id FROM conversations WHERE project_id = :project)",
    )


def _counts_of(row: str) -> str:
    """SQL answering the `row`'s tsvector cut to the words `:words` (those the query's phrases match), as text:
    each word with one position per occurrence (PostgreSQL). The tsvector less every word but those, taken out of
    it again: two deletions of sorted words, where a walk over every word of the row costs many times more."""
    return (
        f"CAST(ts_delete({row}.search_vector, tsvector_to_array(ts_delete({row}.search_vector,"
        " CAST(:words AS text[])))) AS text)"
    )


async def _phrase_params(reader: Reader, phrases: Sequence[fulltext.Phrase]) -> dict[str, list[str]]:
    """`:words`: the words the phrases match, a prefix's as the indexes hold them (in `message_terms`)."""
    words = {p.word for p in phrases if not p.prefix}
    for prefix in {p.word for p in phrases if p.prefix}:
        high = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        words.update(row[0] for row in await reader.fetchall(_TERMS_IN_RANGE, (prefix, high)))
    return {"words": sorted(words)}


class _Scoring(NamedTuple):
    """What FTS5's bm25() knows of a table and a query before it scores a row (PostgreSQL)."""

    phrases: list[fulltext.Phrase]
    idfs: list[float]
    totals: fulltext.Totals

    def score(self, length: int, counts: str | None) -> float:
        """bm25() of a row of `length` words, holding the matching words `counts` (lower is better)."""
        return fulltext.bm25(self.phrases, self.idfs, self.totals, fulltext.counted(counts), length)


async def _scoring(reader: Reader, table: str, phrases: list[fulltext.Phrase]) -> _Scoring:
    """The table's totals and the IDF of each phrase: how many of its rows hold it (PostgreSQL)."""
    distinct = list(dict.fromkeys(phrases))
    holding = ", ".join(f"(SELECT count(*) FROM {table} WHERE search_vector @@ CAST(? AS tsquery))" for _ in distinct)
    row = await reader.fetchone(
        f"SELECT t.rows, t.words, {holding} FROM search_totals AS t WHERE t.name = ?",
        [*(tsquery([Term(p.word, p.prefix)]) for p in distinct), table],
    )
    assert row is not None, "migration 0017 keeps a row of totals for each searched table"
    totals = fulltext.Totals(int(row[0]), int(row[1]))
    held = dict(zip(distinct, fulltext.idfs(totals, [int(n) for n in list(row)[2:]]), strict=True))
    return _Scoring(phrases, [held[p] for p in phrases], totals)


async def _planned_for_their_words(reader: Reader) -> None:
    """Have PostgreSQL plan this read's statements for the words they are given (PostgreSQL).

    The newest matches of a tsquery are best found by walking the rows from the newest for a common word, by the
    GIN index for a rare one; a plan made once for any words (what a prepared statement falls back to) walks the
    rows for both, the whole table for a rare word.
    """
    await reader.fetchone("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)")


async def _search_candidates_postgresql(
    reader: Reader, query: WordQuery, project_id: str | None, candidates: int
) -> list[Candidate]:
    """search_candidates on PostgreSQL: the rows the tsquery matches, newest first, scored as bm25() scores."""
    matching = query.tsquery()
    if matching is None:
        return []
    await _planned_for_their_words(reader)
    phrases = fulltext.phrases(query.terms, query.variants)
    params: dict[str, Any] = {"query": matching, "project": project_id, "candidates": candidates}
    params |= await _phrase_params(reader, phrases)
    in_project, of_project = _scope_clauses(project_id)
    titles = await reader.fetchall(
        f"""
        SELECT c.id, c.seq, c.search_words, c.title, {_counts_of("c")}
        FROM (SELECT * FROM conversations c WHERE c.search_vector @@ CAST(:query AS tsquery) {in_project}
              ORDER BY c.seq DESC LIMIT :candidates) AS c
        ORDER BY c.seq DESC
        """,
        params,
    )
    texts = await reader.fetchall(
        f"""
        SELECT m.conversation_id, m.id, m.seq, m.search_words, {_counts_of("m")}
        FROM (SELECT m.conversation_id, m.id, m.seq, m.search_words, m.search_vector FROM messages m
              WHERE m.search_vector @@ CAST(:query AS tsquery) {of_project} ORDER BY m.seq DESC LIMIT :candidates) AS m
        ORDER BY m.seq DESC
        """,
        params,
    )
    found = []
    if titles:
        scoring = await _scoring(reader, "conversations", phrases)
        found += [Candidate(r[0], None, r[1], -scoring.score(r[2], r[4]), r[3]) for r in titles]
    if texts:
        scoring = await _scoring(reader, "messages", phrases)
        found += [Candidate(r[0], r[1], r[2], -scoring.score(r[3], r[4])) for r in texts]
    return found


async def message_texts(reader: Reader, seqs: Sequence[int]) -> dict[int, str]:
    """The text of the messages of these row keys, by row key."""
    clause, values = _one_of(reader, "seq", seqs)
    rows = await reader.fetchall(f"SELECT seq, text FROM messages WHERE {clause}", (values,))
    return {row[0]: row[1] for row in rows}


async def conversations(reader: Reader, conversation_ids: Sequence[str]) -> dict[str, Conversation]:
    clause, values = _one_of(reader, "c.id", conversation_ids)
    rows = await reader.fetchall(f"SELECT {_CONVERSATION} FROM conversations c WHERE {clause}", (values,))
    return {row["id"]: conversation_from_row(row) for row in rows}


# Past messages, for context assembly


class PastMessage(NamedTuple):
    """A message as context assembly shows it: who said what, when, in which conversation; `seq` its row key."""

    seq: int
    id: str
    conversation_id: str
    title: str  # the conversation's
    role: str
    text: str
    created_at: str


# The user's and the models' messages of a project's conversations that hold any text, and did not fail.
_PAST_FILTER = "m.role IN ('user', 'assistant') AND m.status != 'error' AND m.text != ''"
_PAST_COLUMNS = "m.seq, m.id, m.conversation_id, c.title, m.role, m.text, m.created_at"


def _past_message(row: Row) -> PastMessage:
    return PastMessage(row[0], row[1], row[2], row[3], row[4], row[5], row[6])


async def count_project_messages(reader: Reader, project_id: str, up_to: int) -> int:
    """How many messages the project's conversations hold, counted up to `up_to`."""
    row = await reader.fetchone(
        "SELECT count(*) FROM (SELECT 1 FROM conversations c JOIN messages m ON m.conversation_id = c.id "
        "WHERE c.project_id = ? LIMIT ?) AS held",
        (project_id, up_to),
    )
    return int(row[0]) if row else 0


async def project_messages(reader: Reader, project_id: str) -> list[PastMessage]:
    """The past messages of the project's conversations, oldest first."""
    rows = await reader.fetchall(
        f"SELECT {_PAST_COLUMNS} FROM conversations c JOIN messages m ON m.conversation_id = c.id "
        f"WHERE c.project_id = ? AND {_PAST_FILTER} ORDER BY m.seq",
        (project_id,),
    )
    return [_past_message(row) for row in rows]


async def count_matching_messages(reader: Reader, query: WordQuery, up_to: int) -> int:
    """How many messages (of every conversation) `query` finds, counted up to `up_to`."""
    if reader.dialect == "postgresql":
        matching = query.tsquery()
        if matching is None:
            return 0
        sql = "SELECT count(*) FROM (SELECT 1 FROM messages WHERE search_vector @@ CAST(? AS tsquery) LIMIT ?) AS held"
        row = await reader.fetchone(sql, (matching, up_to))
    else:
        sql = "SELECT count(*) FROM (SELECT 1 FROM messages_fts WHERE messages_fts MATCH ? LIMIT ?) AS held"
        row = await reader.fetchone(sql, (query.fts5(), up_to))
    return int(row[0]) if row else 0


async def matching_messages(
    reader: Reader, query: WordQuery, project_id: str, leave_out: frozenset[str], candidates: int
) -> list[tuple[float, PastMessage]]:
    """(bm25 score, lower is better; message) of the newest `candidates` past messages of the project that `query`
    finds, but those of the ids `leave_out`."""
    if reader.dialect == "postgresql":
        return await _matching_messages_postgresql(reader, query, project_id, leave_out, candidates)
    rows = await reader.fetchall(
        f"""
        SELECT {_PAST_COLUMNS}, bm25(messages_fts) AS score
        FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid JOIN conversations c ON c.id = m.conversation_id
        WHERE messages_fts MATCH :match AND c.project_id = :project
              AND m.id NOT IN (SELECT value FROM json_each(:leave_out))
              AND {_PAST_FILTER}
        ORDER BY messages_fts.rowid DESC LIMIT :candidates
        """,
        {
            "match": query.fts5(),
            "project": project_id,
            "leave_out": _encode_json(sorted(leave_out)).decode(),
            "candidates": candidates,
        },
    )
    return [(float(row["score"]), _past_message(row)) for row in rows]


async def _matching_messages_postgresql(
    reader: Reader, query: WordQuery, project_id: str, leave_out: frozenset[str], candidates: int
) -> list[tuple[float, PastMessage]]:
    """matching_messages on PostgreSQL: the rows the tsquery matches, newest first, scored as bm25() scores."""
    matching = query.tsquery()
    if matching is None:
        return []
    await _planned_for_their_words(reader)
    phrases = fulltext.phrases(query.terms, query.variants)
    rows = await reader.fetchall(
        f"""
        SELECT {_PAST_COLUMNS}, m.search_words, {_counts_of("m")}
        FROM (SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id
              WHERE m.search_vector @@ CAST(:query AS tsquery) AND c.project_id = :project
                    AND NOT m.id = ANY(CAST(:leave_out AS text[])) AND {_PAST_FILTER}
              ORDER BY m.seq DESC LIMIT :candidates) AS m
        JOIN conversations c ON c.id = m.conversation_id
        ORDER BY m.seq DESC
        """,
        {
            "query": matching,
            "project": project_id,
            "leave_out": sorted(leave_out),
            "candidates": candidates,
        }
        | await _phrase_params(reader, phrases),
    )
    if not rows:
        return []
    scoring = await _scoring(reader, "messages", phrases)
    return [(scoring.score(row[7], row[8]), _past_message(row)) for row in rows]


# Vectors of past messages, for finding them by meaning (migration 0015): memory's embedding worker keeps them


# The messages embedded: those of the partial index messages_embeddable, whose WHERE this repeats (so that SQLite
# counts and walks them by it, named with SQLite's INDEXED BY; PostgreSQL's planner finds the index itself).
_EMBEDDABLE = "role IN ('user', 'assistant') AND status != 'error' AND text != ''"
_UNEMBEDDED = (
    f"SELECT m.seq, m.text FROM messages AS m {{indexed}} WHERE m.seq < ? AND {_EMBEDDABLE}"
    " AND NOT EXISTS (SELECT 1 FROM message_vectors AS v WHERE v.seq = m.seq AND v.model = ?)"
    " ORDER BY m.seq DESC LIMIT ?"
)
_VECTOR_COUNTS = (
    f"SELECT (SELECT count(*) FROM messages {{indexed}} WHERE {_EMBEDDABLE}) AS items,"
    " (SELECT count(*) FROM message_vectors WHERE model = ?) AS embedded"
)
# A vector is kept only while its message is: one deleted since it was read is not embedded. PostgreSQL types the
# selected parameters by their casts.
_STORE_VECTOR = (
    "INSERT INTO message_vectors (seq, model, dimension, vector) SELECT {values}"
    " WHERE EXISTS (SELECT 1 FROM messages WHERE seq = ?)"
    " ON CONFLICT (seq) DO UPDATE SET model = excluded.model, dimension = excluded.dimension, vector = excluded.vector"
)
_STORE_VECTOR_VALUES = {
    "sqlite": "?, ?, ?, ?",
    "postgresql": "CAST(? AS bigint), CAST(? AS text), CAST(? AS bigint), CAST(? AS bytea)",
}
_VECTOR_SCOPES = (
    "SELECT v.seq, m.id, c.project_id FROM message_vectors AS v JOIN messages AS m ON m.seq = v.seq"
    " JOIN conversations AS c ON c.id = m.conversation_id WHERE v.model = ? AND {clause} ORDER BY v.seq"
)
_STORED_VECTORS = (
    "SELECT v.seq, m.id, c.project_id, v.vector FROM message_vectors AS v JOIN messages AS m ON m.seq = v.seq"
    " JOIN conversations AS c ON c.id = m.conversation_id WHERE v.model = ? AND v.seq < ? ORDER BY v.seq DESC LIMIT ?"
)


class MessageVectors:
    """The vectors of past messages, one per message and model: memory's `VectorTable` of conversations.

    A message's scope is its conversation's project; those of conversations without one are found only by a
    search of every conversation. Messages are written once: a new one waits to be embedded, a deleted one goes
    with its vector; when a conversation is deleted (its messages gone, or passed to the conversations that
    forked from it), the index is read again.
    """

    name = "messages"
    global_rows = False

    def on_commit(self, events: list[Event], index: VectorIndex) -> Heard:
        touched, created, reload = False, 0, False
        for event in events:
            if event.type == "message.created":
                touched = True
                data = event.data
                created += data.get("role") in ("user", "assistant") and data.get("status") != "error"
            elif event.type == "conversation.deleted":
                touched = reload = True
            elif event.type == "project.deleted" and event.entity_id:
                index.drop_project(event.entity_id)
                touched = True
        return Heard(touched, created, reload)

    async def unembedded(self, view: Reader, model: str, below: int, limit: int) -> list[Unembedded]:
        rows = await view.fetchall(_UNEMBEDDED.format(indexed=_indexed(view)), (below, model, limit))
        return [Unembedded(row[0], 1, row[1]) for row in rows]

    async def counts(self, view: Reader, model: str) -> tuple[int, int]:
        row = await view.fetchone(_VECTOR_COUNTS.format(indexed=_indexed(view)), (model,))
        assert row is not None
        return int(row[0]), int(row[1])

    async def store_vectors(
        self, tx: Transaction, model: str, embedded: Sequence[tuple[Unembedded, Vector]]
    ) -> list[StoredVector]:
        await tx.executemany(
            _STORE_VECTOR.format(values=_STORE_VECTOR_VALUES[tx.dialect]),
            [
                (message.seq, model, len(vector), vector.astype("<f4").tobytes(), message.seq)
                for message, vector in embedded
            ],
        )
        vectors = {message.seq: vector for message, vector in embedded}
        clause, seqs = _one_of(tx, "v.seq", list(vectors))
        rows = await tx.fetchall(_VECTOR_SCOPES.format(clause=clause), (model, seqs))
        return [StoredVector(row[0], row[1], row[2], vectors[row[0]]) for row in rows]

    async def stored_vectors(self, view: Reader, model: str, below: int, limit: int) -> list[StoredVector]:
        rows = await view.fetchall(_STORED_VECTORS, (model, below, limit))
        np = numpy()
        return [StoredVector(row[0], row[1], row[2], np.frombuffer(row[3], dtype="<f4")) for row in rows]

    async def model_dimension(self, view: Reader, model: str) -> int | None:
        row = await view.fetchone("SELECT dimension FROM message_vectors WHERE model = ? LIMIT 1", (model,))
        return None if row is None else int(row[0])


MESSAGE_VECTORS = MessageVectors()


def _indexed(view: Reader) -> str:
    """SQLite's hint to walk the embeddable messages by their partial index; nothing on PostgreSQL."""
    return "INDEXED BY messages_embeddable" if view.dialect == "sqlite" else ""


async def embedded_past_messages(view: Reader, model: str, seqs: Sequence[int]) -> dict[int, PastMessage]:
    """By row key, those of the messages `seqs` that are past messages with a vector of `model`: found by meaning
    as committed."""
    clause, values = _one_of(view, "v.seq", seqs)
    rows = await view.fetchall(
        f"SELECT {_PAST_COLUMNS} FROM message_vectors AS v JOIN messages m ON m.seq = v.seq "
        f"JOIN conversations c ON c.id = m.conversation_id "
        f"WHERE v.model = ? AND {clause} AND {_PAST_FILTER}",
        (model, values),
    )
    return {row[0]: _past_message(row) for row in rows}


# Usage


async def usage(
    reader: Reader,
    *,
    group: str,
    project_id: str | None,
    model: str | None,
    since: str | None,
    until: str | None,
) -> list[UsageRow]:
    """Calls and tokens of the answers in conversations, grouped by day, model or project, largest key first (no
    model or no project last).

    Sums are cast to integers: PostgreSQL sums integers as numeric.
    """
    key = {"day": "substr(m.created_at, 1, 10)", "model": "m.model", "project": "c.project_id"}[group]
    where = ["m.role = 'assistant'"]
    params: list[Any] = []
    for clause, value in (
        ("c.project_id = ?", project_id),
        ("m.model = ?", model),
        ("m.created_at >= ?", since),
        ("m.created_at < ?", until),
    ):
        if value is not None:
            where.append(clause)
            params.append(value)
    rows = await reader.fetchall(
        f"""
        SELECT {key} AS key, count(*) AS calls, CAST(sum(CASE WHEN m.status = 'error' THEN 1 ELSE 0 END) AS bigint)
               AS errors, CAST(coalesce(sum(m.prompt_tokens), 0) AS bigint) AS prompt,
               CAST(coalesce(sum(m.completion_tokens), 0) AS bigint) AS completion
        FROM messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE {" AND ".join(where)} GROUP BY 1 ORDER BY 1 DESC NULLS LAST
        """,
        params,
    )
    return [
        UsageRow(
            key=row["key"],
            calls=row["calls"],
            errors=row["errors"],
            prompt_tokens=row["prompt"],
            completion_tokens=row["completion"],
            total_tokens=row["prompt"] + row["completion"],
        )
        for row in rows
    ]


# Idempotency keys


class IdempotencyRecord(NamedTuple):
    conversation_id: str
    body_hash: str
    state: str
    owner: str
    user_message_id: str | None
    assistant_message_id: str | None


async def idempotency_record(tx: Transaction, key: str, expired_before: str) -> IdempotencyRecord | None:
    """The key's record, after dropping every record made before `expired_before`."""
    await tx.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (expired_before,))
    row = await tx.fetchone(
        "SELECT conversation_id, body_hash, state, owner, user_message_id, assistant_message_id "
        "FROM idempotency_keys WHERE key = ?",
        (key,),
    )
    return None if row is None else IdempotencyRecord(*row)


async def owner(tx: Transaction, process: str) -> str:
    """This daemon as the owner of a key it is answering: its `process`, and on PostgreSQL, where other daemons share
    the store, the database session of this change (its pid and start), whose end every daemon can see."""
    if tx.dialect != "postgresql":
        return process
    row = await tx.fetchone(
        "SELECT pid, CAST(backend_start AS text) FROM pg_stat_activity WHERE pid = pg_backend_pid()"
    )
    assert row is not None, "a session sees itself in pg_stat_activity"
    return f"{process} {row[0]} {row[1]}"


async def owner_is_running(tx: Transaction, owner: str, process: str) -> bool:
    """Whether the daemon that took a key (`owner`, as `owner()` wrote it) may still be answering it: this one
    (`process`), or on PostgreSQL another whose database session has not ended. On SQLite one daemon holds the
    store: another owner has stopped."""
    owner_process, _, session = owner.partition(" ")
    if owner_process == process:
        return True
    if tx.dialect != "postgresql" or not session:
        return False
    pid, _, started = session.partition(" ")
    row = await tx.fetchone(
        "SELECT 1 FROM pg_stat_activity WHERE pid = ? AND CAST(backend_start AS text) = ?",
        (int(pid) if pid.isdigit() else -1, started),
    )
    return row is not None


async def begin_idempotent(tx: Transaction, key: str, conversation_id: str, body_hash: str, owner: str) -> None:
    """Take the key for a turn now in flight, over any record of it (one whose owner has stopped)."""
    await tx.execute(
        "INSERT INTO idempotency_keys (key, conversation_id, body_hash, state, owner, created_at) "
        "VALUES (?, ?, ?, 'in_flight', ?, ?) ON CONFLICT (key) DO UPDATE SET "
        "conversation_id = excluded.conversation_id, body_hash = excluded.body_hash, state = excluded.state, "
        "owner = excluded.owner, created_at = excluded.created_at, user_message_id = NULL, assistant_message_id = NULL",
        (key, conversation_id, body_hash, owner, tx.created_at),
    )


async def finish_idempotent(tx: Transaction, key: str, user_message_id: str, assistant_message_id: str) -> None:
    await tx.execute(
        "UPDATE idempotency_keys SET state = 'done', user_message_id = ?, assistant_message_id = ? WHERE key = ?",
        (user_message_id, assistant_message_id, key),
    )
