"""For any project and any changes after a checkpoint, restoring it gives exactly the snapshot's state.

States are compared as exports with ids, leaving out only what a restore renews: versions and update times.
"""

from __future__ import annotations

from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contextstack.checkpoints import service as checkpoints
from contextstack.checkpoints.models import CheckpointCreate, CheckpointDiff
from contextstack.errors import ContextstackError
from contextstack.execution.models import StatusChange
from contextstack.execution.service import change_status
from contextstack.memory import service as memory
from contextstack.memory.models import KnowledgeCreate, KnowledgeUpdate
from contextstack.plan import service as plan
from contextstack.plan import steps
from contextstack.plan.models import (
    Move,
    PhaseCreate,
    ProjectCreate,
    ProjectUpdate,
    StepCreate,
    StepUpdate,
    TrackCreate,
)
from contextstack.portability.service import export_project
from contextstack.storage import Database

ACTOR = "api"
# Any text a store can hold and JSON can carry: PostgreSQL's text cannot hold the NUL character (U+0000), and a
# lone surrogate (category Cs) is no UTF-8 at all.
STORABLE = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))
RENEWED = ("version", "updated_at")

pick = st.integers(min_value=0, max_value=20)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("track"), pick),
        st.tuples(st.just("phase"), pick),
        st.tuples(st.just("step"), pick, st.integers(min_value=0, max_value=3)),
        st.tuples(st.just("retitle"), pick),
        st.tuples(st.just("status"), pick, st.sampled_from(["todo", "in_progress", "blocked", "done"])),
        st.tuples(st.just("move_step"), pick, pick, st.integers(min_value=0, max_value=3)),
        st.tuples(st.just("move_phase"), pick, pick),
        st.tuples(st.just("delete_step"), pick),
        st.tuples(st.just("delete_phase"), pick),
        st.tuples(st.just("delete_track"), pick),
        st.tuples(st.just("note"), pick, st.booleans()),
        st.tuples(st.just("edit_note"), pick),
        st.tuples(st.just("delete_note"), pick),
        st.tuples(st.just("rename_project"), st.text(STORABLE, min_size=1, max_size=10).filter(str.strip)),
    ),
    max_size=12,
)


def normalised(export: Any) -> Any:
    """An export without what a restore renews."""
    if isinstance(export, dict):
        return {key: normalised(value) for key, value in export.items() if key not in RENEWED}
    if isinstance(export, list):
        return [normalised(item) for item in export]
    return export


async def state(db: Database, project: str) -> Any:
    return normalised(msgspec.to_builtins(await export_project(db, project)))


async def ids(db: Database, project: str, table: str) -> list[str]:
    rows = await db.fetchall(f"SELECT id FROM {table} WHERE project_id = ? ORDER BY id", (project,))
    return [row["id"] for row in rows]


def chosen(items: list[str], n: int) -> str | None:
    return items[n % len(items)] if items else None


async def change(db: Database, project: str, operation: tuple[Any, ...]) -> None:
    kind, n, *rest = operation
    tracks, phases = await ids(db, project, "tracks"), await ids(db, project, "phases")
    step_ids, notes = await ids(db, project, "steps"), await ids(db, project, "knowledge")
    try:
        if kind == "track":
            await plan.create_track(db, project, TrackCreate(name=f"t{n}", position=0 if n % 2 else None), ACTOR)
        elif kind == "phase" and (track := chosen(tracks, n)):
            await plan.create_phase(db, track, PhaseCreate(name=f"p{n}"), ACTOR)
        elif kind == "step" and (phase := chosen(phases, n)):
            depends_on = step_ids[-1:] if rest[0] == 1 else []
            await steps.create_step(
                db, phase, StepCreate(title=f"s{n}", position=0 if rest[0] == 2 else None, depends_on=depends_on), ACTOR
            )
        elif kind == "retitle" and (step := chosen(step_ids, n)):
            await steps.update_step(db, step, StepUpdate(title=f"renamed {n}", acceptance_criteria=["ok"]), ACTOR)
        elif kind == "status" and (step := chosen(step_ids, n)):
            reason = "waiting" if rest[0] == "blocked" else None
            await change_status(db, step, StatusChange(status=rest[0], reason=reason, force=True), ACTOR)
        elif kind == "move_step" and (step := chosen(step_ids, n)) and (phase := chosen(phases, rest[0])):
            await steps.move_step(db, step, Move(position=0, parent=phase), ACTOR)
        elif kind == "move_phase" and (phase := chosen(phases, n)) and (track := chosen(tracks, rest[0])):
            await plan.move_phase(db, phase, Move(position=0, parent=track), ACTOR)
        elif kind == "delete_step" and (step := chosen(step_ids, n)):
            await steps.delete_step(db, step, ACTOR)
        elif kind == "delete_phase" and (phase := chosen(phases, n)):
            await plan.delete_phase(db, phase, ACTOR)
        elif kind == "delete_track" and (track := chosen(tracks, n)):
            await plan.delete_track(db, track, ACTOR)
        elif kind == "note":
            supersedes = chosen(notes, n) if rest[0] else None
            await memory.create_knowledge(
                db,
                KnowledgeCreate(
                    kind="decision", title=f"note {n}", body=f"body {n}", project=project, supersedes=supersedes
                ),
                ACTOR,
            )
        elif kind == "edit_note" and (note := chosen(notes, n)):
            await memory.update_knowledge(db, note, KnowledgeUpdate(body=f"edited {n}", tags=[f"t{n}"]), ACTOR)
        elif kind == "delete_note" and (note := chosen(notes, n)):
            await memory.delete_knowledge(db, note, ACTOR)
        elif kind == "rename_project":
            await plan.update_project(db, project, ProjectUpdate(name=n), ACTOR)
    except ContextstackError:
        pass  # a change the rules refuse (a cycle, a superseded entry) changes nothing


async def search_titles(db: Database, project: str, words: str) -> set[str]:
    hits = await memory.search_knowledge(db, words, project_id=project, kind=None, limit=100, include_superseded=True)
    return {hit.entry.id for hit in hits}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=operations, after=operations)
async def test_restore_gives_exactly_the_snapshot(db: Database, before: list[Any], after: list[Any]) -> None:
    project = (await plan.create_project(db, ProjectCreate(name="restored"), ACTOR)).id
    for operation in before:
        await change(db, project, operation)
    snapshot = await state(db, project)
    found_before = await search_titles(db, project, "note body edited")
    checkpoint = await checkpoints.create_checkpoint(db, project, CheckpointCreate(label="base"), ACTOR)
    assert await checkpoints.diff_checkpoint(db, checkpoint.id) == CheckpointDiff(added=[], removed=[], changed=[])
    for operation in after:
        await change(db, project, operation)

    await checkpoints.restore_checkpoint(db, checkpoint.id, ACTOR)
    assert await state(db, project) == snapshot
    assert await search_titles(db, project, "note body edited") == found_before
    diff = await checkpoints.diff_checkpoint(db, checkpoint.id)
    assert (diff.added, diff.removed, diff.changed) == ([], [], [])

    again = await checkpoints.restore_checkpoint(db, checkpoint.id, ACTOR)
    assert (again.counts.added, again.counts.removed, again.counts.changed) == (0, 0, 0)
    assert await state(db, project) == snapshot
    if db.dialect == "sqlite":
        integrity = await db.fetchone("PRAGMA integrity_check")
        assert integrity is not None
        assert integrity[0] == "ok"
