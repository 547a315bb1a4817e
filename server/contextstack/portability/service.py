"""Export a project as lossless, versioned JSON, and import such an export back.

Import writes the whole project in one transaction, all or nothing. In `new` mode everything gets a new id
unless `keep_ids`;
new ids are handed out in the order of the old ones, so whatever the export sorts by id (knowledge, a step's
dependencies) keeps its order, and export → import → export gives the same document up to ids, the slug and
the project's own version and times.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from contextstack.errors import Conflict, FieldError, Invalid, NotFound
from contextstack.ids import Prefix, new_id
from contextstack.memory.models import KnowledgeEntry
from contextstack.memory.store import (
    delete_project_entries,
    insert_entries,
    link_supersedes,
    project_entries,
    taken_entry_ids,
)
from contextstack.plan import store as plan_store
from contextstack.plan.models import Phase, Plan, Project, Step, Track
from contextstack.plan.service import ensure_slug_free, free_slug, read_plan, resolve_project
from contextstack.portability.checks import parse_export
from contextstack.portability.models import (
    FORMAT,
    FORMAT_VERSION,
    ExportedKnowledge,
    ExportedPhase,
    ExportedProject,
    ExportedStep,
    ExportedTrack,
    ImportCounts,
    ImportResult,
    ProjectExport,
    ProjectImport,
)
from contextstack.storage import Database, Reader, Transaction

# Export


async def _plan_and_knowledge(view: Reader, project_ref: str) -> tuple[Plan, list[KnowledgeEntry]]:
    # One read: the plan and the knowledge are of the same moment.
    plan = await read_plan(view, project_ref)
    return plan, await project_entries(view, plan.project.id)


async def export_project(db: Database, project_ref: str) -> ProjectExport:
    """The whole project (id or slug): its fields, its plan with statuses and times, and its own knowledge."""
    plan, entries = await db.read(lambda view: _plan_and_knowledge(view, project_ref))
    project = plan.project
    return ProjectExport(
        format=FORMAT,
        format_version=FORMAT_VERSION,
        project=ExportedProject(
            id=project.id,
            slug=project.slug,
            name=project.name,
            description=project.description,
            instructions=project.instructions,
            status=project.status,
            version=project.version,
            created_at=project.created_at,
            updated_at=project.updated_at,
        ),
        tracks=[
            ExportedTrack(
                id=track.id,
                name=track.name,
                description=track.description,
                position=track.position,
                version=track.version,
                created_at=track.created_at,
                updated_at=track.updated_at,
                phases=[
                    ExportedPhase(
                        id=phase.id,
                        name=phase.name,
                        description=phase.description,
                        position=phase.position,
                        version=phase.version,
                        created_at=phase.created_at,
                        updated_at=phase.updated_at,
                        steps=[_exported_step(step) for step in phase.steps],
                    )
                    for phase in track.phases
                ],
            )
            for track in plan.tracks
        ],
        knowledge=[_exported_entry(entry) for entry in entries],
    )


def _exported_step(step: Step) -> ExportedStep:
    fields = msgspec.structs.asdict(step)
    del fields["project_id"], fields["phase_id"]
    return ExportedStep(**fields)


def _exported_entry(entry: KnowledgeEntry) -> ExportedKnowledge:
    fields = msgspec.structs.asdict(entry)
    del fields["project_id"]
    return ExportedKnowledge(**fields)


# Import


async def import_project(db: Database, data: ProjectImport, actor: str) -> ImportResult:
    """Write an export as a new project, or over an existing one's plan and knowledge; all or nothing."""
    export = parse_export(data.export)
    _check_request(data)
    async with db.transaction() as tx:
        if data.mode == "replace":
            assert data.project is not None
            project = await _replace_project(tx, data.project, export, data.name)
        else:
            project = await _new_project(tx, export, data.slug, data.name, data.keep_ids)
        counts = await _write_content(tx, project.id, export, data.keep_ids)
        await tx.record_event(
            "project.imported",
            actor=data.actor or actor,
            project_id=project.id,
            entity_id=project.id,
            data={
                "mode": data.mode,
                "counts": msgspec.to_builtins(counts),
                "from": {"id": export.project.id, "slug": export.project.slug},
                "slug": project.slug,
                "version": project.version,
            },
        )
    return ImportResult(project=project, mode=data.mode, counts=counts)


def _check_request(data: ProjectImport) -> None:
    if data.mode == "replace":
        if data.project is None:
            raise Invalid("replace needs the project to replace", errors=[FieldError("project", "required")])
        if data.slug is not None:
            raise Invalid("replace keeps the project's slug", errors=[FieldError("slug", "only with mode new")])
    elif data.project is not None:
        raise Invalid(
            "a new project cannot name an existing one", errors=[FieldError("project", "only with mode replace")]
        )


