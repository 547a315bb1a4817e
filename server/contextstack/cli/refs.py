"""Naming a track, phase or step on the command line: its id, its plan position (`2.1.3`) or a title prefix."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from contextstack.remote import RemoteError
from contextstack_client.models import Plan

Level = Literal["track", "phase", "step"]
ID_PREFIXES: dict[str, Level] = {"trk_": "track", "phs_": "phase", "stp_": "step"}
DEPTH: dict[Level, int] = {"track": 1, "phase": 2, "step": 3}
POSITION = re.compile(r"^[1-9][0-9]*(\.[1-9][0-9]*){0,2}$")
EXAMPLES: dict[Level, str] = {"track": "2", "phase": "2.1", "step": "2.1.3"}


@dataclass(frozen=True)
class PlanItem:
    """A track, phase or step where the plan has it."""

    level: Level
    id: str
    title: str
    position: str
    status: str = ""
    children: int = 0


def plan_items(plan: Plan) -> list[PlanItem]:
    """Every track, phase and step in plan order, numbered from 1 at each level."""
    items: list[PlanItem] = []
    for t, track in enumerate(sorted(plan.tracks, key=lambda track: track.position), start=1):
        items.append(PlanItem("track", track.id, track.name, f"{t}", children=len(track.phases)))
        for p, phase in enumerate(sorted(track.phases, key=lambda phase: phase.position), start=1):
            items.append(PlanItem("phase", phase.id, phase.name, f"{t}.{p}", children=len(phase.steps)))
            for s, step in enumerate(sorted(phase.steps, key=lambda step: step.position), start=1):
                items.append(PlanItem("step", step.id, step.title, f"{t}.{p}.{s}", status=str(step.status)))
    return items


def is_id(reference: str) -> bool:
    return reference[:4] in ID_PREFIXES


def check_id(reference: str, level: Level) -> str:
    """`reference` itself if it is the id of a `level`; a RemoteError naming what it is otherwise."""
    actual = ID_PREFIXES[reference[:4]]
    if actual != level:
        raise RemoteError(f"{reference} is a {actual}'s id; give a {level} (id, position like {EXAMPLES[level]})")
    return reference


def resolve(plan: Plan, level: Level, reference: str) -> PlanItem:
    """The one `level` that `reference` names in `plan`; a RemoteError that says what to give otherwise."""
    items = [item for item in plan_items(plan) if item.level == level]
    slug = plan.project.slug
    if is_id(reference):
        check_id(reference, level)
        for item in items:
            if item.id == reference:
                return item
        raise RemoteError(f"no {level} {reference} in {slug}; `contextstack plan` lists them")
    if POSITION.match(reference):
        depth = reference.count(".") + 1
        if depth != DEPTH[level]:
            raise RemoteError(
                f"{reference} is a {_level_of_depth(depth)}'s position; a {level}'s looks like {EXAMPLES[level]}"
            )
        for item in items:
            if item.position == reference:
                return item
        raise RemoteError(f"no {level} at {reference} in {slug}; `contextstack plan` shows the positions")
    wanted = reference.casefold()
    exact = [item for item in items if item.title.casefold() == wanted]
    matches = exact or [item for item in items if item.title.casefold().startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise RemoteError(
            f"no {level} in {slug} has a title starting with {reference!r}; `contextstack plan` lists them"
        )
    candidates = ", ".join(f"{item.position} {item.title}" for item in matches)
    raise RemoteError(
        f"{reference!r} matches {len(matches)} {level}s in {slug}: {candidates}; give more of the title or a position"
    )


def _level_of_depth(depth: int) -> Level:
    return next(level for level, levels in DEPTH.items() if levels == depth)
