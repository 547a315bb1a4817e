"""Projects, tracks and phases: create, read, change, move, delete, list; and a project's whole plan in one read."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import msgspec

from contextstack.errors import Conflict, FieldError, NotFound
from contextstack.ids import new_id
from contextstack.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor
from contextstack.plan import levels, store
from contextstack.plan.levels import PHASES, TRACKS, make_room
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
    Project,
    ProjectCreate,
    ProjectList,
    ProjectUpdate,
    Step,
    Track,
    TrackCreate,
    TrackList,
    TrackUpdate,
)
from contextstack.storage import Database, Reader, Transaction
from contextstack.versioning import check_if_match

SLUG_LENGTH = 63  # the longest slug the API takes (models.Slug)


def slugify(name: str) -> str:
    """A URL-safe slug from a name: `My App (v2)` -> `my-app-v2`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:SLUG_LENGTH].strip("-")
    return slug or "project"


async def resolve_project(reader: Reader, ref: str) -> Project:
    """The project with this id or slug; NotFound otherwise."""
    project = await store.get_project(reader, ref)
    if project is None:
        raise NotFound(f"no project with id or slug {ref!r}")
    return project


async def resolve_project_id(reader: Reader, ref: str) -> str:
    """The id of the project with this id or slug; NotFound otherwise."""
    project_id = await store.get_project_id(reader, ref)
    if project_id is None:
        raise NotFound(f"no project with id or slug {ref!r}")
    return project_id


async def free_slug(tx: Transaction, base: str) -> str:
    """`base`, or `base-2`, `base-3` … : the first slug no project uses, cut to fit a slug's 63 characters."""
    # Every candidate starts with base[:50] (a suffix needs at most 13 characters), so one query finds them all.
    taken = await store.slugs_starting_with(tx, base[:50])
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        suffix = f"-{n}"
        candidate = base[: SLUG_LENGTH - len(suffix)] + suffix
    return candidate


async def ensure_slug_free(tx: Transaction, slug: str, field: str) -> None:
    """Conflict naming `field` when another project uses `slug`."""
    if await store.slug_taken(tx, slug):
        raise Conflict(
            f"the slug {slug!r} is taken by another project",
            errors=[FieldError(field=field, message="already in use")],
        )


# Projects


async def create_project(db: Database, data: ProjectCreate, actor: str) -> Project:
    """Add a project, under `data.slug` or a free slug made from its name."""
    async with db.transaction() as tx:
        if data.slug is not None:
            await ensure_slug_free(tx, data.slug, "slug")
            slug = data.slug
        else:
            slug = await free_slug(tx, slugify(data.name))
        project = Project(
            id=new_id("prj"),
            slug=slug,
            name=data.name,
            description=data.description,
            instructions=data.instructions,
            status="active",
            version=1,
            created_at=tx.created_at,
            updated_at=tx.created_at,
        )
        await store.insert_project(tx, project)
        await tx.record_event(
            "project.created",
            actor=data.actor or actor,
            project_id=project.id,
            entity_id=project.id,
            data=msgspec.to_builtins(project),
        )
    return project


async def get_project(db: Database, ref: str) -> Project:
    """The project with this id or slug; NotFound otherwise."""
    return await resolve_project(db, ref)


