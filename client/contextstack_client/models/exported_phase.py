from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.exported_step import ExportedStep


T = TypeVar("T", bound="ExportedPhase")


@_attrs_define
class ExportedPhase:
    """
    Attributes:
        created_at (str): ISO-8601, as stored.
        description (str):
        id (str):
        name (str):
        position (int): 0-based place among its siblings.
        steps (list[ExportedStep]):
        updated_at (str): ISO-8601, as stored.
        version (int):
    """

    created_at: str
    description: str
    id: str
    name: str
    position: int
    steps: list[ExportedStep]
    updated_at: str
    version: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        description = self.description

        id = self.id

        name = self.name

        position = self.position

        steps = []
        for steps_item_data in self.steps:
            steps_item = steps_item_data.to_dict()
            steps.append(steps_item)

        updated_at = self.updated_at

        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "description": description,
                "id": id,
                "name": name,
                "position": position,
                "steps": steps,
                "updated_at": updated_at,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.exported_step import ExportedStep  # noqa: PLC0415

        d = dict(src_dict)
        created_at = d.pop("created_at")

        description = d.pop("description")

        id = d.pop("id")

        name = d.pop("name")

        position = d.pop("position")

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in _steps:
            steps_item = ExportedStep.from_dict(steps_item_data)

            steps.append(steps_item)

        updated_at = d.pop("updated_at")

        version = d.pop("version")

        exported_phase = cls(
            created_at=created_at,
            description=description,
            id=id,
            name=name,
            position=position,
            steps=steps,
            updated_at=updated_at,
            version=version,
        )

        exported_phase.additional_properties = d
        return exported_phase

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
