"""What goes in and out of the execution layer: status changes, and the "where am I" report."""

from __future__ import annotations

from typing import Annotated

import msgspec

from contextstack.plan.models import Actor, Project, Step, StepStatus

Reason = Annotated[
    str,
    msgspec.Meta(
        max_length=2_000, description="Why; required (not blank) for `blocked`.", examples=["waiting for keys"]
    ),
]


class StatusChange(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A step's new status.

    `blocked` needs a reason. Starting a step (`in_progress` or `done`) needs every step it depends on to be
    done; `force` starts it anyway.
    """

    status: StepStatus
    reason: Reason | None = None
    force: bool = False
    actor: Actor | None = None


class StatusCounts(msgspec.Struct, frozen=True, kw_only=True):
    """How many steps are in each status, and the share of them done (0-100, one decimal; 0 with no steps)."""

    todo: int
    in_progress: int
    blocked: int
    done: int
    total: int
    percent_done: float


class PhaseProgress(msgspec.Struct, frozen=True, kw_only=True):
    """A phase's place in its track and how far its steps are."""

    id: str
    name: str
    position: int
    counts: StatusCounts


class TrackProgress(msgspec.Struct, frozen=True, kw_only=True):
    """A track's place in the project, how far its steps are, and each of its phases in order."""

    id: str
    name: str
    position: int
    counts: StatusCounts
    phases: list[PhaseProgress]


class LocatedStep(Step, frozen=True, kw_only=True):
    """A step with the names of where it sits: its track and its phase."""

    track_id: str
    track_name: str
    phase_name: str


class StatusReport(msgspec.Struct, frozen=True, kw_only=True):
    """Where am I: progress per project, track and phase, and the steps that matter now.

    `in_progress` and `blocked` hold every such step and `next_steps` the first steps that can start now
    (`todo`, every dependency done), all in plan order (track, then phase, then step position);
    `recently_done` the last steps finished, newest first.
    """

    project: Project
    counts: StatusCounts
    tracks: list[TrackProgress]
    in_progress: list[LocatedStep]
    blocked: list[LocatedStep]
    next_steps: list[LocatedStep]
    recently_done: list[LocatedStep]
