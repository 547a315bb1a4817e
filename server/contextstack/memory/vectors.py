"""The vectors of knowledge entries: their table (migration 0014) and exact search by meaning over them.

What the embedding worker keeps embedded is a `VectorTable`: knowledge's is here (`KNOWLEDGE`); conversation
messages have theirs beside their store (conversations/store.py, migration 0015), each with its own index.

A vector is a plain float32 blob beside its entry, with the model that made it and its dimension. Search is
exact: the question's vector is compared with every vector of the model, held in memory as one matrix
(`VectorIndex`), in one product. sqlite-vec would do the same brute-force comparison inside SQLite, but only
where Python's sqlite3 can load extensions, which many builds cannot: one exact path gives the same answers on
every Python. What the matrix finds is checked against the table in the same read as the entries, so a hit is
always an entry whose current text has a vector of this model as committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import msgspec

from contextstack.memory.embeddings import numpy
from contextstack.memory.models import KnowledgeEntry
from contextstack.memory.store import entries_by_seq
from contextstack.storage import Event, Reader, Transaction, in_list, list_parameter

if TYPE_CHECKING:
    import numpy.typing as npt

    from contextstack.memory.embeddings import Vector


# Past this many vectors, the product is worked out on a thread (numpy lets go of the GIL) instead of the loop.
ON_A_THREAD = 20_000


class Unembedded(NamedTuple):
    """An entry whose vector of the model is missing or stale: what the worker sends to be embedded."""

    seq: int
    version: int
    text: str


class StoredVector(NamedTuple):
    seq: int
    entry_id: str  # the id of the entry (or message) it is the vector of
    project_id: str | None
    vector: Vector


class Heard(NamedTuple):
    """What a commit means to a `VectorTable`'s vectors."""

    touched: bool  # its items changed: a pass should look for what to embed
    created: int = 0  # new items, waiting at once (the pass counts again)
    reload: bool = False  # its index should be read again from the store


class VectorTable(Protocol):
    """Items the embedding worker keeps a vector of, one per item and model, in a table of their own."""

    @property
    def name(self) -> str:
        """What its items are called in the log and by `Meaning.indexes`: `entries`, `messages`."""
        ...

    @property
    def global_rows(self) -> bool:
        """Whether its items without a project are found with every project's (VectorIndex's `global_rows`)."""
        ...

    def on_commit(self, events: list[Event], index: VectorIndex) -> Heard:
        """Hear of a commit: forget in `index` what changed, and say what it means."""
        ...

    async def unembedded(self, view: Reader, model: str, below: int, limit: int) -> list[Unembedded]:
        """At most `limit` items under the row key `below` without a vector of `model`, newest first."""
        ...

    async def counts(self, view: Reader, model: str) -> tuple[int, int]:
        """(items, items with a vector of `model`)."""
        ...

    async def store_vectors(
        self, tx: Transaction, model: str, embedded: Sequence[tuple[Unembedded, Vector]]
    ) -> list[StoredVector]:
        """Write the vectors of items still as they were embedded; those written."""
        ...

    async def stored_vectors(self, view: Reader, model: str, below: int, limit: int) -> list[StoredVector]:
        """At most `limit` of the vectors of `model` under the row key `below`, newest first."""
        ...

    async def model_dimension(self, view: Reader, model: str) -> int | None:
        """The dimension of the vectors `model` made, if any is stored."""
        ...


def embedded_text(title: str, body: str, tags: Sequence[str]) -> str:
    """What is embedded of an entry: its title, its body and its tags."""
    text = f"{title}\n\n{body}".strip()
    return f"{text}\n\nTags: {', '.join(tags)}" if tags else text


_decode_tags = msgspec.json.Decoder(list[str]).decode
# The newest entries first: they are the likeliest to be asked about.
_UNEMBEDDED = (
    "SELECT k.seq, k.version, k.title, k.body, k.tags FROM knowledge AS k"
    " WHERE k.seq < ? AND NOT EXISTS (SELECT 1 FROM knowledge_vectors AS v WHERE v.seq = k.seq AND v.model = ?)"
    " ORDER BY k.seq DESC LIMIT ?"
)


