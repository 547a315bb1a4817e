"""Export a project (lossless JSON, or an AGENTS.md file for coding agents) and import it back.

Import writes the whole project in one transaction, all or nothing. In `new` mode everything gets a new id;
new ids are handed out in the order of the old ones, so whatever the export sorts by id (knowledge, a step's
dependencies) keeps its order, and export → import → export gives the same document up to ids, the slug and
the project's own version and times.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec

from contextstack.context.models import Phase, Project, Step, Track
from contextstack.context.plan_queries import PHASE_COLUMNS, STEP_COLUMNS, TRACK_COLUMNS, step_row
from contextstack.context.plan_service import get_plan
from contextstack.context.service import ensure_slug_free, free_slug, resolve_project
from contextstack.errors import FieldError, Invalid, NotFound
from contextstack.execution.models import LocatedStep
from contextstack.execution.service import get_status
from contextstack.ids import Prefix, new_id
from contextstack.memory.models import KINDS, KnowledgeEntry
from contextstack.memory.service import COLUMNS, entry_from_row
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
from contextstack.storage import Database, Transaction

AGENTS_NEXT_STEPS = 10

_KNOWLEDGE_SELECT = f"SELECT {', '.join(COLUMNS)} FROM knowledge"
_KNOWLEDGE_INSERT = f"INSERT INTO knowledge ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
_KIND_HEADINGS = {
    "decision": "Decisions",
    "constraint": "Constraints",
    "architecture": "Architecture",
    "convention": "Conventions",
    "reference": "References",
    "note": "Notes",
}
_ERROR_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>.*)`)?$", re.DOTALL)
_FIELD_NAMED = re.compile(r"^Object (?:missing required|contains unknown) field `(?P<name>[^`]+)`$")
_encode_json = msgspec.json.Encoder().encode

# Export


async def export_project(db: Database, project_ref: str) -> ProjectExport:
    """The whole project (id or slug): its fields, its plan with statuses and times, and its own knowledge."""
    plan = await get_plan(db, project_ref)
    rows = await db.fetchall(f"{_KNOWLEDGE_SELECT} WHERE project_id = ? ORDER BY id", (plan.project.id,))
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
        knowledge=[_exported_entry(entry_from_row(row)) for row in rows],
    )


def _exported_step(step: Step) -> ExportedStep:
    fields = msgspec.structs.asdict(step)
    del fields["project_id"], fields["phase_id"]
    return ExportedStep(**fields)


def _exported_entry(entry: KnowledgeEntry) -> ExportedKnowledge:
    fields = msgspec.structs.asdict(entry)
    del fields["project_id"]
    return ExportedKnowledge(**fields)


async def agents_md(db: Database, project_ref: str) -> str:
    """The project as an AGENTS.md file: what it is, its instructions, where it stands, and what is known.

    Only the project's own knowledge that nothing superseded, pinned first, then by kind; the same project
    gives the same bytes.
    """
    status = await get_status(db, project_ref, next_limit=AGENTS_NEXT_STEPS, recent_limit=0)
    rows = await db.fetchall(
        f"{_KNOWLEDGE_SELECT} WHERE project_id = ? AND superseded_by IS NULL ORDER BY created_at, id",
        (status.project.id,),
    )
    entries = [entry_from_row(row) for row in rows]
    project = status.project
    lines = [
        f"# {project.name}",
        "",
        f"<!-- Written by Contextstack from project `{project.slug}`; "
        "export it again rather than editing it by hand. -->",
    ]
    if project.description.strip():
        lines += ["", project.description.strip()]
    if project.instructions.strip():
        lines += ["", "## Instructions", "", project.instructions.strip()]
    counts = status.counts
    lines += ["", "## Where things stand", ""]
    if counts.total:
        lines.append(
            f"{counts.done} of {counts.total} steps done ({counts.percent_done:g}%); "
            f"{counts.in_progress} in progress, {counts.blocked} blocked."
        )
        lines += [
            f"- {track.name}: {track.counts.done} of {track.counts.total} done"
            for track in status.tracks
            if track.counts.total
        ]
    else:
        lines.append("No steps planned yet.")
    for heading, steps in (
        ("In progress", status.in_progress),
        ("Blocked", status.blocked),
        ("Next steps", status.next_steps),
    ):
        if steps:
            lines += ["", f"### {heading}", ""]
            for step in steps:
                lines += _step_lines(step, detailed=heading == "In progress")
    if entries:
        lines += ["", "## Knowledge"]
        groups = [("Pinned", [entry for entry in entries if entry.pinned])] + [
            (_KIND_HEADINGS[kind], [entry for entry in entries if entry.kind == kind and not entry.pinned])
            for kind in KINDS
        ]
        for heading, group in groups:
            if group:
                lines += ["", f"### {heading}", ""]
                for entry in group:
                    lines += _entry_lines(entry, with_kind=heading == "Pinned")
    return "\n".join(lines) + "\n"


def _step_lines(step: LocatedStep, *, detailed: bool) -> list[str]:
    line = f"- **{step.title}** ({step.track_name} / {step.phase_name})"
    if step.blocked_reason:
        line += f" — blocked: {_one_line(step.blocked_reason)}"
    lines = [line]
    if detailed and step.description.strip():
        lines.append(f"  {_indent(step.description)}")
    if detailed and step.instructions.strip():
        lines.append(f"  Instructions: {_indent(step.instructions)}")
    if detailed and step.acceptance_criteria:
        lines += ["  Acceptance criteria:", *(f"  - [ ] {_one_line(c)}" for c in step.acceptance_criteria)]
    return lines


def _entry_lines(entry: KnowledgeEntry, *, with_kind: bool) -> list[str]:
    notes: list[str] = [entry.kind] if with_kind else []
    if entry.tags:
        notes.append("tags: " + ", ".join(entry.tags))
    if entry.source:
        notes.append(f"source: {_one_line(entry.source)}")
    line = f"- **{_one_line(entry.title)}**" + (f" _({'; '.join(notes)})_" if notes else "")
    return [line, f"  {_indent(entry.body)}"] if entry.body.strip() else [line]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _indent(text: str) -> str:
    return "\n  ".join(line.rstrip() for line in text.strip().splitlines())


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
            project = await _new_project(tx, export, data.slug, data.name)
        counts = await _write_content(tx, project.id, export)
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


def parse_export(document: dict[str, Any]) -> ProjectExport:
    """The export in `document`, once its format, version, shape and references are checked; Invalid otherwise."""
    if document.get("format") != FORMAT:
        raise _invalid("format", f"not a Contextstack project export: `format` must be {FORMAT!r}", "unknown format")
    version = document.get("format_version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise _invalid(
            "format_version",
            f"unknown export format_version {version!r}: this daemon reads format_version {FORMAT_VERSION}",
            f"unsupported; expected {FORMAT_VERSION}",
        )
    try:
        export = msgspec.convert(document, ProjectExport, strict=True)
    except msgspec.ValidationError as exc:
        raise _shape_error(str(exc)) from None
    _check_references(export)
    return export


def _shape_error(error: str) -> Invalid:
    """Invalid naming the field msgspec's `error` is about (`… - at `$.tracks[0]``, and the field it names)."""
    found = _ERROR_PATH.match(error)
    assert found is not None  # the pattern matches any text
    message, path = found["message"], found["path"] or ""
    named = _FIELD_NAMED.match(message)
    if named:
        path += f".{named['name']}"
    return _invalid(path.lstrip("."), f"the export is not valid: {message}", message)


