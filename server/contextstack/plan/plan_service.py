"""Tracks and phases: create, read, change, move, delete, list; and a project's whole plan in one read."""

from __future__ import annotations

import msgspec

from contextstack.ids import new_id
from contextstack.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor
from contextstack.plan.models import (
    Deleted,
    Move,
    Phase,
    PhaseCreate,
    PhaseList,
    PhaseUpdate,
    Plan,
    PlanPhase,
    PlanTrack,
    Step,
    Track,
    TrackCreate,
    TrackList,
    TrackUpdate,
)
from contextstack.plan.plan_queries import (
    PHASE_COLUMNS,
    TRACK_COLUMNS,
    changed_fields,
    count,
    get_phase,
    get_track,
    insert,
    project_steps,
    refused_parent,
    save_changes,
    save_move,
)
from contextstack.plan.positions import PHASES, TRACKS, close_gap, make_room, move
from contextstack.plan.service import resolve_project, resolve_project_id
from contextstack.storage import Database, Reader
from contextstack.versioning import check_if_match

# Tracks


async def create_track(db: Database, project_ref: str, data: TrackCreate, actor: str) -> Track:
    """Add a track to a project (id or slug), at the end or at `data.position`."""
    async with db.transaction() as tx:
        project_id = await resolve_project_id(tx, project_ref)
        position = await make_room(tx, TRACKS, project_id, data.position)
        track = Track(
            id=new_id("trk"),
            project_id=project_id,
            name=data.name,
            description=data.description,
            position=position,
            version=1,
            created_at=tx.created_at,
            updated_at=tx.created_at,
        )
        await insert(tx, "tracks", TRACK_COLUMNS, msgspec.structs.astuple(track))
        await tx.record_event(
            "track.created",
            actor=data.actor or actor,
            project_id=project_id,
            entity_id=track.id,
            data=msgspec.to_builtins(track),
        )
    return track