async def unembedded(view: Reader, model: str, below: int, limit: int) -> list[Unembedded]:
    """At most `limit` entries under the row key `below` without a vector of `model`, newest first."""
    rows = await view.fetchall(_UNEMBEDDED, (below, model, limit))
    return [
        Unembedded(row["seq"], row["version"], embedded_text(row["title"], row["body"], _decode_tags(row["tags"])))
        for row in rows
    ]


_COUNTS = (
    "SELECT (SELECT count(*) FROM knowledge) AS entries,"
    " (SELECT count(*) FROM knowledge_vectors WHERE model = ?) AS embedded"
)


async def counts(view: Reader, model: str) -> tuple[int, int]:
    """(entries, entries with a vector of `model`)."""
    row = await view.fetchone(_COUNTS, (model,))
    assert row is not None
    return int(row["entries"]), int(row["embedded"])


# Only if the entry is still the version that was embedded: an edit meanwhile leaves it for the next pass.
_STORE = (
    "INSERT INTO knowledge_vectors (seq, model, dimension, vector)"
    " SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM knowledge WHERE seq = ? AND version = ?)"
    " ON CONFLICT (seq) DO UPDATE SET model = excluded.model, dimension = excluded.dimension, vector = excluded.vector"
)
_STORED = (
    "SELECT v.seq, k.id, k.project_id FROM knowledge_vectors AS v JOIN knowledge AS k ON k.seq = v.seq"
    " WHERE v.model = ? AND {listed}"
)


async def store_vectors(
    tx: Transaction, model: str, embedded: Sequence[tuple[Unembedded, Vector]]
) -> list[StoredVector]:
    """Write the vectors of entries still as they were embedded; those written, with their entries' ids."""
    await tx.executemany(
        _STORE,
        [
            (entry.seq, model, len(vector), vector.astype("<f4").tobytes(), entry.seq, entry.version)
            for entry, vector in embedded
        ],
    )
    vectors = {entry.seq: vector for entry, vector in embedded}
    rows = await tx.fetchall(
        _STORED.format(listed=in_list(tx.dialect, "v.seq")), (model, list_parameter(tx.dialect, list(vectors)))
    )
    return [StoredVector(row["seq"], row["id"], row["project_id"], vectors[row["seq"]]) for row in rows]


_ALL = (
    "SELECT v.seq, k.id, k.project_id, v.dimension, v.vector FROM knowledge_vectors AS v"
    " JOIN knowledge AS k ON k.seq = v.seq WHERE v.model = ? AND v.seq < ? ORDER BY v.seq DESC LIMIT ?"
)


async def stored_vectors(view: Reader, model: str, below: int, limit: int) -> list[StoredVector]:
    """At most `limit` of the vectors of `model` under the row key `below`, newest first."""
    rows = await view.fetchall(_ALL, (model, below, limit))
    np = numpy()
    return [
        StoredVector(row["seq"], row["id"], row["project_id"], np.frombuffer(row["vector"], dtype="<f4"))
        for row in rows
    ]


async def model_dimension(view: Reader, model: str) -> int | None:
    """The dimension of the vectors `model` made, if any is stored."""
    row = await view.fetchone("SELECT dimension FROM knowledge_vectors WHERE model = ? LIMIT 1", (model,))
    return None if row is None else int(row["dimension"])


_CURRENT = "SELECT seq FROM knowledge_vectors WHERE model = ? AND {listed}"


async def current_entries(view: Reader, model: str, seqs: Sequence[int]) -> dict[int, KnowledgeEntry]:
    """By row key, those of the entries `seqs` whose vector of `model` is stored: found by meaning as committed."""
    rows = await view.fetchall(
        _CURRENT.format(listed=in_list(view.dialect, "seq")), (model, list_parameter(view.dialect, seqs))
    )
    current = {int(row["seq"]) for row in rows}
    entries = await entries_by_seq(view, [seq for seq in seqs if seq in current])
    return {seq: entry for seq, entry in entries.items() if seq in current}


