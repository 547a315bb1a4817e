"""Steps: create, read, change, move, delete, list. Their status changes in contextstack.execution."""

from __future__ import annotations

import msgspec

from contextstack.ids import new_id
from contextstack.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor
from contextstack.plan import levels, store
from contextstack.plan.dependencies import checked_dependencies
from contextstack.plan.levels import STEPS, make_room
from contextstack.plan.models import Deleted, Move, Step, StepCreate, StepList, StepUpdate
from contextstack.plan.service import get_phase
from contextstack.storage import Database, Reader


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
        await store.insert_steps(tx, [step])
        await tx.record_event(
            "step.created",
            actor=data.actor or actor,
            project_id=step.project_id,
            entity_id=step.id,
            data=msgspec.to_builtins(step),
        )
    return step


async def get_step(reader: Reader, step_id: str) -> Step:
    """The step with this id, its dependencies included; NotFound otherwise."""
    return await levels.get(reader, STEPS, step_id)


async def read_step(db: Database, step_id: str) -> Step:
    """The step with this id (NotFound otherwise), its dependencies as of the same moment."""
    return await db.read(lambda view: get_step(view, step_id))


async def list_steps(db: Database, phase_id: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> StepList:
    """A phase's steps in position order, a page at a time."""
    after = decode_cursor(cursor, int) if cursor else -1

    async def page(view: Reader) -> StepList:
        phase = await get_phase(view, phase_id)
        found = await store.list_steps(view, phase.id, after, limit + 1)
        items = found[:limit]
        return StepList(items=items, next_cursor=encode_cursor(items[-1].position) if len(found) > limit else None)

    return await db.read(page)


async def update_step(db: Database, step_id: str, data: StepUpdate, actor: str, if_match: str | None = None) -> Step:
    """Change a step's text, acceptance criteria or dependencies (which are checked like at creation)."""
    return await levels.update(db, STEPS, step_id, data, actor, if_match)


async def move_step(db: Database, step_id: str, data: Move, actor: str, if_match: str | None = None) -> Step:
    """Put a step at another position in its phase, or in another phase of the same project."""
    return await levels.move(db, STEPS, step_id, data, actor, if_match)


async def delete_step(db: Database, step_id: str, actor: str, if_match: str | None = None) -> Deleted:
    """Delete a step; steps that depended on it no longer wait for it."""
    return await levels.delete(db, STEPS, step_id, actor, if_match)
