"""The embedding worker: embeds knowledge entries and conversation messages in the background, in batches, never
in a user's write.

Each kind of item is a `VectorTable` (vectors.py) with an index of its own: knowledge entries first, then the
messages of conversations (conversations/store.py's, given by the Runtime). A pass walks each table's items from
the newest down and embeds, a batch per request, every one without a vector of the configured model (new,
edited, embedded by another model, or left behind by a stop): so a restart catches up, and a change of model
re-embeds everything. A commit that touches them starts another pass once this one ends. A provider that is
down, slow or answers amiss only delays: the batch is tried again after a pause that grows up to a minute, the
failure is logged once (and when it changes) and shown in `/health`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from contextstack.memory import vectors
from contextstack.memory.embeddings import EmbeddingError, Embeddings
from contextstack.memory.models import EmbeddingState, EmbeddingStatus
from contextstack.memory.vectors import KNOWLEDGE, VectorIndex, VectorTable
from contextstack.storage import Database, Event

if TYPE_CHECKING:
    from contextstack.memory.embeddings import Vector

log = logging.getLogger("contextstack.memory")

# Pauses after a failed batch, in seconds: doubled from the first to the last, then kept.
RETRY_PAUSES = (1.0, 60.0)
# Vectors read per statement when the index is loaded at start-up.
LOAD_BATCH = 5000
_TOP = sys.maxsize  # a row key above every entry's


class _Kept:
    """One table the worker keeps embedded, its index, and how many of its items have a vector."""

    def __init__(self, table: VectorTable, index: VectorIndex) -> None:
        self.table, self.index = table, index
        self.items = 0
        self.embedded = 0
        self.reload = False  # the index is read again from the store before the next pass

    @property
    def waiting(self) -> int:
        return max(0, self.items - self.embedded)


class EmbeddingWorker:
    """Keeps the vectors of one model in step with knowledge (in `index`) and the other `tables`, in the store."""

    def __init__(
        self,
        db: Database,
        embeddings: Embeddings,
        index: VectorIndex,
        *,
        batch: int,
        tables: Sequence[tuple[VectorTable, VectorIndex]] = (),
        on_stored: Callable[[], None] = lambda: None,
        retry_pauses: tuple[float, float] = RETRY_PAUSES,
    ) -> None:
        """`tables`: the other items to embed (conversation messages), each with the index that holds its vectors."""
        self._db, self._embeddings, self._batch = db, embeddings, batch
        self._kept = [_Kept(KNOWLEDGE, index), *(_Kept(table, kept) for table, kept in tables)]
        self._on_stored = on_stored
        self._retry_pauses = retry_pauses
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.error: str | None = None
        self.loading = True
        self.working = False  # a pass is under way, or a commit is waiting for one

    @property
    def entries(self) -> int:
        return self._kept[0].items

    @property
    def embedded(self) -> int:
        return self._kept[0].embedded

    def _waiting(self) -> int:
        return sum(kept.waiting for kept in self._kept)

    def status(self) -> EmbeddingStatus:
        """Where the embeddings stand, for `/health`."""
        state: EmbeddingState = (
            "loading" if self.loading else "failing" if self.error else "embedding" if self.working else "idle"
        )
        others = self._kept[1:]
        return EmbeddingStatus(
            model=self._embeddings.model,
            dimension=self._embeddings.dimension,
            entries=self.entries,
            embedded=self.embedded,
            waiting=self._waiting(),
            state=state,
            error=self.error,
            messages=sum(kept.items for kept in others),
            messages_embedded=sum(kept.embedded for kept in others),
        )

    def start(self) -> None:
        """Load the stored vectors, then embed what is missing; runs until `stop`."""
        self._wake.set()
        self._task = asyncio.create_task(self._run(), name="contextstack-embeddings")

    async def stop(self) -> None:
        """End the worker; a batch in flight is not stored (it is embedded again after the next start)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def on_commit(self, events: list[Event]) -> None:
        """Hear of a commit (wired with `Database.on_commit`): changed items lose their vectors, a pass starts."""
        touched = False
        for kept in self._kept:
            heard = kept.table.on_commit(events, kept.index)
            kept.items += heard.created
            kept.reload = kept.reload or heard.reload
            touched = touched or heard.touched or heard.reload
        if touched:
            self.working = True
            self._wake.set()

    async def _run(self) -> None:
        await self._load()
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self._pass()
            finally:
                self.working = self._wake.is_set()

    async def _load(self) -> None:
        model = self._embeddings.model
        for kept in self._kept:
            dimension = await self._db.read(
                lambda view, kept=kept: kept.table.model_dimension(view, model)  # type: ignore[misc]
            )
            if dimension is not None:
                self._embeddings.learn_dimension(dimension)
                break
        for kept in self._kept:
            await self._load_index(kept)
        await self._recount()
        self.loading = False
        log.info(
            "embeddings (%s): %s%s",
            model,
            "; ".join(f"{kept.embedded} of {kept.items} {kept.table.name} embedded" for kept in self._kept),
            "; the rest are embedded in the background" if self._waiting() else "",
        )

    async def _load_index(self, kept: _Kept) -> None:
        model = self._embeddings.model
        kept.reload = False
        kept.index.clear()
        below = _TOP
        while True:
            stored = await self._db.read(
                lambda view, below=below: kept.table.stored_vectors(view, model, below, LOAD_BATCH)  # type: ignore[misc]
            )
            if not stored:
                break
            kept.index.add(stored)
            below = stored[-1].seq

    async def _recount(self) -> None:
        model = self._embeddings.model
        for kept in self._kept:
            kept.items, kept.embedded = await self._db.read(
                lambda view, kept=kept: kept.table.counts(view, model)  # type: ignore[misc]
            )

    async def _pass(self) -> None:
        model = self._embeddings.model
        for kept in self._kept:
            if kept.reload:
                await self._load_index(kept)
        await self._recount()
        for kept in self._kept:
            if kept.embedded >= kept.items:
                continue
            done = 0
            below = _TOP
            while True:
                batch = await self._db.read(
                    lambda view, below=below, kept=kept: kept.table.unembedded(  # type: ignore[misc]
                        view, model, below, self._batch
                    )
                )
                if not batch:
                    break
                embedded = await self._embedded(batch)
                async with self._db.transaction() as tx:
                    stored = await kept.table.store_vectors(tx, model, list(zip(batch, embedded, strict=True)))
                kept.index.add(stored)
                kept.embedded += len(stored)
                done += len(stored)
                below = batch[-1].seq
                self._on_stored()
            await self._recount()
            log.info(
                "embeddings (%s): %d %s embedded; %d of %d now",
                model,
                done,
                kept.table.name,
                kept.embedded,
                kept.items,
            )

    async def _embedded(self, batch: list[vectors.Unembedded]) -> list[Vector]:
        """The batch's vectors, however many tries it takes."""
        first, last = self._retry_pauses
        pause = first
        while True:
            try:
                result = await self._embeddings.embed([entry.text for entry in batch])
            except EmbeddingError as exc:
                message = str(exc)
                if message != self.error:
                    log.warning(
                        "embeddings (%s): %s; %d items wait, tried again in the background",
                        self._embeddings.model,
                        message,
                        self._waiting(),
                    )
                self.error = message
                await asyncio.sleep(pause)
                await self._recount()
                pause = min(last, pause * 2)
                continue
            if self.error is not None:
                log.info("embeddings (%s): the provider answers again", self._embeddings.model)
                self.error = None
            return result
