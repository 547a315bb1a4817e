"""The embedding worker: embeds knowledge entries in the background, in batches, never in a user's write.

A pass walks the entries from the newest down and embeds, a batch per request, every one without a vector of
the configured model (new, edited, embedded by another model, or left behind by a stop): so a restart catches
up, and a change of model re-embeds everything. A commit that touches knowledge starts another pass once this
one ends. A provider that is down, slow or answers amiss only delays: the batch is tried again after a pause
that grows up to a minute, the failure is logged once (and when it changes) and shown in `/health`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from contextstack.memory import vectors
from contextstack.memory.embeddings import EmbeddingError, Embeddings
from contextstack.memory.models import EmbeddingState, EmbeddingStatus
from contextstack.memory.vectors import VectorIndex
from contextstack.storage import Database, Event

if TYPE_CHECKING:
    from contextstack.memory.embeddings import Vector

log = logging.getLogger("contextstack.memory")

# Pauses after a failed batch, in seconds: doubled from the first to the last, then kept.
RETRY_PAUSES = (1.0, 60.0)
# Vectors read per statement when the index is loaded at start-up.
LOAD_BATCH = 5000
_TOP = sys.maxsize  # a row key above every entry's


class EmbeddingWorker:
    """Keeps the vectors of one model in step with knowledge, in the store and in `index`."""

    def __init__(
        self,
        db: Database,
        embeddings: Embeddings,
        index: VectorIndex,
        *,
        batch: int,
        on_stored: Callable[[], None] = lambda: None,
        retry_pauses: tuple[float, float] = RETRY_PAUSES,
    ) -> None:
        self._db, self._embeddings, self._index, self._batch = db, embeddings, index, batch
        self._on_stored = on_stored
        self._retry_pauses = retry_pauses
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.entries = 0
        self.embedded = 0
        self.error: str | None = None
        self.loading = True
        self.working = False  # a pass is under way, or a commit is waiting for one

    def status(self) -> EmbeddingStatus:
        """Where the embeddings stand, for `/health`."""
        state: EmbeddingState = (
            "loading" if self.loading else "failing" if self.error else "embedding" if self.working else "idle"
        )
        return EmbeddingStatus(
            model=self._embeddings.model,
            dimension=self._embeddings.dimension,
            entries=self.entries,
            embedded=self.embedded,
            waiting=max(0, self.entries - self.embedded),
            state=state,
            error=self.error,
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
        """Hear of a commit (wired with `Database.on_commit`): changed entries lose their vectors, a pass starts."""
        touched = False
        for event in events:
            if event.type.startswith("knowledge."):
                touched = True
                if event.type == "knowledge.created":
                    self.entries += 1  # waiting at once; the pass counts again
                elif event.type == "knowledge.deleted" and event.entity_id:
                    self._index.drop([event.entity_id])
                elif event.type == "knowledge.updated" and event.entity_id:
                    if {"title", "body", "tags"} & event.data.keys():
                        self._index.drop([event.entity_id])
                    if "project_id" in event.data:
                        self._index.move(event.entity_id, event.data["project_id"])
            elif event.type == "project.deleted" and event.entity_id:
                self._index.drop_project(event.entity_id)
                touched = True
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
        dimension = await self._db.read(lambda view: vectors.model_dimension(view, model))
        if dimension is not None:
            self._embeddings.learn_dimension(dimension)
        below = _TOP
        while True:
            stored = await self._db.read(
                lambda view, below=below: vectors.stored_vectors(view, model, below, LOAD_BATCH)  # type: ignore[misc]
            )
            if not stored:
                break
            self._index.add(stored)
            below = stored[-1].seq
        await self._recount()
        self.loading = False
        log.info(
            "embeddings (%s): %d of %d entries embedded%s",
            model,
            self.embedded,
            self.entries,
            "; the rest are embedded in the background" if self.embedded < self.entries else "",
        )

    async def _recount(self) -> None:
        model = self._embeddings.model
        self.entries, self.embedded = await self._db.read(lambda view: vectors.counts(view, model))

    async def _pass(self) -> None:
        model = self._embeddings.model
        await self._recount()
        if self.embedded >= self.entries:
            return
        done = 0
        below = _TOP
        while True:
            batch = await self._db.read(
                lambda view, below=below: vectors.unembedded(view, model, below, self._batch)  # type: ignore[misc]
            )
            if not batch:
                break
            embedded = await self._embedded(batch)
            async with self._db.transaction() as tx:
                stored = await vectors.store_vectors(tx, model, list(zip(batch, embedded, strict=True)))
            self._index.add(stored)
            self.embedded += len(stored)
            done += len(stored)
            below = batch[-1].seq
            self._on_stored()
        await self._recount()
        log.info("embeddings (%s): %d entries embedded; %d of %d now", model, done, self.embedded, self.entries)

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
                        "embeddings (%s): %s; %d entries wait, tried again in the background",
                        self._embeddings.model,
                        message,
                        max(0, self.entries - self.embedded),
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
