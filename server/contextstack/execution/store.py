"""The SQL of the execution layer: a step's status, and the statements "where am I" is read with."""

from __future__ import annotations

from contextstack.plan.models import Step
from contextstack.plan.store import step_columns
from contextstack.storage import Reader, Row, Transaction

# The steps "where am I" names, in one statement: every step in progress or blocked, the first `todo` steps whose
# dependencies are all done, and the last finished. `bucket` says which list a row belongs to; the plan-order keys
# come along so that each list is put in order after the one round trip. The next steps are found by walking the
# plan in order (tracks, phases, steps by position), which stops at the LIMIT instead of sorting every todo step:
# SQLite's CROSS JOIN keeps the tables in that order (PostgreSQL's planner chooses its own; its CROSS JOIN takes
# no ON).
_LOCATED_COLUMNS = (
    f"{step_columns('s')}, t.id AS track_id, t.name AS track_name, p.name AS phase_name, "
    "t.position AS track_position, p.position AS phase_position"
)
_BY_STEP = (
    f"SELECT {_LOCATED_COLUMNS} FROM steps AS s JOIN phases AS p ON p.id = s.phase_id "
    "JOIN tracks AS t ON t.id = p.track_id WHERE s.project_id = :project_id AND "
)
_IN_PLAN_ORDER = (
    f"SELECT {_LOCATED_COLUMNS} FROM tracks AS t {{join}} phases AS p ON p.track_id = t.id "
    "{join} steps AS s ON s.phase_id = p.id WHERE t.project_id = :project_id AND "
)
_WAITING = (
    "EXISTS (SELECT 1 FROM step_dependencies AS d JOIN steps AS w ON w.id = d.depends_on "
    "WHERE d.step_id = s.id AND w.status <> 'done')"
)
_STEPS_THAT_MATTER = (
    f"SELECT 'now' AS bucket, * FROM ({_BY_STEP} s.status IN ('in_progress', 'blocked')) AS in_hand "
    f"UNION ALL SELECT 'next', * FROM ({_IN_PLAN_ORDER} s.status = 'todo' AND NOT {_WAITING} "
    "ORDER BY t.position, p.position, s.position LIMIT :next_limit) AS coming "
    f"UNION ALL SELECT 'done', * FROM ({_BY_STEP} s.finished_at IS NOT NULL "
    "ORDER BY s.finished_at DESC, s.id DESC LIMIT :recent_limit) AS finished"
)
_STEPS_THAT_MATTER_IN = {
    "sqlite": _STEPS_THAT_MATTER.format(join="CROSS JOIN"),
    "postgresql": _STEPS_THAT_MATTER.format(join="JOIN"),
}
# Every track, its phases and how many of their steps are in each status (index steps_tally), in one statement.
_TALLIES = (
    "SELECT t.id AS track_id, t.name AS track_name, t.position AS track_position, "
    "p.id AS phase_id, p.name AS phase_name, p.position AS phase_position, c.status, c.n "
    "FROM tracks AS t LEFT JOIN phases AS p ON p.track_id = t.id "
    "LEFT JOIN (SELECT phase_id, status, count(*) AS n FROM steps WHERE project_id = :project_id "
    "GROUP BY phase_id, status) AS c ON c.phase_id = p.id "
    "WHERE t.project_id = :project_id ORDER BY t.position, p.position"
)


async def steps_that_matter(view: Reader, project_id: str, next_limit: int, recent_limit: int) -> list[Row]:
    """The steps "where am I" names, one row each: `bucket` (now, next or done), a step's columns (step_columns, in
    their order), where it is.

    Besides the step's columns, a row holds `track_id`, `track_name`, `phase_name`, `track_position` and
    `phase_position`.
    """
    return await view.fetchall(
        _STEPS_THAT_MATTER_IN[view.dialect],
        {"project_id": project_id, "next_limit": next_limit, "recent_limit": recent_limit},
    )


async def tallies(view: Reader, project_id: str) -> list[Row]:
    """How many steps of each phase of each track are in each status, a row per track, phase and status.

    A row holds `track_id`, `track_name`, `track_position`, `phase_id`, `phase_name`, `phase_position`,
    `status` and `n` (a track without phases, or a phase without steps, has None for what it lacks).
    """
    return await view.fetchall(_TALLIES, {"project_id": project_id})


async def save_status(tx: Transaction, step: Step) -> None:
    """Write a step's status, blocked reason, start and finish times and version."""
    await tx.execute(
        "UPDATE steps SET status = ?, blocked_reason = ?, started_at = ?, finished_at = ?, version = ?, "
        "updated_at = ? WHERE id = ?",
        (step.status, step.blocked_reason, step.started_at, step.finished_at, step.version, step.updated_at, step.id),
    )
