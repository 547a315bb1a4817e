from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.exported_knowledge import ExportedKnowledge
    from ..models.exported_project import ExportedProject
    from ..models.exported_track import ExportedTrack


T = TypeVar("T", bound="ProjectExport")


@_attrs_define
class ProjectExport:
    """
    Attributes:
        format_ (Literal['contextstack.project']):
        format_version (Literal[1]):
        knowledge (list[ExportedKnowledge]):
        project (ExportedProject):
        tracks (list[ExportedTrack]):
    """

    format_: Literal["contextstack.project"]
    format_version: Literal[1]
    knowledge: list[ExportedKnowledge]
    project: ExportedProject
    tracks: list[ExportedTrack]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        format_ = self.format_

        format_version = self.format_version

        knowledge = []
        for knowledge_item_data in self.knowledge:
            knowledge_item = knowledge_item_data.to_dict()
            knowledge.append(knowledge_item)

        project = self.project.to_dict()

        tracks = []
        for tracks_item_data in self.tracks:
            tracks_item = tracks_item_data.to_dict()
            tracks.append(tracks_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "format": format_,
                "format_version": format_version,
                "knowledge": knowledge,
                "project": project,
                "tracks": tracks,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.exported_knowledge import ExportedKnowledge  # noqa: PLC0415
        from ..models.exported_project import ExportedProject  # noqa: PLC0415
        from ..models.exported_track import ExportedTrack  # noqa: PLC0415

        d = dict(src_dict)
        format_ = cast(Literal["contextstack.project"], d.pop("format"))
        if format_ != "contextstack.project":
            raise ValueError(f"format must match const 'contextstack.project', got '{format_}'")

        format_version = cast(Literal[1], d.pop("format_version"))
        if format_version != 1:
            raise ValueError(f"format_version must match const 1, got '{format_version}'")

        knowledge = []
        _knowledge = d.pop("knowledge")
        for knowledge_item_data in _knowledge:
            knowledge_item = ExportedKnowledge.from_dict(knowledge_item_data)

            knowledge.append(knowledge_item)

        project = ExportedProject.from_dict(d.pop("project"))

        tracks = []
        _tracks = d.pop("tracks")
        for tracks_item_data in _tracks:
            tracks_item = ExportedTrack.from_dict(tracks_item_data)

            tracks.append(tracks_item)

        project_export = cls(
            format_=format_,
            format_version=format_version,
            knowledge=knowledge,
            project=project,
            tracks=tracks,
        )

        project_export.additional_properties = d
        return project_export

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
