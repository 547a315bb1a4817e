"""Knowledge found by meaning: the embedding model, the vectors in memory and the worker that keeps them, as one.

Other items the worker embeds (conversation messages: their `VectorTable` is given by the Runtime) have an index
each in `indexes`, by the table's name; their feature compares a question with it and checks what it finds.

Built by the Runtime when `[memory] embedding_model` is set, and handed to search and to context assembly; when
it is not set there is none, and both find by words alone, exactly as without this module.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from contextstack.memory import vectors
from contextstack.memory.embedding_worker import EmbeddingWorker
from contextstack.memory.embeddings import Embeddings
from contextstack.memory.models import EmbeddingStatus, KnowledgeEntry
from contextstack.memory.vectors import VectorIndex, VectorTable
from contextstack.storage import Database, Event

if TYPE_CHECKING:
    from contextstack.memory.embeddings import Vector

# How many more vectors than wanted are compared first, so that the filters (kind, superseded) still leave enough.
OVERSAMPLE = 2
OVERSAMPLE_EXTRA = 10


class Meaning:
    """Search by meaning of one daemon's store; `open()` starts the worker, `close()` ends it."""

    def __init__(
        self,
        db: Database,
        embeddings: Embeddings,
        *,
        batch: int,
        time_limit: float,
        tables: Sequence[VectorTable] = (),
        on_stored: Callable[[], None] = lambda: None,
    ) -> None:
        """`on_stored` is called after each batch of vectors is stored: what was found before may change."""
        self.db = db
        self.embeddings = embeddings
        self.time_limit = time_limit
        self.index = VectorIndex()
        self.indexes = {table.name: VectorIndex(global_rows=table.global_rows) for table in tables}
        self.worker = EmbeddingWorker(
            db,
            embeddings,
            self.index,
            batch=batch,
            tables=[(table, self.indexes[table.name]) for table in tables],
            on_stored=on_stored,
        )

    @property
    def model(self) -> str:
        return self.embeddings.model

    async def open(self) -> None:
        self.worker.start()

    async def close(self) -> None:
        await self.worker.stop()
        await self.embeddings.close()

    def on_commit(self, events: list[Event]) -> None:
        self.worker.on_commit(events)

    def status(self) -> EmbeddingStatus:
        return self.worker.status()

    async def nearest(
        self,
        question: str,
        *,
        project_id: str | None,
        limit: int,
        time_limit: float | None,
        kind: str | None = None,
        include_superseded: bool = False,
    ) -> list[tuple[KnowledgeEntry, float]] | None:
        """(entry, cosine similarity) of the `limit` entries nearest `question` in meaning, nearest first.

        With `project_id`, the project's entries and the global ones. None when the question's embedding takes
        longer than `time_limit` seconds (None: no limit); EmbeddingError when the provider fails.
        """
        vector = await self.embeddings.question(question, time_limit)
        if vector is None:
            return None
        return await self.nearest_to(
            vector, project_id=project_id, limit=limit, kind=kind, include_superseded=include_superseded
        )

    def ask(self, question: str) -> asyncio.Future[Vector | None]:
        """The question's embedding, asked now (the time limit counts from now) and awaited later."""
        known = self.embeddings.remembered(question)
        if known is not None:
            future: asyncio.Future[Vector | None] = asyncio.get_running_loop().create_future()
            future.set_result(known)
            return future
        asked = asyncio.ensure_future(self.embeddings.question(question, self.time_limit))
        # A caller that fails before it awaits this leaves its failure here, retrieved (Embeddings logs it).
        asked.add_done_callback(lambda done: done.cancelled() or done.exception())
        return asked

    async def nearest_to(
        self,
        vector: Vector,
        *,
        project_id: str | None,
        limit: int,
        kind: str | None = None,
        include_superseded: bool = False,
    ) -> list[tuple[KnowledgeEntry, float]]:
        """(entry, cosine similarity) of the `limit` entries nearest `vector`, nearest first (see `nearest`)."""
        wanted = limit * OVERSAMPLE + OVERSAMPLE_EXTRA
        while True:
            ranked = await self.index.nearest(vector, project_id, wanted)
            seqs = [seq for seq, _ in ranked]
            entries = await self.db.read(
                lambda view, seqs=seqs: vectors.current_entries(view, self.model, seqs)  # type: ignore[misc]
            )
            found = [
                (entry, similarity)
                for seq, similarity in ranked
                if (entry := entries.get(seq)) is not None
                and (include_superseded or entry.superseded_by is None)
                and (kind is None or entry.kind == kind)
                and (project_id is None or entry.project_id in (project_id, None))
            ]
            if len(found) >= limit or len(ranked) < wanted:
                return found[:limit]
            wanted *= 4
