from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ImportCounts")


@_attrs_define
class ImportCounts:
    """
    Attributes:
        dependencies (int):
        knowledge (int):
        phases (int):
        steps (int):
        tracks (int):
    """

    dependencies: int
    knowledge: int
    phases: int
    steps: int
    tracks: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        dependencies = self.dependencies

        knowledge = self.knowledge

        phases = self.phases

        steps = self.steps

        tracks = self.tracks

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "dependencies": dependencies,
                "knowledge": knowledge,
                "phases": phases,
                "steps": steps,
                "tracks": tracks,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        dependencies = d.pop("dependencies")

        knowledge = d.pop("knowledge")

        phases = d.pop("phases")

        steps = d.pop("steps")

        tracks = d.pop("tracks")

        import_counts = cls(
            dependencies=dependencies,
            knowledge=knowledge,
            phases=phases,
            steps=steps,
            tracks=tracks,
        )

        import_counts.additional_properties = d
        return import_counts

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
