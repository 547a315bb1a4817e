from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.step import Step


T = TypeVar("T", bound="PlanPhase")


@_attrs_define
class PlanPhase:
    """
    Attributes:
        created_at (str):
        description (str):
        id (str):
        name (str):
        position (int):
        project_id (str):
        steps (list[Step]):
        track_id (str):
        updated_at (str):
        version (int):
    """

    created_at: str
    description: str
    id: str
    name: str
    position: int
    project_id: str
    steps: list[Step]
    track_id: str
    updated_at: str
    version: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        description = self.description

        id = self.id

        name = self.name

        position = self.position

        project_id = self.project_id

        steps = []
        for steps_item_data in self.steps:
            steps_item = steps_item_data.to_dict()
            steps.append(steps_item)

        track_id = self.track_id

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
                "project_id": project_id,
                "steps": steps,
                "track_id": track_id,
                "updated_at": updated_at,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.step import Step  # noqa: PLC0415

        d = dict(src_dict)
        created_at = d.pop("created_at")

        description = d.pop("description")

        id = d.pop("id")

        name = d.pop("name")

        position = d.pop("position")

        project_id = d.pop("project_id")

        steps = []
        _steps = d.pop("steps")
        for steps_item_data in _steps:
            steps_item = Step.from_dict(steps_item_data)

            steps.append(steps_item)

        track_id = d.pop("track_id")

        updated_at = d.pop("updated_at")

        version = d.pop("version")

        plan_phase = cls(
            created_at=created_at,
            description=description,
            id=id,
            name=name,
            position=position,
            project_id=project_id,
            steps=steps,
            track_id=track_id,
            updated_at=updated_at,
            version=version,
        )

        plan_phase.additional_properties = d
        return plan_phase

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
