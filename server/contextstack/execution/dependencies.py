"""Step dependencies: which steps a step waits for, checked to stay in one project and never form a cycle."""

from __future__ import annotations

from collections import deque

import msgspec

from contextstack.errors import Conflict, FieldError, Invalid
from contextstack.storage import Reader, Transaction

_encode_json = msgspec.json.Encoder().encode


class Dependency(msgspec.Struct, frozen=True):
    """A step another one waits for, as named in messages."""

    id: str
    title: str
    status: str


async def checked_dependencies(
    tx: Transaction, project_id: str, step_id: str | None, depends_on: list[str]
) -> list[str]:
    """What a step may wait for: `depends_on` without repeats, in id (creation) order, once checked.

    Every id must be a step of the project (else Invalid) and together they must not close a cycle through
    `step_id` (else Conflict); both errors name body.depends_on. `step_id` is None for a step not created yet,
    which nothing can depend on.
    """
    wanted = sorted(set(depends_on))
    if not wanted:
        return wanted
    rows = await tx.fetchall(
        "SELECT id, project_id FROM steps WHERE id IN (SELECT value FROM json_each(?))",
        (_encode_json(wanted).decode(),),
    )
    project_of = {row["id"]: row["project_id"] for row in rows}
    errors = [
        FieldError(field="body.depends_on", message=f"no step with id {ref!r}")
        if ref not in project_of
        else FieldError(field="body.depends_on", message=f"step {ref} is in another project")
        for ref in wanted
        if project_of.get(ref) != project_id
    ]
    if errors:
        raise Invalid(
            "a step can only depend on existing steps of its own project: "
            + "; ".join(error.message for error in errors),
            errors=errors,
        )
    if step_id is not None:
        cycle = await _cycle_through(tx, project_id, step_id, wanted)
        if cycle:
            path = " → ".join(cycle)
            raise Conflict(
                f"these dependencies would make a cycle: {path}",
                errors=[FieldError(field="body.depends_on", message=f"would make a cycle: {path}")],
            )
    return wanted


async def _cycle_through(tx: Transaction, project_id: str, step_id: str, depends_on: list[str]) -> list[str]:
    """The cycle `step_id` -> … -> `step_id` that depending on `depends_on` would close, or []."""
    rows = await tx.fetchall(
        "SELECT d.step_id, d.depends_on FROM step_dependencies AS d JOIN steps AS s ON s.id = d.step_id "
        "WHERE s.project_id = ? AND d.step_id <> ?",
        (project_id, step_id),
    )
    waits_for: dict[str, list[str]] = {}
    for waiting, dependency in rows:
        waits_for.setdefault(waiting, []).append(dependency)
    came_from: dict[str, str] = {dependency: step_id for dependency in depends_on}
    queue = deque(depends_on)
    while queue:
        current = queue.popleft()
        if current == step_id:
            path = [step_id]
            node = came_from[step_id]
            while node != step_id:
                path.append(node)
                node = came_from[node]
            return [step_id, *reversed(path[1:]), step_id]
        for dependency in waits_for.get(current, []):
            if dependency not in came_from:
                came_from[dependency] = current
                queue.append(dependency)
    return []


async def replace_dependencies(tx: Transaction, step_id: str, depends_on: list[str]) -> None:
    """Make `depends_on` (already checked) the whole list of what the step waits for."""
    await tx.execute("DELETE FROM step_dependencies WHERE step_id = ?", (step_id,))
    await tx.executemany(
        "INSERT INTO step_dependencies (step_id, depends_on) VALUES (?, ?)",
        [(step_id, dependency) for dependency in depends_on],
    )


async def unfinished_dependencies(reader: Reader, step_id: str) -> list[Dependency]:
    """The steps this one waits for that are not done yet."""
    rows = await reader.fetchall(
        "SELECT s.id, s.title, s.status FROM step_dependencies AS d JOIN steps AS s ON s.id = d.depends_on "
        "WHERE d.step_id = ? AND s.status <> 'done' ORDER BY s.id",
        (step_id,),
    )
    return [Dependency(row["id"], row["title"], row["status"]) for row in rows]
