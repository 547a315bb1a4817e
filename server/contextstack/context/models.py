"""What goes in and out of the context layer."""

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
