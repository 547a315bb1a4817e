"""Step status: the rules of changing it, and "where am I" for a project."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import msgspec

from contextstack.errors import Conflict, FieldError, Invalid
from contextstack.execution import store
from contextstack.execution.models import (
    LocatedStep,
    PhaseProgress,
    StatusChange,
    StatusCounts,
    StatusReport,
    TrackProgress,
)
from contextstack.plan import store as plan_store
from contextstack.plan.models import Step
from contextstack.plan.service import resolve_project
from contextstack.plan.steps import get_step
from contextstack.storage import Database, Reader, Row
from contextstack.versioning import check_if_match

DEFAULT_NEXT = 5
DEFAULT_RECENT = 5

_STARTED = ("in_progress", "done")


async def change_status(
    db: Database, step_id: str, data: StatusChange, actor: str, if_match: str | None = None
) -> Step:
    """Move a step to another status, by the rules; a step already there is answered unchanged.

    `blocked` needs a reason (Invalid naming reason). Starting a step (`in_progress` or `done`) while some
    step it depends on is not done is a Conflict naming them, unless `force`. The first start sets
    `started_at`; `done` sets `finished_at` and leaving `done` clears it.
    """
    reason = data.reason.strip() if data.reason else None
    if data.status == "blocked" and not reason:
        raise Invalid(
            "a blocked step needs a reason: say what it waits for",
            errors=[FieldError(field="reason", message="required when the status is blocked")],
        )
    async with db.transaction() as tx:
        step = await get_step(tx, step_id)
        check_if_match(if_match, step.version, f"step {step_id}")
        blocked_reason = reason if data.status == "blocked" else None
        if (data.status, blocked_reason) == (step.status, step.blocked_reason):
            return step
        unfinished = await plan_store.unfinished_dependencies(tx, step.id) if data.status in _STARTED else []
        if unfinished and not data.force:
            named = ", ".join(f"{d.title!r} ({d.id}, {d.status})" for d in unfinished)
            raise Conflict(
                f"step {step.title!r} cannot become {data.status}: it depends on steps not done yet: {named}. "
                "Finish them first, or send force=true.",
                errors=[
                    FieldError(field="depends_on", message=f"{d.id} ({d.title!r}) is {d.status}, not done")
                    for d in unfinished
                ],
            )
        changed = msgspec.structs.replace(
            step,
            status=data.status,
            blocked_reason=blocked_reason,
            started_at=step.started_at or (tx.created_at if data.status in _STARTED else None),
            finished_at=tx.created_at if data.status == "done" else None,
            version=step.version + 1,
            updated_at=tx.created_at,
        )
        await store.save_status(tx, changed)
        await tx.record_event(
            "step.status_changed",
            actor=data.actor or actor,
            project_id=step.project_id,
            entity_id=step.id,
            data={
                "from": step.status,
                "to": changed.status,
                "reason": reason,
                "forced": bool(unfinished),
                "version": changed.version,
            },
        )
    return changed


async def _located(view: Reader, rows: Sequence[Row]) -> dict[str, LocatedStep]:
    """The steps of rows of _STEPS_THAT_MATTER (`bucket`, then step_columns, then where the step is), by id."""
    depends_on = await plan_store.dependencies(view, [row["id"] for row in rows])
    located = {}
    for row in rows:
        fields = plan_store.step_fields_after(row, 1)
        located[fields["id"]] = LocatedStep(
            **fields,
            depends_on=depends_on.get(fields["id"], []),
            track_id=row["track_id"],
            track_name=row["track_name"],
            phase_name=row["phase_name"],
        )
    return located


def _counts(by_status: Mapping[str, int]) -> StatusCounts:
    total = sum(by_status.values())
    done = by_status.get("done", 0)
    return StatusCounts(
        todo=by_status.get("todo", 0),
        in_progress=by_status.get("in_progress", 0),
        blocked=by_status.get("blocked", 0),
        done=done,
        total=total,
        percent_done=round(100 * done / total, 1) if total else 0.0,
    )


def _plan_position(row: Row) -> tuple[int, int, int]:
    return row["track_position"], row["phase_position"], row["position"]


def _finish_order(row: Row) -> tuple[str, str]:
    return row["finished_at"], row["id"]


async def get_status(
    db: Database, project_ref: str, *, next_limit: int = DEFAULT_NEXT, recent_limit: int = DEFAULT_RECENT
) -> StatusReport:
    """Where am I in a project (id or slug), as of one moment: see StatusReport."""
    return await db.read(lambda view: status_report(view, project_ref, next_limit, recent_limit))


async def status_report(view: Reader, project_ref: str, next_limit: int, recent_limit: int) -> StatusReport:
    """get_status's answer, read through `view`."""
    project = await resolve_project(view, project_ref)
    tallies = await store.tallies(view, project.id)
    rows = await store.steps_that_matter(view, project.id, next_limit, recent_limit)
    located = await _located(view, rows)
    buckets: dict[str, list[Row]] = {"now": [], "next": [], "done": []}
    for row in rows:
        buckets[row["bucket"]].append(row)
    now = sorted(buckets["now"], key=_plan_position)
    return StatusReport(
        project=project,
        counts=_counts(_project_tally(tallies)),
        tracks=_tracks(tallies),
        in_progress=[located[row["id"]] for row in now if row["status"] == "in_progress"],
        blocked=[located[row["id"]] for row in now if row["status"] == "blocked"],
        next_steps=[located[row["id"]] for row in sorted(buckets["next"], key=_plan_position)],
        recently_done=[located[row["id"]] for row in sorted(buckets["done"], key=_finish_order, reverse=True)],
    )


def _project_tally(tallies: Sequence[Row]) -> Counter[str]:
    tally: Counter[str] = Counter()
    for row in tallies:
        if row["status"]:
            tally[row["status"]] += row["n"]
    return tally


def _tracks(tallies: Sequence[Row]) -> list[TrackProgress]:
    """Tracks with their phases, in order, from the rows of _TALLIES (one per track, phase and status)."""
    # By track: its first row, and by phase its first row and how many of its steps are in each status.
    tracks: dict[str, tuple[Row, dict[str, tuple[Row, dict[str, int]]]]] = {}
    for row in tallies:
        track = tracks.get(row["track_id"])
        if track is None:
            track = tracks[row["track_id"]] = (row, {})
        phase_id = row["phase_id"]
        if phase_id is None:
            continue
        phase = track[1].get(phase_id)
        if phase is None:
            phase = track[1][phase_id] = (row, {})
        if row["status"]:
            phase[1][row["status"]] = row["n"]
    result = []
    for track_id, (first, phases) in tracks.items():
        track_tally: dict[str, int] = {}
        track_phases = []
        for phase_id, (phase_row, tally) in phases.items():
            for status, n in tally.items():
                track_tally[status] = track_tally.get(status, 0) + n
            track_phases.append(
                PhaseProgress(
                    id=phase_id,
                    name=phase_row["phase_name"],
                    position=phase_row["phase_position"],
                    counts=_counts(tally),
                )
            )
        result.append(
            TrackProgress(
                id=track_id,
                name=first["track_name"],
                position=first["track_position"],
                counts=_counts(track_tally),
                phases=track_phases,
            )
        )
    return result