def _invalid(path: str, detail: str, message: str) -> Invalid:
    field = "body.export" + (f".{path}" if path and not path.startswith("[") else path)
    return Invalid(detail, errors=[FieldError(field=field, message=message)])


def _check_positions(items: Sequence[ExportedTrack | ExportedPhase | ExportedStep], where: str) -> None:
    for n, item in enumerate(items):
        if item.position != n:
            raise _invalid(f"{where}[{n}].position", f"positions must run 0..n-1 in order at {where}", f"expected {n}")


def _check_references(export: ProjectExport) -> None:
    """Positions in order, ids unique, statuses consistent, and every link inside the export, without cycles."""
    seen: set[str] = {export.project.id}
    steps: dict[str, tuple[str, ExportedStep]] = {}

    def claim(item_id: str, where: str) -> None:
        if item_id in seen:
            raise _invalid(f"{where}.id", f"the id {item_id!r} appears twice in the export", "repeated id")
        seen.add(item_id)

    _check_positions(export.tracks, "tracks")
    for t, track in enumerate(export.tracks):
        claim(track.id, f"tracks[{t}]")
        _check_positions(track.phases, f"tracks[{t}].phases")
        for p, phase in enumerate(track.phases):
            claim(phase.id, f"tracks[{t}].phases[{p}]")
            _check_positions(phase.steps, f"tracks[{t}].phases[{p}].steps")
            for s, step in enumerate(phase.steps):
                where = f"tracks[{t}].phases[{p}].steps[{s}]"
                claim(step.id, where)
                _check_status(step, where)
                steps[step.id] = (where, step)
    for where, step in steps.values():
        if len(set(step.depends_on)) != len(step.depends_on):
            raise _invalid(f"{where}.depends_on", "a step lists a dependency twice", "repeated step id")
        for d, dependency in enumerate(step.depends_on):
            if dependency not in steps or dependency == step.id:
                why = "a step cannot depend on itself" if dependency == step.id else "no step of the export has it"
                raise _invalid(f"{where}.depends_on[{d}]", f"cannot import the dependency {dependency!r}: {why}", why)
    _check_acyclic(steps)
    entries = {entry.id for entry in export.knowledge}
    for k, entry in enumerate(export.knowledge):
        claim(entry.id, f"knowledge[{k}]")
        for field in ("supersedes", "superseded_by"):
            link = getattr(entry, field)
            if link is not None and (link not in entries or link == entry.id):
                why = "an entry cannot link to itself" if link == entry.id else "no knowledge entry of the export"
                raise _invalid(f"knowledge[{k}].{field}", f"cannot import the link {link!r}: {why}", why)