async def list_tracks(
    db: Database, project_ref: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> TrackList:
    """A project's tracks in position order, a page at a time."""
    project_id = await resolve_project_id(db, project_ref)
    after = decode_cursor(cursor, int) if cursor else -1
    rows = await db.fetchall(
        f"SELECT {TRACK_COLUMNS} FROM tracks WHERE project_id = ? AND position > ? ORDER BY position LIMIT ?",
        (project_id, after, limit + 1),
    )
    items = [Track(**dict(row)) for row in rows[:limit]]
    return TrackList(items=items, next_cursor=encode_cursor(items[-1].position) if len(rows) > limit else None)


async def update_track(
    db: Database, track_id: str, data: TrackUpdate, actor: str, if_match: str | None = None
) -> Track:
    """Change the fields `data` sets; a change to nothing new is no change (same version, no event)."""
    async with db.transaction() as tx:
        current = await get_track(tx, track_id)
        check_if_match(if_match, current.version, f"track {track_id}")
        changes = changed_fields(data, current, ("name", "description"))
        if not changes:
            return current
        return await save_changes(tx, TRACKS, current, changes, data.actor or actor)


async def move_track(db: Database, track_id: str, data: Move, actor: str, if_match: str | None = None) -> Track:
    """Put a track at another position in its project (its only possible parent)."""
    async with db.transaction() as tx:
        current = await get_track(tx, track_id)
        check_if_match(if_match, current.version, f"track {track_id}")
        if data.parent is not None:
            row = await tx.fetchone("SELECT id FROM projects WHERE id = ? OR slug = ?", (data.parent, data.parent))
            if row is None or row[0] != current.project_id:
                raise refused_parent(TRACKS, data.parent, "a track stays in its project")
        position = await move(tx, TRACKS, current.id, current.project_id, current.project_id, data.position)
        if position == current.position:
            return current
        return await save_move(tx, TRACKS, current, current.project_id, position, data.actor or actor)


async def delete_track(db: Database, track_id: str, actor: str, if_match: str | None = None) -> Deleted:
    """Delete a track with its phases and their steps, in one transaction; say how much went."""
    async with db.transaction() as tx:
        track = await get_track(tx, track_id)
        check_if_match(if_match, track.version, f"track {track_id}")
        counts = {
            "tracks": 1,
            "phases": await count(tx, "SELECT count(*) FROM phases WHERE track_id = ?", (track.id,)),
            "steps": await count(
                tx,
                "SELECT count(*) FROM steps WHERE phase_id IN (SELECT id FROM phases WHERE track_id = ?)",
                (track.id,),
            ),
        }
        await tx.execute("DELETE FROM tracks WHERE id = ?", (track.id,))
        await close_gap(tx, TRACKS, track.project_id)
        deleted = {kind: n for kind, n in counts.items() if n}
        await tx.record_event(
            "track.deleted",
            actor=actor,
            project_id=track.project_id,
            entity_id=track.id,
            data={"name": track.name, "deleted": deleted},
        )
    return Deleted(id=track.id, deleted=deleted)


# Phases


async def create_phase(db: Database, track_id: str, data: PhaseCreate, actor: str) -> Phase:
    """Add a phase to a track, at the end or at `data.position`."""
    async with db.transaction() as tx:
        track = await get_track(tx, track_id)
        position = await make_room(tx, PHASES, track.id, data.position)
        phase = Phase(
            id=new_id("phs"),
            project_id=track.project_id,
            track_id=track.id,
            name=data.name,
            description=data.description,
            position=position,
            version=1,
            created_at=tx.created_at,
            updated_at=tx.created_at,
        )
        await insert(tx, "phases", PHASE_COLUMNS, msgspec.structs.astuple(phase))
        await tx.record_event(
            "phase.created",
            actor=data.actor or actor,
            project_id=phase.project_id,
            entity_id=phase.id,
            data=msgspec.to_builtins(phase),
        )
    return phase


async def list_phases(
    db: Database, track_id: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> PhaseList:
    """A track's phases in position order, a page at a time."""
    track = await get_track(db, track_id)
    after = decode_cursor(cursor, int) if cursor else -1
    rows = await db.fetchall(
        f"SELECT {PHASE_COLUMNS} FROM phases WHERE track_id = ? AND position > ? ORDER BY position LIMIT ?",
        (track.id, after, limit + 1),
    )
    items = [Phase(**dict(row)) for row in rows[:limit]]
    return PhaseList(items=items, next_cursor=encode_cursor(items[-1].position) if len(rows) > limit else None)


async def update_phase(
    db: Database, phase_id: str, data: PhaseUpdate, actor: str, if_match: str | None = None
) -> Phase:
    """Change the fields `data` sets; a change to nothing new is no change (same version, no event)."""
    async with db.transaction() as tx:
        current = await get_phase(tx, phase_id)
        check_if_match(if_match, current.version, f"phase {phase_id}")
        changes = changed_fields(data, current, ("name", "description"))
        if not changes:
            return current
        return await save_changes(tx, PHASES, current, changes, data.actor or actor)


async def move_phase(db: Database, phase_id: str, data: Move, actor: str, if_match: str | None = None) -> Phase:
    """Put a phase at another position in its track, or in another track of the same project."""
    async with db.transaction() as tx:
        current = await get_phase(tx, phase_id)
        check_if_match(if_match, current.version, f"phase {phase_id}")
        track_id = current.track_id
        if data.parent is not None and data.parent != current.track_id:
            row = await tx.fetchone("SELECT project_id FROM tracks WHERE id = ?", (data.parent,))
            if row is None:
                raise refused_parent(PHASES, data.parent, "no track has this id")
            if row[0] != current.project_id:
                raise refused_parent(PHASES, data.parent, "the track is in another project")
            track_id = data.parent
        position = await move(tx, PHASES, current.id, current.track_id, track_id, data.position)
        if (track_id, position) == (current.track_id, current.position):
            return current
        return await save_move(tx, PHASES, current, track_id, position, data.actor or actor)


async def delete_phase(db: Database, phase_id: str, actor: str, if_match: str | None = None) -> Deleted:
    """Delete a phase with its steps, in one transaction; say how much went."""
    async with db.transaction() as tx:
        phase = await get_phase(tx, phase_id)
        check_if_match(if_match, phase.version, f"phase {phase_id}")
        steps = await count(tx, "SELECT count(*) FROM steps WHERE phase_id = ?", (phase.id,))
        await tx.execute("DELETE FROM phases WHERE id = ?", (phase.id,))
        await close_gap(tx, PHASES, phase.track_id)
        deleted = {"phases": 1, **({"steps": steps} if steps else {})}
        await tx.record_event(
            "phase.deleted",
            actor=actor,
            project_id=phase.project_id,
            entity_id=phase.id,
            data={"name": phase.name, "deleted": deleted},
        )
    return Deleted(id=phase.id, deleted=deleted)


# The plan


async def get_plan(db: Database, project_ref: str) -> Plan:
    """A project's whole plan (tracks → phases → steps, each in position order) as of one moment."""
    return await db.read(lambda view: read_plan(view, project_ref))


async def read_plan(view: Reader, project_ref: str) -> Plan:
    """get_plan's answer, read through `view` (as part of a larger read)."""
    project = await resolve_project(view, project_ref)
    tracks = await view.fetchall(
        f"SELECT {TRACK_COLUMNS} FROM tracks WHERE project_id = ? ORDER BY position", (project.id,)
    )
    phases = await view.fetchall(
        f"SELECT {PHASE_COLUMNS} FROM phases WHERE project_id = ? ORDER BY track_id, position", (project.id,)
    )
    steps = await project_steps(view, project.id)
    steps_by_phase: dict[str, list[Step]] = {}
    for step in steps:
        steps_by_phase.setdefault(step.phase_id, []).append(step)
    phases_by_track: dict[str, list[PlanPhase]] = {}
    for row in phases:
        phase = PlanPhase(**dict(row), steps=steps_by_phase.get(row["id"], []))
        phases_by_track.setdefault(phase.track_id, []).append(phase)
    return Plan(
        project=project,
        tracks=[PlanTrack(**dict(row), phases=phases_by_track.get(row["id"], [])) for row in tracks],
    )