class KnowledgeVectors:
    """Knowledge entries' vectors (knowledge_vectors): a `VectorTable`."""

    name = "entries"
    global_rows = True

    def on_commit(self, events: list[Event], index: VectorIndex) -> Heard:
        touched, created = False, 0
        for event in events:
            if event.type.startswith("knowledge."):
                touched = True
                if event.type == "knowledge.created":
                    created += 1
                elif event.type == "knowledge.deleted" and event.entity_id:
                    index.drop([event.entity_id])
                elif event.type == "knowledge.updated" and event.entity_id:
                    if {"title", "body", "tags"} & event.data.keys():
                        index.drop([event.entity_id])
                    if "project_id" in event.data:
                        index.move(event.entity_id, event.data["project_id"])
            elif event.type == "project.deleted" and event.entity_id:
                index.drop_project(event.entity_id)
                touched = True
        return Heard(touched, created)

    async def unembedded(self, view: Reader, model: str, below: int, limit: int) -> list[Unembedded]:
        return await unembedded(view, model, below, limit)

    async def counts(self, view: Reader, model: str) -> tuple[int, int]:
        return await counts(view, model)

    async def store_vectors(
        self, tx: Transaction, model: str, embedded: Sequence[tuple[Unembedded, Vector]]
    ) -> list[StoredVector]:
        return await store_vectors(tx, model, embedded)

    async def stored_vectors(self, view: Reader, model: str, below: int, limit: int) -> list[StoredVector]:
        return await stored_vectors(view, model, below, limit)

    async def model_dimension(self, view: Reader, model: str) -> int | None:
        return await model_dimension(view, model)


KNOWLEDGE = KnowledgeVectors()


# Scope codes: each project gets a number; global entries have this one, dropped rows this, and a project with
# no vectors the last, which no row has.
_GLOBAL, _DROPPED, _NO_ROWS = -1, -2, -3
# Rows of no project that are not global (messages of conversations without a project): found only without one.
_NO_PROJECT = -4


