"""Automatic checkpoints: before an AI's burst of changes to a project, an import replacing it, or its deletion.

The store calls `before_change` in each transaction before it records an event. The state as committed is
still the one before the transaction, so that is what the checkpoint keeps, read on a reader thread.

An AI's burst may go through several daemons on one PostgreSQL store: each hears of the others' changes as commits
(`on_commit`), so a burst another daemon began goes on here without a checkpoint of its own, and the global entries
it changes here are kept by the checkpoint the other daemon took (found in the store).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from contextstack.checkpoints import store
from contextstack.checkpoints.models import Trigger
from contextstack.checkpoints.service import guard_globals, prune, take_checkpoint
from contextstack.checkpoints.snapshot import read_state
from contextstack.storage import Database, Event, Transaction

# Events of checkpoints themselves, and of restores and undos (which take their own checkpoints first).
_OWN_EVENTS = ("checkpoint.", "project.restored", "project.undone")


def is_ai(actor: str) -> bool:
    """Whether a change is an AI's: its actor is `ai:<model>`."""
    return actor.startswith("ai:")


@dataclass
class _Burst:
    """An AI's burst of changes to a project: who, when last, and the checkpoint taken before it."""

    actor: str
    last: float
    checkpoint_id: str | None = None  # None: not known here yet (another daemon took it)


class AutomaticCheckpoints:
    """Takes the automatic checkpoints, and keeps the newest `keep` of them per project.

    Global knowledge an AI changes while its burst on a project goes on is kept by that burst's checkpoint too (as
    it was before), so restoring or undoing the burst puts it back with the project.
    """

    def __init__(self, db: Database, *, quiet: float, keep: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.quiet = quiet
        self.keep = keep
        self.clock = clock
        self._bursts: dict[str, _Burst] = {}

    def _trigger(self, type: str, actor: str, project_id: str, data: dict[str, Any]) -> Trigger | None:
        if type.startswith(_OWN_EVENTS):
            if type in ("project.restored", "project.undone"):
                self._bursts.pop(project_id, None)  # the next AI change starts a new burst
            return None
        if type == "project.deleted":
            return "delete"
        if type == "project.imported" and data.get("mode") == "replace":
            return "import"
        if is_ai(actor):
            now, burst = self.clock(), self._bursts.get(project_id)
            self._bursts[project_id] = _Burst(actor, now, burst.checkpoint_id if burst else None)
            if burst is None or now - burst.last >= self.quiet:
                return "ai_burst"
        return None

    def on_commit(self, events: list[Event]) -> None:
        """Hear of committed changes (wired with `Database.on_commit`), this daemon's and other daemons' alike."""
        now = self.clock()
        for event in events:
            project_id = event.project_id
            if project_id is None:
                continue
            if event.type in ("project.restored", "project.undone", "project.deleted"):
                self._bursts.pop(project_id, None)
            elif is_ai(event.actor) and not event.type.startswith(_OWN_EVENTS):
                burst = self._bursts.get(project_id)
                if burst is None or now - burst.last >= self.quiet:
                    # A burst this daemon did not begin (another daemon took its checkpoint).
                    self._bursts[project_id] = _Burst(event.actor, now)
                else:
                    burst.last = now

    async def before_change(
        self,
        tx: Transaction,
        type: str,
        actor: str,
        project_id: str | None,
        data: dict[str, Any],
        entity_ids: Sequence[str] = (),
    ) -> None:
        """Take a checkpoint of the project as committed, if this change is one that needs one first."""
        if project_id is None:
            if is_ai(actor) and type.startswith("knowledge.") and entity_ids:
                await self._guard_globals(tx, actor, entity_ids)
            return
        trigger = self._trigger(type, actor, project_id, data)
        if trigger is None:
            return
        entities = await self.db.read(lambda view: read_state(view, project_id))
        if entities is None:
            return
        reason = {"ai_burst": f"before changes by {actor}", "import": "before an import", "delete": "before deletion"}
        taken, _ = await take_checkpoint(tx, entities, trigger=trigger, actor=actor, reason=reason.get(trigger))
        if trigger == "ai_burst":
            self._bursts[project_id].checkpoint_id = taken.id
        await prune(tx, project_id, self.keep)

    async def _guard_globals(self, tx: Transaction, actor: str, entry_ids: Sequence[str]) -> None:
        """Keep global entries an AI is changing in the checkpoint of each burst of its that goes on."""
        now = self.clock()
        for project_id, burst in self._bursts.items():
            if burst.actor == actor and now - burst.last < self.quiet:
                if burst.checkpoint_id is None:
                    newest = await store.list_checkpoints(tx, project_id, before=None, trigger="ai_burst", limit=1)
                    if not newest:
                        continue
                    burst.checkpoint_id = newest[0].id
                burst.last = now
                await guard_globals(tx, self.db, burst.checkpoint_id, entry_ids)
