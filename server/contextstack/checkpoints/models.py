"""What goes in and out of checkpoints: a snapshot's summary, a diff, what a restore or an undo did."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from contextstack.plan.models import Actor, Project

Trigger = Literal["manual", "ai_burst", "import", "restore", "delete", "undo"]
EntityKind = Literal["project", "track", "phase", "step", "knowledge"]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["before the refactor"])]
Reason = Annotated[str, msgspec.Meta(max_length=2_000)]


class CheckpointCreate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A checkpoint taken on request; a labelled one is kept until deleted."""

    label: Label | None = None
    reason: Reason | None = None
    actor: Actor | None = None


class Checkpoint(msgspec.Struct, frozen=True, kw_only=True):
    """A complete snapshot of one project: its plan with statuses and dependencies, and its own knowledge."""

    id: str
    project_id: str
    project_slug: str
    label: str | None
    reason: str | None
    trigger: Trigger
    automatic: bool
    actor: str
    event_id: Annotated[int, msgspec.Meta(description="The newest event of the store when it was taken.")]
    counts: Annotated[dict[str, int], msgspec.Meta(description="Entities by kind.")]
    size: Annotated[int, msgspec.Meta(description="Bytes of its entities' JSON (shared with other checkpoints).")]
    created_at: str
    version: int = 1


class CheckpointList(msgspec.Struct, frozen=True):
    items: list[Checkpoint]
    next_cursor: str | None


class DiffEntity(msgspec.Struct, frozen=True, kw_only=True):
    kind: EntityKind
    id: str
    title: str


class FieldChange(msgspec.Struct, frozen=True, kw_only=True):
    before: Any
    after: Any


class ChangedEntity(msgspec.Struct, frozen=True, kw_only=True):
    kind: EntityKind
    id: str
    title: str
    fields: dict[str, FieldChange]


class CheckpointDiff(msgspec.Struct, frozen=True, kw_only=True):
    """What differs from the checkpoint to the other side (`now` or a later checkpoint); versions and update
    times left out."""

    added: list[DiffEntity]
    removed: list[DiffEntity]
    changed: list[ChangedEntity]


class ChangeCounts(msgspec.Struct, frozen=True, kw_only=True):
    added: int
    removed: int
    changed: int


class RestoreRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    actor: Actor | None = None


class RestoreResult(msgspec.Struct, frozen=True, kw_only=True):
    """The project as restored, the checkpoint of what it was just before, and what the restore changed."""

    project: Project
    checkpoint_before_restore: str | None
    counts: ChangeCounts


class UndoRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Revert the last AI burst; `force` also reverts what a person changed since on the same entities."""

    force: bool = False
    actor: Actor | None = None


class UndoResult(msgspec.Struct, frozen=True, kw_only=True):
    project: Project
    checkpoint_before_undo: str
    undone: Annotated[str, msgspec.Meta(description="The checkpoint taken before the burst.")]
    counts: ChangeCounts
