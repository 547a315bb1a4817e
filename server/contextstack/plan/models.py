"""What goes in and out of the context layer: projects, and their plan of tracks, phases and steps."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

Slug = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9][a-z0-9-]{0,62}$",
        description="Lowercase letters, digits and dashes; usable wherever a project id is.",
        examples=["contextstack"],
    ),
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["Contextstack"])]
Text = Annotated[str, msgspec.Meta(max_length=20_000)]
LongText = Annotated[str, msgspec.Meta(max_length=100_000)]
Actor = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^(user|api|ai:\S{1,100})$",
        description="Who makes the change: `user`, `api` or `ai:<model>`; overrides X-Contextstack-Actor.",
        examples=["ai:anthropic/claude-sonnet-4-5"],
    ),
]
ProjectStatus = Literal["active", "archived"]
StepStatus = Literal["todo", "in_progress", "blocked", "done"]
Position = Annotated[
    int,
    msgspec.Meta(ge=0, le=1_000_000, description="0-based place among its siblings.", examples=[0]),
]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["Write the migration"])]
Criterion = Annotated[str, msgspec.Meta(min_length=1, max_length=2_000, examples=["the tests pass"])]
Criteria = Annotated[list[Criterion], msgspec.Meta(max_length=100, description="In order; each a checkable sentence.")]
Ref = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
ParentRef = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=100,
        description="The new parent: a track id for a phase, a phase id for a step; in the same project.",
        examples=["trk_01JD3XK5V0Q6X4T3N8W2ZC9RBE"],
    ),
]
StepRefs = Annotated[
    list[Ref],
    msgspec.Meta(
        max_length=200,
        description="Ids of steps of the same project that must be done before this one starts.",
        examples=[["stp_01JD3XK5V0Q6X4T3N8W2ZC9RBE"]],
    ),
]


class ProjectCreate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A new project; the slug is made from the name when not given."""

    name: Name
    slug: Slug | None = None
    description: Text = ""
    instructions: LongText = ""
    actor: Actor | None = None


class ProjectUpdate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A partial change: only the fields present are changed."""

    name: Name | UnsetType = UNSET
    slug: Slug | UnsetType = UNSET
    description: Text | UnsetType = UNSET
    instructions: LongText | UnsetType = UNSET
    status: ProjectStatus | UnsetType = UNSET
    actor: Actor | None = None


class Project(msgspec.Struct, frozen=True, kw_only=True):
    """A project: the root of a person's context."""

    id: str
    slug: str
    name: str
    description: str
    instructions: str
    status: ProjectStatus
    version: int
    created_at: str
    updated_at: str


class ProjectList(msgspec.Struct, frozen=True):
    items: list[Project]
    next_cursor: str | None


class Deleted(msgspec.Struct, frozen=True):
    """What a delete removed, by kind (the entity itself and everything under it)."""

    id: str
    deleted: dict[str, int]


class TrackCreate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A new track: a line of work that runs alongside the project's others. Appended unless `position` says."""

    name: Name
    description: Text = ""
    position: Position | None = None
    actor: Actor | None = None


class TrackUpdate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A partial change: only the fields present are changed."""

    name: Name | UnsetType = UNSET
    description: Text | UnsetType = UNSET
    actor: Actor | None = None


class Track(msgspec.Struct, frozen=True, kw_only=True):
    """A line of work in a project; its phases run in order."""

    id: str
    project_id: str
    name: str
    description: str
    position: int
    version: int
    created_at: str
    updated_at: str


class TrackList(msgspec.Struct, frozen=True):
    items: list[Track]
    next_cursor: str | None


class PhaseCreate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A new phase: a stage of a track. Appended unless `position` says."""

    name: Name
    description: Text = ""
    position: Position | None = None
    actor: Actor | None = None


class PhaseUpdate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A partial change: only the fields present are changed."""

    name: Name | UnsetType = UNSET
    description: Text | UnsetType = UNSET
    actor: Actor | None = None


class Phase(msgspec.Struct, frozen=True, kw_only=True):
    """A stage of a track; its steps run in order."""

    id: str
    project_id: str
    track_id: str
    name: str
    description: str
    position: int
    version: int
    created_at: str
    updated_at: str


class PhaseList(msgspec.Struct, frozen=True):
    items: list[Phase]
    next_cursor: str | None


class StepCreate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A new step: a unit of work in a phase, starting as `todo`. Appended unless `position` says."""

    title: Title
    description: Text = ""
    instructions: LongText = ""
    acceptance_criteria: Criteria = []
    depends_on: StepRefs = []
    position: Position | None = None
    actor: Actor | None = None


class StepUpdate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A partial change: only the fields present are changed; `depends_on` replaces the whole list.

    The status changes through `POST /api/steps/{id}/status`, never here.
    """

    title: Title | UnsetType = UNSET
    description: Text | UnsetType = UNSET
    instructions: LongText | UnsetType = UNSET
    acceptance_criteria: Criteria | UnsetType = UNSET
    depends_on: StepRefs | UnsetType = UNSET
    actor: Actor | None = None


class Step(msgspec.Struct, frozen=True, kw_only=True):
    """A unit of work: what to do, how to know it is done, and where it stands."""

    id: str
    project_id: str
    phase_id: str
    title: str
    description: str
    instructions: str
    acceptance_criteria: list[str]
    status: StepStatus
    blocked_reason: str | None
    depends_on: list[str]
    position: int
    started_at: str | None
    finished_at: str | None
    version: int
    created_at: str
    updated_at: str


class StepList(msgspec.Struct, frozen=True):
    items: list[Step]
    next_cursor: str | None


class Dependency(msgspec.Struct, frozen=True):
    """A step another one waits for, as named in messages."""

    id: str
    title: str
    status: StepStatus


class Move(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Put an item at `position` among its siblings, or under another `parent` of the same project.

    The parent of a phase is a track, of a step a phase; a track's parent is its project and cannot change.
    Positions are 0-based: within the same parent 0..n-1, into another parent 0..n (n = appended).
    """

    position: Position
    parent: ParentRef | None = None
    actor: Actor | None = None


class PlanPhase(Phase, frozen=True, kw_only=True):
    """A phase with its steps, in order."""

    steps: list[Step]


class PlanTrack(Track, frozen=True, kw_only=True):
    """A track with its phases, in order."""

    phases: list[PlanPhase]


class Plan(msgspec.Struct, frozen=True, kw_only=True):
    """A project's whole plan: its tracks, their phases and the phases' steps, each level in position order."""

    project: Project
    tracks: list[PlanTrack]
