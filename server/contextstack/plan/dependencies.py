"""Step dependencies: which steps a step waits for, checked to stay in one project and never form a cycle."""

from __future__ import annotations

from collections import deque

import msgspec

from contextstack.errors import Conflict, FieldError, Invalid
from contextstack.plan import store
from contextstack.plan.models import Step, StepUpdate
from contextstack.storage import Transaction


async def checked_dependencies(
    tx: Transaction, project_id: str, step_id: str | None, depends_on: list[str]
) -> list[str]:
    """What a step may wait for: `depends_on` without repeats, in id (creation) order, once checked.

    Every id must be a step of the project (else Invalid) and together they must not close a cycle through
    `step_id` (else Conflict); both errors name depends_on. `step_id` is None for a step not created yet,
    which nothing can depend on.
    """
    wanted = sorted(set(depends_on))
    if not wanted:
        return wanted
    project_of = await store.step_projects(tx, wanted)
    errors = [
        FieldError(field="depends_on", message=f"no step with id {ref!r}")
        if ref not in project_of
        else FieldError(field="depends_on", message=f"step {ref} is in another project")
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
                errors=[FieldError(field="depends_on", message=f"would make a cycle: {path}")],
            )
    return wanted


async def checked_step_update(tx: Transaction, current: Step, data: StepUpdate) -> StepUpdate:
    """`data` with its `depends_on` (when it sets one) checked like at creation."""
    if isinstance(data.depends_on, msgspec.UnsetType):
        return data
    depends_on = await checked_dependencies(tx, current.project_id, current.id, data.depends_on)
    return msgspec.structs.replace(data, depends_on=depends_on)


async def _cycle_through(tx: Transaction, project_id: str, step_id: str, depends_on: list[str]) -> list[str]:
    """The cycle `step_id` -> … -> `step_id` that depending on `depends_on` would close, or []."""
    waits_for: dict[str, list[str]] = {}
    for waiting, dependency in await store.project_dependencies(tx, project_id, step_id):
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
