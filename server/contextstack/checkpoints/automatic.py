"""Automatic checkpoints: before an AI's burst of changes to a project, an import replacing it, or its deletion.

The store calls `before_change` in each transaction before it records an event. The state as committed is
still the one before the transaction, so that is what the checkpoint keeps, read on a reader thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from contextstack.checkpoints.models import Trigger
from contextstack.checkpoints.service import prune, take_checkpoint
from contextstack.checkpoints.snapshot import read_state
from contextstack.storage import Database, Transaction

# Events of checkpoints themselves, and of restores and undos (which take their own checkpoints first).
_OWN_EVENTS = ("checkpoint.", "project.restored", "project.undone")


def is_ai(actor: str) -> bool:
    """Whether a change is an AI's: its actor is `ai:<model>`."""
    return actor.startswith("ai:")


class AutomaticCheckpoints:
    """Takes the automatic checkpoints, and keeps the newest `keep` of them per project."""

    def __init__(self, db: Database, *, quiet: float, keep: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.db = db
        self.quiet = quiet
        self.keep = keep
        self.clock = clock
        self._last_ai_change: dict[str, float] = {}

    def _trigger(self, type: str, actor: str, project_id: str, data: dict[str, Any]) -> Trigger | None:
        if type.startswith(_OWN_EVENTS):
            if type in ("project.restored", "project.undone"):
                self._last_ai_change.pop(project_id, None)  # the next AI change starts a new burst
            return None
        if type == "project.deleted":
            return "delete"
        if type == "project.imported" and data.get("mode") == "replace":
            return "import"
        if is_ai(actor):
            now, last = self.clock(), self._last_ai_change.get(project_id)
            self._last_ai_change[project_id] = now
            if last is None or now - last >= self.quiet:
                return "ai_burst"
        return None

    async def before_change(
        self, tx: Transaction, type: str, actor: str, project_id: str | None, data: dict[str, Any]
    ) -> None:
        """Take a checkpoint of the project as committed, if this change is one that needs one first."""
        if project_id is None:
            return
        trigger = self._trigger(type, actor, project_id, data)
        if trigger is None:
            return
        entities = await self.db.read(lambda view: read_state(view, project_id))
        if entities is None:
            return
        reason = {"ai_burst": f"before changes by {actor}", "import": "before an import", "delete": "before deletion"}
        await take_checkpoint(tx, entities, trigger=trigger, actor=actor, reason=reason.get(trigger))
        await prune(tx, project_id, self.keep)
