"""What goes in and out of export and import: the versioned JSON form of a whole project."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

import msgspec

from contextstack.memory.models import Body, Kind, Source, Tags
from contextstack.memory.models import Title as KnowledgeTitle
from contextstack.plan.models import (
    Actor,
    Criteria,
    LongText,
    Name,
    Position,
    Project,
    ProjectStatus,
    Ref,
    Slug,
    StepRefs,
    StepStatus,
    Text,
    Title,
)

FORMAT: Final = "contextstack.project"
FORMAT_VERSION: Final = 1

Version = Annotated[int, msgspec.Meta(ge=1)]
Time = Annotated[str, msgspec.Meta(min_length=1, max_length=64, description="ISO-8601, as stored.")]
Reason = Annotated[str, msgspec.Meta(max_length=2_000)]


class ExportedStep(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A step as exported: `depends_on` names steps of the same export."""

    id: Ref
    title: Title
    description: Text
    instructions: LongText
    acceptance_criteria: Criteria
    status: StepStatus
    blocked_reason: Reason | None
    depends_on: StepRefs
    position: Position
    started_at: Time | None
    finished_at: Time | None
    version: Version
    created_at: Time
    updated_at: Time


class ExportedPhase(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    id: Ref
    name: Name
    description: Text
    position: Position
    version: Version
    created_at: Time
    updated_at: Time
    steps: list[ExportedStep]


class ExportedTrack(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    id: Ref
    name: Name
    description: Text
    position: Position
    version: Version
    created_at: Time
    updated_at: Time
    phases: list[ExportedPhase]


class ExportedKnowledge(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A knowledge entry of the project; `supersedes` and `superseded_by` name entries of the same export."""

    id: Ref
    kind: Kind
    title: KnowledgeTitle
    body: Body
    tags: Tags
    pinned: bool
    source: Source | None
    supersedes: Ref | None
    superseded_by: Ref | None
    version: Version
    created_at: Time
    updated_at: Time


class ExportedProject(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    id: Ref
    slug: Slug
    name: Name
    description: Text
    instructions: LongText
    status: ProjectStatus
    version: Version
    created_at: Time
    updated_at: Time


class ProjectExport(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A whole project, lossless: its fields, its plan with every status and time, and its own knowledge.

    Tracks, phases and steps are in position order; knowledge in id (creation) order.
    """

    format: Literal["contextstack.project"]
    format_version: Literal[1]
    project: ExportedProject
    tracks: list[ExportedTrack]
    knowledge: list[ExportedKnowledge]


class ProjectImport(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Bring an export back: as a new project, or replacing the plan and knowledge of an existing one.

    `new` gives everything new ids and takes the slug from `slug` (409 if taken) or the export's (made unique).
    `replace` keeps the project's id and slug and needs `project`. `keep_ids` keeps the export's ids instead
    of giving new ones (the project's too, with `new`): 409 when one is taken here.
    """

    export: Annotated[
        dict[str, Any],
        msgspec.Meta(description="What `GET /api/projects/{project}/export?format=json` answered (a ProjectExport)."),
    ]
    mode: Literal["new", "replace"] = "new"
    project: (
        Annotated[Ref, msgspec.Meta(description="The project to replace (id or slug); only with `replace`.")] | None
    ) = None
    slug: Slug | None = None
    name: Name | None = None
    keep_ids: bool = False
    actor: Actor | None = None


class ImportCounts(msgspec.Struct, frozen=True, kw_only=True):
    tracks: int
    phases: int
    steps: int
    dependencies: int
    knowledge: int


class ImportResult(msgspec.Struct, frozen=True, kw_only=True):
    """The imported project as it now is, and how much was written."""

    project: Project
    mode: Literal["new", "replace"]
    counts: ImportCounts
