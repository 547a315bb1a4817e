from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.knowledge_create_kind import KnowledgeCreateKind, check_knowledge_create_kind
from ..types import UNSET, Unset

T = TypeVar("T", bound="KnowledgeCreate")


@_attrs_define
class KnowledgeCreate:
    """
    Attributes:
        body (str): Markdown.
        kind (KnowledgeCreateKind):
        title (str):
        actor (None | str | Unset): Who makes the change: `user`, `api` or `ai:<model>`; overrides X-Contextstack-Actor.
        pinned (bool | Unset):  Default: False.
        project (None | str | Unset): A project's id or slug; absent (or null) for global knowledge.
        source (None | str | Unset): Where it comes from: free text or a URL.
        supersedes (None | str | Unset):
        tags (list[str] | Unset):
    """

    body: str
    kind: KnowledgeCreateKind
    title: str
    actor: None | str | Unset = UNSET
    pinned: bool | Unset = False
    project: None | str | Unset = UNSET
    source: None | str | Unset = UNSET
    supersedes: None | str | Unset = UNSET
    tags: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        body = self.body

        kind: str = self.kind

        title = self.title

        actor: None | str | Unset
        if isinstance(self.actor, Unset):
            actor = UNSET
        else:
            actor = self.actor

        pinned = self.pinned

        project: None | str | Unset
        if isinstance(self.project, Unset):
            project = UNSET
        else:
            project = self.project

        source: None | str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        else:
            source = self.source

        supersedes: None | str | Unset
        if isinstance(self.supersedes, Unset):
            supersedes = UNSET
        else:
            supersedes = self.supersedes

        tags: list[str] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "body": body,
                "kind": kind,
                "title": title,
            }
        )
        if actor is not UNSET:
            field_dict["actor"] = actor
        if pinned is not UNSET:
            field_dict["pinned"] = pinned
        if project is not UNSET:
            field_dict["project"] = project
        if source is not UNSET:
            field_dict["source"] = source
        if supersedes is not UNSET:
            field_dict["supersedes"] = supersedes
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        body = d.pop("body")

        kind = check_knowledge_create_kind(d.pop("kind"))

        title = d.pop("title")

        def _parse_actor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        actor = _parse_actor(d.pop("actor", UNSET))

        pinned = d.pop("pinned", UNSET)

        def _parse_project(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        project = _parse_project(d.pop("project", UNSET))

        def _parse_source(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        def _parse_supersedes(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        supersedes = _parse_supersedes(d.pop("supersedes", UNSET))

        tags = cast(list[str], d.pop("tags", UNSET))

        knowledge_create = cls(
            body=body,
            kind=kind,
            title=title,
            actor=actor,
            pinned=pinned,
            project=project,
            source=source,
            supersedes=supersedes,
            tags=tags,
        )

        knowledge_create.additional_properties = d
        return knowledge_create

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