async def _new_project(
    tx: Transaction, export: ProjectExport, slug: str | None, name: str | None, keep_ids: bool
) -> Project:
    if slug is not None:
        await ensure_slug_free(tx, slug, "slug")
    else:
        slug = await free_slug(tx, export.project.slug)
    source = export.project
    if keep_ids and await plan_store.get_project_id(tx, source.id) is not None:
        raise _taken([source.id])
    project = Project(
        id=source.id if keep_ids else new_id("prj"),
        slug=slug,
        name=name or source.name,
        description=source.description,
        instructions=source.instructions,
        status=source.status,
        version=1,
        created_at=tx.created_at,
        updated_at=tx.created_at,
    )
    await plan_store.insert_project(tx, project)
    return project


async def _replace_project(tx: Transaction, ref: str, export: ProjectExport, name: str | None) -> Project:
    try:
        current = await resolve_project(tx, ref)
    except NotFound as exc:
        raise NotFound(exc.detail, errors=[FieldError("project", "no such project")]) from None
    source = export.project
    project = msgspec.structs.replace(
        current,
        name=name or source.name,
        description=source.description,
        instructions=source.instructions,
        status=source.status,
        version=current.version + 1,
        updated_at=tx.created_at,
    )
    await plan_store.update_project(
        tx,
        project.id,
        {
            "name": project.name,
            "description": project.description,
            "instructions": project.instructions,
            "status": project.status,
        },
        project.version,
        project.updated_at,
    )
    await delete_project_entries(tx, project.id)
    await plan_store.delete_plan(tx, project.id)
    return project


def _new_ids(old_ids: Iterable[str], prefix: Prefix) -> dict[str, str]:
    """New ids for old ones, in the same order: sorting either by id sorts both alike."""
    return {old: new_id(prefix) for old in sorted(old_ids)}


def _taken(ids: Iterable[str]) -> Conflict:
    taken = sorted(ids)
    return Conflict(
        f"keep_ids: {len(taken)} of the export's ids are taken in this store, e.g. {taken[0]}",
        errors=[FieldError("keep_ids", f"taken: {', '.join(taken[:10])}")],
    )


async def _write_content(tx: Transaction, project_id: str, export: ProjectExport, keep_ids: bool) -> ImportCounts:
    phases = [(track, phase) for track in export.tracks for phase in track.phases]
    steps = [(phase, step) for _, phase in phases for step in phase.steps]
    ids = {
        **_new_ids((track.id for track in export.tracks), "trk"),
        **_new_ids((phase.id for _, phase in phases), "phs"),
        **_new_ids((step.id for _, step in steps), "stp"),
        **_new_ids((entry.id for entry in export.knowledge), "kno"),
    }
    if keep_ids:
        ids = {old: old for old in ids}
        taken = await plan_store.taken_ids(tx, ids) | await taken_entry_ids(tx, ids)
        if taken:
            raise _taken(taken)
    await plan_store.insert_tracks(
        tx,
        [
            Track(
                id=ids[track.id],
                project_id=project_id,
                name=track.name,
                description=track.description,
                position=track.position,
                version=track.version,
                created_at=track.created_at,
                updated_at=track.updated_at,
            )
            for track in export.tracks
        ],
    )
    await plan_store.insert_phases(
        tx,
        [
            Phase(
                id=ids[phase.id],
                project_id=project_id,
                track_id=ids[track.id],
                name=phase.name,
                description=phase.description,
                position=phase.position,
                version=phase.version,
                created_at=phase.created_at,
                updated_at=phase.updated_at,
            )
            for track, phase in phases
        ],
    )
    await plan_store.insert_steps(
        tx,
        [
            Step(
                **{
                    **msgspec.structs.asdict(step),
                    "id": ids[step.id],
                    "project_id": project_id,
                    "phase_id": ids[phase.id],
                    "depends_on": [ids[dependency] for dependency in step.depends_on],
                }
            )
            for phase, step in steps
        ],
    )
    dependencies = sum(len(step.depends_on) for _, step in steps)
    # Links between entries are set once every entry exists: the foreign keys are checked row by row.
    await insert_entries(tx, [_knowledge_entry(entry, ids[entry.id], project_id) for entry in export.knowledge])
    await link_supersedes(
        tx,
        [
            (ids[entry.id], ids.get(entry.supersedes or ""), ids.get(entry.superseded_by or ""))
            for entry in export.knowledge
            if entry.supersedes or entry.superseded_by
        ],
    )
    return ImportCounts(
        tracks=len(export.tracks),
        phases=len(phases),
        steps=len(steps),
        dependencies=dependencies,
        knowledge=len(export.knowledge),
    )


def _knowledge_entry(entry: ExportedKnowledge, entry_id: str, project_id: str) -> KnowledgeEntry:
    fields = {**msgspec.structs.asdict(entry), "id": entry_id, "supersedes": None, "superseded_by": None}
    return KnowledgeEntry(**fields, project_id=project_id)
