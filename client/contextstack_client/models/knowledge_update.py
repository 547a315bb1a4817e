from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.knowledge_update_kind_type_0 import KnowledgeUpdateKindType0, check_knowledge_update_kind_type_0
from ..types import UNSET, Unset

T = TypeVar("T", bound="KnowledgeUpdate")


@_attrs_define
class KnowledgeUpdate:
    """
    Attributes:
        actor (None | str | Unset): Who makes the change: `user`, `api` or `ai:<model>`; overrides X-Contextstack-Actor.
        body (str | Unset): Markdown.
        kind (KnowledgeUpdateKindType0 | Unset):
        pinned (bool | Unset):
        project (None | str | Unset): A project's id or slug; absent (or null) for global knowledge.
        source (None | str | Unset): Where it comes from: free text or a URL.
        tags (list[str] | Unset):
        title (str | Unset):
    """

    actor: None | str | Unset = UNSET
    body: str | Unset = UNSET
    kind: KnowledgeUpdateKindType0 | Unset = UNSET
    pinned: bool | Unset = UNSET
    project: None | str | Unset = UNSET
    source: None | str | Unset = UNSET
    tags: list[str] | Unset = UNSET
    title: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        actor: None | str | Unset
        if isinstance(self.actor, Unset):
            actor = UNSET
        else:
            actor = self.actor

        body: str | Unset
        if isinstance(self.body, Unset):
            body = UNSET
        else:
            body = self.body

        kind: str | Unset
        if isinstance(self.kind, Unset):
            kind = UNSET
        else:
            kind = self.kind

        pinned: bool | Unset
        if isinstance(self.pinned, Unset):
            pinned = UNSET
        else:
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

        tags: list[str] | Unset
        if isinstance(self.tags, Unset):
            tags = UNSET
        else:
            tags = self.tags

        title: str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if actor is not UNSET:
            field_dict["actor"] = actor
        if body is not UNSET:
            field_dict["body"] = body
        if kind is not UNSET:
            field_dict["kind"] = kind
        if pinned is not UNSET:
            field_dict["pinned"] = pinned
        if project is not UNSET:
            field_dict["project"] = project
        if source is not UNSET:
            field_dict["source"] = source
        if tags is not UNSET:
            field_dict["tags"] = tags
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_actor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        actor = _parse_actor(d.pop("actor", UNSET))

        def _parse_body(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        body = _parse_body(d.pop("body", UNSET))

        def _parse_kind(data: object) -> KnowledgeUpdateKindType0 | Unset:
            if isinstance(data, Unset):
                return data
            if not isinstance(data, str):
                raise TypeError()
            kind_type_0 = check_knowledge_update_kind_type_0(data)

            return kind_type_0

        kind = _parse_kind(d.pop("kind", UNSET))

        def _parse_pinned(data: object) -> bool | Unset:
            if isinstance(data, Unset):
                return data
            return cast(bool | Unset, data)

        pinned = _parse_pinned(d.pop("pinned", UNSET))

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

        def _parse_tags(data: object) -> list[str] | Unset:
            if isinstance(data, Unset):
                return data
            if not isinstance(data, list):
                raise TypeError()
            tags_type_0 = cast(list[str], data)

            return tags_type_0

        tags = _parse_tags(d.pop("tags", UNSET))

        def _parse_title(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        knowledge_update = cls(
            actor=actor,
            body=body,
            kind=kind,
            pinned=pinned,
            project=project,
            source=source,
            tags=tags,
            title=title,
        )

        knowledge_update.additional_properties = d
        return knowledge_update

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
