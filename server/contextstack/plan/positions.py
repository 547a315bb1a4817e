"""Where tracks, phases and steps sit among their siblings: positions 0..n-1, without gaps or duplicates."""

from __future__ import annotations

from typing import NamedTuple

from contextstack.errors import FieldError, Invalid
from contextstack.storage import Reader, Transaction


class Level(NamedTuple):
    """One level of the plan: its table, and the column naming each row's parent."""

    kind: str
    table: str
    parent_kind: str
    parent_column: str


TRACKS = Level("track", "tracks", "project", "project_id")
PHASES = Level("phase", "phases", "track", "track_id")
STEPS = Level("step", "steps", "phase", "phase_id")


async def sibling_ids(reader: Reader, level: Level, parent_id: str) -> list[str]:
    """The ids of a parent's children, in position order."""
    rows = await reader.fetchall(
        f"SELECT id FROM {level.table} WHERE {level.parent_column} = ? ORDER BY position", (parent_id,)
    )
    return [str(row[0]) for row in rows]


def checked_position(level: Level, position: int | None, count: int, *, inserting: bool) -> int:
    """`position` (the end when None) if it is a place among `count` siblings; Invalid naming body.position if not.

    Inserting, the end is `count` (appended); moving within the same parent, it is `count - 1`.
    """
    last = count if inserting else count - 1
    if position is None:
        return last
    if position > last:
        children = f"{count} {level.kind}{'' if count == 1 else 's'}"
        raise Invalid(
            f"position {position} is out of range: the {level.parent_kind} has {children}, so 0..{last}",
            errors=[FieldError(field="body.position", message=f"must be between 0 and {last}")],
        )
    return position


async def _write_positions(tx: Transaction, level: Level, parent_id: str, positions: dict[str, int]) -> None:
    # SQLite checks the unique (parent, position) index row by row, so a shift written in place would collide
    # with a sibling not yet moved: park every moving row at -1 - target first, then flip the parked rows.
    await tx.executemany(
        f"UPDATE {level.table} SET position = ? WHERE id = ? AND position <> ?",
        [(-1 - target, item, target) for item, target in positions.items()],
    )
    await tx.execute(
        f"UPDATE {level.table} SET position = -1 - position WHERE {level.parent_column} = ? AND position < 0",
        (parent_id,),
    )


async def make_room(tx: Transaction, level: Level, parent_id: str, position: int | None) -> int:
    """Open a gap at `position` (default: the end) among a parent's children, and return it."""
    siblings = await sibling_ids(tx, level, parent_id)
    at = checked_position(level, position, len(siblings), inserting=True)
    await _write_positions(tx, level, parent_id, {item: i + 1 for i, item in enumerate(siblings) if i >= at})
    return at


async def close_gap(tx: Transaction, level: Level, parent_id: str) -> None:
    """Number a parent's children 0..n-1 again, in their order, after one of them left."""
    siblings = await sibling_ids(tx, level, parent_id)
    await _write_positions(tx, level, parent_id, {item: i for i, item in enumerate(siblings)})


async def move(tx: Transaction, level: Level, item: str, old_parent: str, new_parent: str, position: int) -> int:
    """Move `item` to `position` among the children of `new_parent` (which may be `old_parent`); return it."""
    if new_parent == old_parent:
        siblings = [other for other in await sibling_ids(tx, level, old_parent) if other != item]
        at = checked_position(level, position, len(siblings) + 1, inserting=False)
        siblings.insert(at, item)
        await _write_positions(tx, level, old_parent, {other: i for i, other in enumerate(siblings)})
        return at
    at = await make_room(tx, level, new_parent, position)
    await tx.execute(
        f"UPDATE {level.table} SET {level.parent_column} = ?, position = ? WHERE id = ?", (new_parent, at, item)
    )
    await close_gap(tx, level, old_parent)
    return at
