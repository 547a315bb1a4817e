"""Steps: create, read, change, move, delete, list. Their status changes in contextstack.execution."""

from __future__ import annotations

from typing import Any

import msgspec

from contextstack.execution.dependencies import checked_dependencies, replace_dependencies
from contextstack.ids import new_id
from contextstack.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor
from contextstack.plan.models import Deleted, Move, Step, StepCreate, StepList, StepUpdate
from contextstack.plan.plan_queries import (
    STEP_COLUMNS,
    changed_fields,
    criteria_text,
    get_phase,
    get_step,
    insert,
    refused_parent,
    save_changes,
    save_move,
    step_row,
    steps_from_rows,
)
from contextstack.plan.positions import STEPS, close_gap, make_room, move
from contextstack.storage import Database, Reader
from contextstack.versioning import check_if_match

_EDITABLE = ("title", "description", "instructions", "acceptance_criteria", "depends_on")


async def create_step(db: Database, phase_id: str, data: StepCreate, actor: str) -> Step:
    """Add a `todo` step to a phase, at the end or at `data.position`; its dependencies are checked first."""
    async with db.transaction() as tx:
        phase = await get_phase(tx, phase_id)
        depends_on = await checked_dependencies(tx, phase.project_id, None, data.depends_on)
        position = await make_room(tx, STEPS, phase.id, data.position)
        step = Step(
            id=new_id("stp"),
            project_id=phase.project_id,
            phase_id=phase.id,
            title=data.title,
            description=data.description,
            instructions=data.instructions,
            acceptance_criteria=data.acceptance_criteria,
            status="todo",
            blocked_reason=None,
            depends_on=depends_on,
            position=position,
            started_at=None,
            finished_at=None,
            version=1,
            created_at=tx.created_at,
            updated_at=tx.created_at,
        )
        await insert(tx, "steps", STEP_COLUMNS, step_row(step))
        await replace_dependencies(tx, step.id, depends_on)
        await tx.record_event(
            "step.created",
            actor=data.actor or actor,
            project_id=step.project_id,
            entity_id=step.id,
            data=msgspec.to_builtins(step),
        )
    return step


async def read_step(db: Database, step_id: str) -> Step:
    """The step with this id (NotFound otherwise), its dependencies as of the same moment."""
    return await db.read(lambda view: get_step(view, step_id))


async def list_steps(db: Database, phase_id: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> StepList:
    """A phase's steps in position order, a page at a time."""
    after = decode_cursor(cursor, int) if cursor else -1

    async def page(view: Reader) -> StepList:
        phase = await get_phase(view, phase_id)
        rows = await view.fetchall(
            f"SELECT {STEP_COLUMNS} FROM steps WHERE phase_id = ? AND position > ? ORDER BY position LIMIT ?",
            (phase.id, after, limit + 1),
        )
        items = await steps_from_rows(view, rows[:limit])
        return StepList(items=items, next_cursor=encode_cursor(items[-1].position) if len(rows) > limit else None)

    return await db.read(page)


async def update_step(db: Database, step_id: str, data: StepUpdate, actor: str, if_match: str | None = None) -> Step:
    """Change a step's text, acceptance criteria or dependencies (which are checked like at creation)."""
    async with db.transaction() as tx:
        current = await get_step(tx, step_id)
        check_if_match(if_match, current.version, f"step {step_id}")
        if not isinstance(data.depends_on, msgspec.UnsetType):
            depends_on = await checked_dependencies(tx, current.project_id, current.id, data.depends_on)
            data = msgspec.structs.replace(data, depends_on=depends_on)
        changes = changed_fields(data, current, _EDITABLE)
        if not changes:
            return current
        if "depends_on" in changes:
            await replace_dependencies(tx, current.id, changes["depends_on"])
        columns: dict[str, Any] = {field: value for field, value in changes.items() if field != "depends_on"}
        if "acceptance_criteria" in columns:
            columns["acceptance_criteria"] = criteria_text(columns["acceptance_criteria"])
        return await save_changes(tx, STEPS, current, changes, data.actor or actor, columns=columns)


async def move_step(db: Database, step_id: str, data: Move, actor: str, if_match: str | None = None) -> Step:
    """Put a step at another position in its phase, or in another phase of the same project."""
    async with db.transaction() as tx:
        current = await get_step(tx, step_id)
        check_if_match(if_match, current.version, f"step {step_id}")
        phase_id = current.phase_id
        if data.parent is not None and data.parent != current.phase_id:
            row = await tx.fetchone("SELECT project_id FROM phases WHERE id = ?", (data.parent,))
            if row is None:
                raise refused_parent(STEPS, data.parent, "no phase has this id")
            if row[0] != current.project_id:
                raise refused_parent(STEPS, data.parent, "the phase is in another project")
            phase_id = data.parent
        position = await move(tx, STEPS, current.id, current.phase_id, phase_id, data.position)
        if (phase_id, position) == (current.phase_id, current.position):
            return current
        return await save_move(tx, STEPS, current, phase_id, position, data.actor or actor)


async def delete_step(db: Database, step_id: str, actor: str, if_match: str | None = None) -> Deleted:
    """Delete a step; steps that depended on it no longer wait for it."""
    async with db.transaction() as tx:
        step = await get_step(tx, step_id)
        check_if_match(if_match, step.version, f"step {step_id}")
        await tx.execute("DELETE FROM steps WHERE id = ?", (step.id,))
        await close_gap(tx, STEPS, step.phase_id)
        deleted = {"steps": 1}
        await tx.record_event(
            "step.deleted",
            actor=actor,
            project_id=step.project_id,
            entity_id=step.id,
            data={"title": step.title, "deleted": deleted},
        )
    return Deleted(id=step.id, deleted=deleted)
