"""The project as an AGENTS.md file, which coding agents read without going through the proxy."""

from __future__ import annotations

from contextstack.execution.models import LocatedStep
from contextstack.execution.service import get_status
from contextstack.memory.models import KINDS, KnowledgeEntry
from contextstack.memory.store import current_project_entries
from contextstack.storage import Database

NEXT_STEPS = 10

_KIND_HEADINGS = {
    "decision": "Decisions",
    "constraint": "Constraints",
    "architecture": "Architecture",
    "convention": "Conventions",
    "reference": "References",
    "note": "Notes",
}


async def agents_md(db: Database, project_ref: str) -> str:
    """The project as an AGENTS.md file: what it is, its instructions, where it stands, and what is known.

    Only the project's own knowledge that nothing superseded, pinned first, then by kind; the same project
    gives the same bytes.
    """
    status = await get_status(db, project_ref, next_limit=NEXT_STEPS, recent_limit=0)
    entries = await current_project_entries(db, status.project.id)
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