def _check_status(step: ExportedStep, where: str) -> None:
    if (step.status == "blocked") != (step.blocked_reason is not None):
        raise _invalid(
            f"{where}.blocked_reason", "a blocked step has a reason and no other step has one", "must match status"
        )
    if (step.status == "done") != (step.finished_at is not None):
        raise _invalid(
            f"{where}.finished_at", "a done step has a finish time and no other step has one", "must match status"
        )


def _check_acyclic(steps: dict[str, tuple[str, ExportedStep]]) -> None:
    """Invalid naming a step on a cycle of dependencies, if there is one (a depth-first walk, without recursion)."""
    finished: set[str] = set()
    for start in steps:
        if start in finished:
            continue
        path = [start]
        pending = [iter(steps[start][1].depends_on)]
        while path:
            following = next(pending[-1], None)
            if following is None:
                finished.add(path.pop())
                pending.pop()
            elif following in path:
                cycle = " -> ".join([*path[path.index(following) :], following])
                raise _invalid(f"{steps[path[-1]][0]}.depends_on", f"the dependencies form a cycle: {cycle}", "cycle")
            elif following not in finished:
                path.append(following)
                pending.append(iter(steps[following][1].depends_on))


def _check_request(data: ProjectImport) -> None:
    if data.mode == "replace":
        if data.project is None:
            raise Invalid("replace needs the project to replace", errors=[FieldError("body.project", "required")])
        if data.slug is not None:
            raise Invalid("replace keeps the project's slug", errors=[FieldError("body.slug", "only with mode new")])
    elif data.project is not None:
        raise Invalid(
            "a new project cannot name an existing one", errors=[FieldError("body.project", "only with mode replace")]
        )


async def _new_project(tx: Transaction, export: ProjectExport, slug: str | None, name: str | None) -> Project:
    if slug is not None:
        await ensure_slug_free(tx, slug, "body.slug")
    else:
        slug = await free_slug(tx, export.project.slug)
    source = export.project
    project = Project(
        id=new_id("prj"),
        slug=slug,
        name=name or source.name,
        description=source.description,
        instructions=source.instructions,
        status=source.status,
        version=1,
        created_at=tx.created_at,
        updated_at=tx.created_at,
    )
    await tx.execute(
        f"INSERT INTO projects ({', '.join(msgspec.structs.asdict(project))}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        msgspec.structs.astuple(project),
    )
    return project


