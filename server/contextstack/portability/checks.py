"""Reading an export back: its format and version first, then its shape, then everything that must hold together.

Every refusal is Invalid naming the field at fault under `body.export`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import msgspec

from contextstack.errors import FieldError, Invalid
from contextstack.portability.models import (
    FORMAT,
    FORMAT_VERSION,
    ExportedPhase,
    ExportedStep,
    ExportedTrack,
    ProjectExport,
)

_ERROR_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>.*)`)?$", re.DOTALL)
_FIELD_NAMED = re.compile(r"^Object (?:missing required|contains unknown) field `(?P<name>[^`]+)`$")


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
    field = "export" + (f".{path}" if path and not path.startswith("[") else path)
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