async def list_projects(
    db: Database, *, status: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> ProjectList:
    """Projects in creation order, a page at a time."""
    after = decode_cursor(cursor, str) if cursor else None
    found = await store.list_projects(db, status, after, limit + 1)
    items = found[:limit]
    next_cursor = encode_cursor(items[-1].id) if len(found) > limit else None
    return ProjectList(items=items, next_cursor=next_cursor)


async def update_project(
    db: Database, ref: str, data: ProjectUpdate, actor: str, if_match: str | None = None
) -> Project:
    """Change the fields `data` sets; a change to nothing new is no change (same version, no event)."""
    async with db.transaction() as tx:
        current = await resolve_project(tx, ref)
        check_if_match(if_match, current.version, f"project {current.slug!r}")
        changes: dict[str, Any] = {
            field: value
            for field in ("name", "slug", "description", "instructions", "status")
            if (value := getattr(data, field)) is not msgspec.UNSET and value != getattr(current, field)
        }
        if not changes:
            return current
        if "slug" in changes:
            await ensure_slug_free(tx, changes["slug"], "slug")
        updated = msgspec.structs.replace(current, **changes, version=current.version + 1, updated_at=tx.created_at)
        await store.update_project(tx, current.id, changes, updated.version, updated.updated_at)
        await tx.record_event(
            "project.updated",
            actor=data.actor or actor,
            project_id=current.id,
            entity_id=current.id,
            data={**changes, "version": updated.version},
        )
    return updated


async def delete_project(db: Database, ref: str, actor: str, if_match: str | None = None) -> Deleted:
    """Delete a project and everything under it, in one transaction; say how much went."""
    async with db.transaction() as tx:
        project = await resolve_project(tx, ref)
        check_if_match(if_match, project.version, f"project {project.slug!r}")
        counts = {"projects": 1, **await store.count_project_contents(tx, project.id)}
        await store.delete_project(tx, project.id)
        await tx.record_event(
            "project.deleted",
            actor=actor,
            project_id=project.id,
            entity_id=project.id,
            data={"slug": project.slug, "deleted": counts},
        )
    return Deleted(id=project.id, deleted=counts)


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
        await store.insert_tracks(tx, [track])
        await tx.record_event(
            "track.created",
            actor=data.actor or actor,
            project_id=project_id,
            entity_id=track.id,
            data=msgspec.to_builtins(track),
        )
    return track


async def get_track(reader: Reader, track_id: str) -> Track:
    """The track with this id; NotFound otherwise."""
    return await levels.get(reader, TRACKS, track_id)


async def list_tracks(
    db: Database, project_ref: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> TrackList:
    """A project's tracks in position order, a page at a time."""
    project_id = await resolve_project_id(db, project_ref)
    after = decode_cursor(cursor, int) if cursor else -1
    found = await store.list_tracks(db, project_id, after, limit + 1)
    items = found[:limit]
    return TrackList(items=items, next_cursor=encode_cursor(items[-1].position) if len(found) > limit else None)


async def update_track(
    db: Database, track_id: str, data: TrackUpdate, actor: str, if_match: str | None = None
) -> Track:
    """Change the fields `data` sets; a change to nothing new is no change (same version, no event)."""
    return await levels.update(db, TRACKS, track_id, data, actor, if_match)


async def move_track(db: Database, track_id: str, data: Move, actor: str, if_match: str | None = None) -> Track:
    """Put a track at another position in its project (its only possible parent)."""
    return await levels.move(db, TRACKS, track_id, data, actor, if_match)


async def delete_track(db: Database, track_id: str, actor: str, if_match: str | None = None) -> Deleted:
    """Delete a track with its phases and their steps, in one transaction; say how much went."""
    return await levels.delete(db, TRACKS, track_id, actor, if_match)


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
        await store.insert_phases(tx, [phase])
        await tx.record_event(
            "phase.created",
            actor=data.actor or actor,
            project_id=phase.project_id,
            entity_id=phase.id,
            data=msgspec.to_builtins(phase),
        )
    return phase


async def get_phase(reader: Reader, phase_id: str) -> Phase:
    """The phase with this id; NotFound otherwise."""
    return await levels.get(reader, PHASES, phase_id)


async def list_phases(
    db: Database, track_id: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> PhaseList:
    """A track's phases in position order, a page at a time."""
    track = await get_track(db, track_id)
    after = decode_cursor(cursor, int) if cursor else -1
    found = await store.list_phases(db, track.id, after, limit + 1)
    items = found[:limit]
    return PhaseList(items=items, next_cursor=encode_cursor(items[-1].position) if len(found) > limit else None)


async def update_phase(
    db: Database, phase_id: str, data: PhaseUpdate, actor: str, if_match: str | None = None
) -> Phase:
    """Change the fields `data` sets; a change to nothing new is no change (same version, no event)."""
    return await levels.update(db, PHASES, phase_id, data, actor, if_match)


async def move_phase(db: Database, phase_id: str, data: Move, actor: str, if_match: str | None = None) -> Phase:
    """Put a phase at another position in its track, or in another track of the same project."""
    return await levels.move(db, PHASES, phase_id, data, actor, if_match)


async def delete_phase(db: Database, phase_id: str, actor: str, if_match: str | None = None) -> Deleted:
    """Delete a phase with its steps, in one transaction; say how much went."""
    return await levels.delete(db, PHASES, phase_id, actor, if_match)


# The plan


async def get_plan(db: Database, project_ref: str) -> Plan:
    """A project's whole plan (tracks → phases → steps, each in position order) as of one moment."""
    return await db.read(lambda view: read_plan(view, project_ref))


async def read_plan(view: Reader, project_ref: str) -> Plan:
    """get_plan's answer, read through `view` (as part of a larger read)."""
    project = await resolve_project(view, project_ref)
    tracks = await store.project_tracks(view, project.id)
    phases = await store.project_phases(view, project.id)
    steps_by_phase: dict[str, list[Step]] = {}
    for step in await store.project_steps(view, project.id):
        steps_by_phase.setdefault(step.phase_id, []).append(step)
    phases_by_track: dict[str, list[PlanPhase]] = {}
    for phase in phases:
        phases_by_track.setdefault(phase.track_id, []).append(
            PlanPhase(**msgspec.structs.asdict(phase), steps=steps_by_phase.get(phase.id, []))
        )
    return Plan(
        project=project,
        tracks=[
            PlanTrack(**msgspec.structs.asdict(track), phases=phases_by_track.get(track.id, [])) for track in tracks
        ],
    )