async def _replace_project(tx: Transaction, ref: str, export: ProjectExport, name: str | None) -> Project:
    try:
        current = await resolve_project(tx, ref)
    except NotFound as exc:
        raise NotFound(exc.detail, errors=[FieldError("body.project", "no such project")]) from None
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
    await tx.execute(
        "UPDATE projects SET name = ?, description = ?, instructions = ?, status = ?, version = ?, updated_at = ? "
        "WHERE id = ?",
        (
            project.name,
            project.description,
            project.instructions,
            project.status,
            project.version,
            project.updated_at,
            project.id,
        ),
    )
    await tx.execute("DELETE FROM knowledge WHERE project_id = ?", (project.id,))
    await tx.execute("DELETE FROM tracks WHERE project_id = ?", (project.id,))
    return project


def _new_ids(old_ids: Iterable[str], prefix: Prefix) -> dict[str, str]:
    """New ids for old ones, in the same order: sorting either by id sorts both alike."""
    return {old: new_id(prefix) for old in sorted(old_ids)}


async def _write_content(tx: Transaction, project_id: str, export: ProjectExport) -> ImportCounts:
    phases = [(track, phase) for track in export.tracks for phase in track.phases]
    steps = [(phase, step) for _, phase in phases for step in phase.steps]
    ids = {
        **_new_ids((track.id for track in export.tracks), "trk"),
        **_new_ids((phase.id for _, phase in phases), "phs"),
        **_new_ids((step.id for _, step in steps), "stp"),
        **_new_ids((entry.id for entry in export.knowledge), "kno"),
    }
    await _insert(
        tx,
        "tracks",
        TRACK_COLUMNS,
        [
            msgspec.structs.astuple(
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
            )
            for track in export.tracks
        ],
    )
    await _insert(
        tx,
        "phases",
        PHASE_COLUMNS,
        [
            msgspec.structs.astuple(
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
            )
            for track, phase in phases
        ],
    )
    await _insert(
        tx,
        "steps",
        STEP_COLUMNS,
        [
            step_row(
                Step(
                    **{
                        **msgspec.structs.asdict(step),
                        "id": ids[step.id],
                        "project_id": project_id,
                        "phase_id": ids[phase.id],
                        "depends_on": [],
                    }
                )
            )
            for phase, step in steps
        ],
    )
    dependencies = [(ids[step.id], ids[dependency]) for _, step in steps for dependency in step.depends_on]
    await tx.executemany("INSERT INTO step_dependencies (step_id, depends_on) VALUES (?, ?)", dependencies)
    # Links between entries are set once every entry exists: the foreign keys are checked row by row.
    await tx.executemany(
        _KNOWLEDGE_INSERT, [_knowledge_row(entry, ids[entry.id], project_id) for entry in export.knowledge]
    )
    await tx.executemany(
        "UPDATE knowledge SET supersedes = ?, superseded_by = ? WHERE id = ?",
        [
            (ids.get(entry.supersedes or ""), ids.get(entry.superseded_by or ""), ids[entry.id])
            for entry in export.knowledge
            if entry.supersedes or entry.superseded_by
        ],
    )
    return ImportCounts(
        tracks=len(export.tracks),
        phases=len(phases),
        steps=len(steps),
        dependencies=len(dependencies),
        knowledge=len(export.knowledge),
    )


async def _insert(tx: Transaction, table: str, columns: str, rows: list[Sequence[Any]]) -> None:
    if rows:
        placeholders = ", ".join("?" * len(rows[0]))
        await tx.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def _knowledge_row(entry: ExportedKnowledge, entry_id: str, project_id: str) -> tuple[Any, ...]:
    fields: dict[str, Any] = {
        **msgspec.structs.asdict(entry),
        "id": entry_id,
        "project_id": project_id,
        "tags": _encode_json(entry.tags).decode(),
        "pinned": int(entry.pinned),
        "supersedes": None,
        "superseded_by": None,
    }
    return tuple(fields[column] for column in COLUMNS)
