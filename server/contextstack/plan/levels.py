"""The plan's levels (tracks, phases, steps) and what they share: positions, and update, move and delete, once.

Under every parent the children's positions run 0..n-1, without gaps or duplicates.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec

from contextstack.errors import FieldError, Invalid, NotFound
from contextstack.plan import store
from contextstack.plan.dependencies import checked_step_update
from contextstack.plan.models import Deleted, Move, Phase, Step, Track
from contextstack.storage import Database, Reader, Transaction
from contextstack.versioning import check_if_match

Item = TypeVar("Item", Track, Phase, Step)


@dataclass(frozen=True)
class Level(Generic[Item]):
    """One level of the plan: what it is called, where it is stored, and how its items are read and written."""

    kind: str
    parent_kind: str
    table: store.Table
    editable: tuple[str, ...]
    named_by: str  # the field a deletion's event names the item by
    read: Callable[[Reader, str], Awaitable[Item | None]]
    write: Callable[[Transaction, str, dict[str, Any], int, str], Awaitable[None]]
    parent_project: Callable[[Reader, str], Awaitable[str | None]]
    count_contents: Callable[[Reader, str], Awaitable[dict[str, int]]] | None = None
    fixed_parent: bool = False
    check_update: Callable[[Transaction, Item, Any], Awaitable[Any]] | None = None

    @property
    def parent_column(self) -> str:
        return self.table.parent_column


TRACKS = Level[Track](
    kind="track",
    parent_kind="project",
    table=store.TRACKS,
    editable=("name", "description"),
    named_by="name",
    read=store.get_track,
    write=store.update_track,
    parent_project=store.get_project_id,
    count_contents=store.count_track_contents,
    fixed_parent=True,
)
PHASES = Level[Phase](
    kind="phase",
    parent_kind="track",
    table=store.PHASES,
    editable=("name", "description"),
    named_by="name",
    read=store.get_phase,
    write=store.update_phase,
    parent_project=store.track_project,
    count_contents=store.count_phase_contents,
)
STEPS = Level[Step](
    kind="step",
    parent_kind="phase",
    table=store.STEPS,
    editable=("title", "description", "instructions", "acceptance_criteria", "depends_on"),
    named_by="title",
    read=store.get_step,
    write=store.update_step,
    parent_project=store.phase_project,
    check_update=checked_step_update,
)


async def get(reader: Reader, level: Level[Item], item_id: str) -> Item:
    """The item of this level with this id; NotFound otherwise."""
    item = await level.read(reader, item_id)
    if item is None:
        raise NotFound(f"no {level.kind} with id {item_id!r}")
    return item


async def update(
    db: Database, level: Level[Item], item_id: str, data: Any, actor: str, if_match: str | None = None
) -> Item:
    """Change the fields `data` sets, logged as `<kind>.updated`; a change to nothing new is no change."""
    async with db.transaction() as tx:
        current = await get(tx, level, item_id)
        check_if_match(if_match, current.version, f"{level.kind} {item_id}")
        if level.check_update is not None:
            data = await level.check_update(tx, current, data)
        changes = {
            field: value
            for field in level.editable
            if (value := getattr(data, field)) is not msgspec.UNSET and value != getattr(current, field)
        }
        if not changes:
            return current
        updated = msgspec.structs.replace(current, **changes, version=current.version + 1, updated_at=tx.created_at)
        await level.write(tx, current.id, changes, updated.version, updated.updated_at)
        await tx.record_event(
            f"{level.kind}.updated",
            actor=data.actor or actor,
            project_id=current.project_id,
            entity_id=current.id,
            data={**changes, "version": updated.version},
        )
    return updated


async def move(
    db: Database, level: Level[Item], item_id: str, data: Move, actor: str, if_match: str | None = None
) -> Item:
    """Put an item at another position under its parent, or under another parent of the same project."""
    async with db.transaction() as tx:
        current = await get(tx, level, item_id)
        check_if_match(if_match, current.version, f"{level.kind} {item_id}")
        here = getattr(current, level.parent_column)
        there = await _destination(tx, level, current, data.parent)
        position = await _place(tx, level, current.id, here, there, data.position)
        if (there, position) == (here, current.position):
            return current
        moved = msgspec.structs.replace(
            current,
            **{level.parent_column: there},
            position=position,
            version=current.version + 1,
            updated_at=tx.created_at,
        )
        await store.set_version(tx, level.table, current.id, moved.version, moved.updated_at)
        await tx.record_event(
            f"{level.kind}.moved",
            actor=data.actor or actor,
            project_id=current.project_id,
            entity_id=current.id,
            data={
                "from": {level.parent_column: here, "position": current.position},
                "to": {level.parent_column: there, "position": position},
                "version": moved.version,
            },
        )
    return moved


async def delete(db: Database, level: Level[Item], item_id: str, actor: str, if_match: str | None = None) -> Deleted:
    """Delete an item with everything under it, in one transaction; say how much went."""
    async with db.transaction() as tx:
        item = await get(tx, level, item_id)
        check_if_match(if_match, item.version, f"{level.kind} {item_id}")
        contents = await level.count_contents(tx, item.id) if level.count_contents else {}
        deleted = {level.table.name: 1, **{kind: n for kind, n in contents.items() if n}}
        await store.delete_item(tx, level.table, item.id)
        await close_gap(tx, level, getattr(item, level.parent_column))
        await tx.record_event(
            f"{level.kind}.deleted",
            actor=actor,
            project_id=item.project_id,
            entity_id=item.id,
            data={level.named_by: getattr(item, level.named_by), "deleted": deleted},
        )
    return Deleted(id=item.id, deleted=deleted)


async def _destination(tx: Transaction, level: Level[Item], current: Item, parent: str | None) -> str:
    """The parent a move puts the item under: its own unless `parent` names another of the same project."""
    here: str = getattr(current, level.parent_column)
    if parent is None or (parent == here and not level.fixed_parent):
        return here
    project_id = await level.parent_project(tx, parent)
    if level.fixed_parent:
        if project_id != current.project_id:
            raise _refused_parent(level, parent, f"a {level.kind} stays in its {level.parent_kind}")
        return here
    if project_id is None:
        raise _refused_parent(level, parent, f"no {level.parent_kind} has this id")
    if project_id != current.project_id:
        raise _refused_parent(level, parent, f"the {level.parent_kind} is in another project")
    return parent


def _refused_parent(level: Level[Any], parent: str, why: str) -> Invalid:
    return Invalid(
        f"cannot move the {level.kind} to {parent!r}: {why}", errors=[FieldError(field="parent", message=why)]
    )


# Positions


def _checked_position(level: Level[Any], position: int | None, count: int, *, inserting: bool) -> int:
    """`position` (the end when None) if it is a place among `count` siblings; Invalid naming position if not.

    Inserting, the end is `count` (appended); moving within the same parent, it is `count - 1`.
    """
    last = count if inserting else count - 1
    if position is None:
        return last
    if position > last:
        children = f"{count} {level.kind}{'' if count == 1 else 's'}"
        raise Invalid(
            f"position {position} is out of range: the {level.parent_kind} has {children}, so 0..{last}",
            errors=[FieldError(field="position", message=f"must be between 0 and {last}")],
        )
    return position


async def make_room(tx: Transaction, level: Level[Any], parent_id: str, position: int | None) -> int:
    """Open a gap at `position` (default: the end) among a parent's children, and return it."""
    siblings = await store.sibling_ids(tx, level.table, parent_id)
    at = _checked_position(level, position, len(siblings), inserting=True)
    await store.write_positions(tx, level.table, parent_id, {item: i + 1 for i, item in enumerate(siblings) if i >= at})
    return at


async def close_gap(tx: Transaction, level: Level[Any], parent_id: str) -> None:
    """Number a parent's children 0..n-1 again, in their order, after one of them left."""
    siblings = await store.sibling_ids(tx, level.table, parent_id)
    await store.write_positions(tx, level.table, parent_id, {item: i for i, item in enumerate(siblings)})


async def _place(tx: Transaction, level: Level[Any], item: str, old_parent: str, new_parent: str, position: int) -> int:
    """Move `item` to `position` among the children of `new_parent` (which may be `old_parent`); return it."""
    if new_parent == old_parent:
        siblings = [other for other in await store.sibling_ids(tx, level.table, old_parent) if other != item]
        at = _checked_position(level, position, len(siblings) + 1, inserting=False)
        siblings.insert(at, item)
        await store.write_positions(tx, level.table, old_parent, {other: i for i, other in enumerate(siblings)})
        return at
    at = await make_room(tx, level, new_parent, position)
    await store.set_parent(tx, level.table, item, new_parent, at)
    await close_gap(tx, level, old_parent)
    return at