class VectorIndex:
    """Every vector of one model in memory, with the scope of its entry: `nearest` compares a question with all.

    Rows are added as the worker stores vectors and dropped when an entry's text changes or it goes; what is
    found is checked against the store before it is answered, so a row kept a moment too long is harmless.
    """

    def __init__(self, *, global_rows: bool = True) -> None:
        """`global_rows`: whether rows without a project are global, found with every project's (knowledge); if not
        (messages of conversations without a project), a project's search finds only its own."""
        self._global_rows = global_rows
        self._empty(0)

    def _empty(self, dimension: int) -> None:
        np = numpy()
        self._matrix: npt.NDArray[Any] = np.zeros((0, dimension), dtype=np.float32)
        self._seqs = np.zeros(0, dtype=np.int64)
        self._scopes = np.zeros(0, dtype=np.int32)
        self._size = 0
        self._row_of_seq: dict[int, int] = {}
        self._seq_of_id: dict[str, int] = {}
        self._codes: dict[str, int] = {}
        self._free: list[int] = []

    def __len__(self) -> int:
        return len(self._row_of_seq)

    def _code(self, project_id: str | None) -> int:
        if project_id is None:
            return _GLOBAL if self._global_rows else _NO_PROJECT
        return self._codes.setdefault(project_id, len(self._codes))

    def _grow(self, rows: int, dimension: int) -> None:
        if self._matrix.shape[1] != dimension:
            self._empty(dimension)
        capacity = len(self._seqs)
        if self._size + rows <= capacity:
            return
        capacity = max(self._size + rows, 2 * capacity, 1024)
        np = numpy()
        matrix = np.zeros((capacity, dimension), dtype=np.float32)
        matrix[: self._size] = self._matrix[: self._size]
        seqs = np.full(capacity, -1, dtype=np.int64)
        seqs[: self._size] = self._seqs[: self._size]
        scopes = np.full(capacity, _DROPPED, dtype=np.int32)
        scopes[: self._size] = self._scopes[: self._size]
        self._matrix, self._seqs, self._scopes = matrix, seqs, scopes

    def add(self, vectors: Iterable[StoredVector]) -> None:
        """Hold these vectors, replacing any held for the same entries."""
        for stored in vectors:
            dimension = len(stored.vector)
            if stored.seq in self._row_of_seq and self._matrix.shape[1] == dimension:
                row = self._row_of_seq[stored.seq]
            elif self._free and self._matrix.shape[1] == dimension:
                row = self._free.pop()
            else:
                self._grow(1, dimension)
                row = self._size
                self._size += 1
            self._matrix[row] = stored.vector
            self._seqs[row] = stored.seq
            self._scopes[row] = self._code(stored.project_id)
            self._row_of_seq[stored.seq] = row
            self._seq_of_id[stored.entry_id] = stored.seq

    def drop(self, entry_ids: Iterable[str]) -> None:
        """Forget the vectors of these entries."""
        for entry_id in entry_ids:
            seq = self._seq_of_id.pop(entry_id, None)
            row = None if seq is None else self._row_of_seq.pop(seq, None)
            if row is not None:
                self._scopes[row] = _DROPPED
                self._seqs[row] = -1
                self._free.append(row)

    def drop_project(self, project_id: str) -> None:
        """Forget the vectors of a project's entries (it was deleted)."""
        code = self._codes.get(project_id)
        if code is None:
            return
        gone = [entry_id for entry_id, seq in self._seq_of_id.items() if self._scopes[self._row_of_seq[seq]] == code]
        self.drop(gone)

    def clear(self) -> None:
        """Forget every vector (they are loaded again)."""
        self._empty(self._matrix.shape[1])

    def move(self, entry_id: str, project_id: str | None) -> None:
        """The entry now belongs to another scope."""
        seq = self._seq_of_id.get(entry_id)
        if seq is not None:
            self._scopes[self._row_of_seq[seq]] = self._code(project_id)

    async def nearest(self, question: Vector, project_id: str | None, limit: int) -> list[tuple[int, float]]:
        """(row key, cosine similarity) of the `limit` vectors most like `question`, most alike first.

        With `project_id`, only the project's entries and the global ones; without, every entry. Ties go to the
        newer entry.
        """
        size = self._size
        if size == 0 or limit < 1 or self._matrix.shape[1] != len(question):
            return []
        matrix, seqs, scopes = self._matrix[:size], self._seqs[:size], self._scopes[:size]
        code = None if project_id is None else self._codes.get(project_id, _NO_ROWS)
        if size > ON_A_THREAD:
            return await asyncio.to_thread(_nearest, matrix, seqs, scopes, question, code, limit)
        return _nearest(matrix, seqs, scopes, question, code, limit)


def _nearest(
    matrix: npt.NDArray[Any],
    seqs: npt.NDArray[Any],
    scopes: npt.NDArray[Any],
    question: Vector,
    code: int | None,
    limit: int,
) -> list[tuple[int, float]]:
    np = numpy()
    similarities = matrix @ question
    seen = scopes != _DROPPED if code is None else (scopes == code) | (scopes == _GLOBAL)
    rows = np.flatnonzero(seen)
    if len(rows) > limit:
        # The best `limit` and every row tied with the last of them, then ordered exactly.
        threshold = np.partition(similarities[rows], len(rows) - limit)[len(rows) - limit]
        rows = rows[similarities[rows] >= threshold]
    ranked = sorted(rows.tolist(), key=lambda row: (-float(similarities[row]), -int(seqs[row])))[:limit]
    return [(int(seqs[row]), float(similarities[row])) for row in ranked]
