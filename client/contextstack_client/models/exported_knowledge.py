from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.exported_knowledge_kind import ExportedKnowledgeKind, check_exported_knowledge_kind

T = TypeVar("T", bound="ExportedKnowledge")


@_attrs_define
class ExportedKnowledge:
    """
    Attributes:
        body (str): Markdown.
        created_at (str): ISO-8601, as stored.
        id (str):
        kind (ExportedKnowledgeKind):
        pinned (bool):
        source (None | str): Where it comes from: free text or a URL.
        superseded_by (None | str):
        supersedes (None | str):
        tags (list[str]):
        title (str):
        updated_at (str): ISO-8601, as stored.
        version (int):
    """

    body: str
    created_at: str
    id: str
    kind: ExportedKnowledgeKind
    pinned: bool
    source: None | str
    superseded_by: None | str
    supersedes: None | str
    tags: list[str]
    title: str
    updated_at: str
    version: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        body = self.body

        created_at = self.created_at

        id = self.id

        kind: str = self.kind

        pinned = self.pinned

        source: None | str
        source = self.source

        superseded_by: None | str
        superseded_by = self.superseded_by

        supersedes: None | str
        supersedes = self.supersedes

        tags = self.tags

        title = self.title

        updated_at = self.updated_at

        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "body": body,
                "created_at": created_at,
                "id": id,
                "kind": kind,
                "pinned": pinned,
                "source": source,
                "superseded_by": superseded_by,
                "supersedes": supersedes,
                "tags": tags,
                "title": title,
                "updated_at": updated_at,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        body = d.pop("body")

        created_at = d.pop("created_at")

        id = d.pop("id")

        kind = check_exported_knowledge_kind(d.pop("kind"))

        pinned = d.pop("pinned")

        def _parse_source(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        source = _parse_source(d.pop("source"))

        def _parse_superseded_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        superseded_by = _parse_superseded_by(d.pop("superseded_by"))

        def _parse_supersedes(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        supersedes = _parse_supersedes(d.pop("supersedes"))

        tags = cast(list[str], d.pop("tags"))

        title = d.pop("title")

        updated_at = d.pop("updated_at")

        version = d.pop("version")

        exported_knowledge = cls(
            body=body,
            created_at=created_at,
            id=id,
            kind=kind,
            pinned=pinned,
            source=source,
            superseded_by=superseded_by,
            supersedes=supersedes,
            tags=tags,
            title=title,
            updated_at=updated_at,
            version=version,
        )

        exported_knowledge.additional_properties = d
        return exported_knowledge

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
