from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.exported_step_status import ExportedStepStatus, check_exported_step_status

T = TypeVar("T", bound="ExportedStep")


@_attrs_define
class ExportedStep:
    """
    Attributes:
        acceptance_criteria (list[str]): In order; each a checkable sentence.
        blocked_reason (None | str):
        created_at (str): ISO-8601, as stored.
        depends_on (list[str]): Ids of steps of the same project that must be done before this one starts.
        description (str):
        finished_at (None | str): ISO-8601, as stored.
        id (str):
        instructions (str):
        position (int): 0-based place among its siblings.
        started_at (None | str): ISO-8601, as stored.
        status (ExportedStepStatus):
        title (str):
        updated_at (str): ISO-8601, as stored.
        version (int):
    """

    acceptance_criteria: list[str]
    blocked_reason: None | str
    created_at: str
    depends_on: list[str]
    description: str
    finished_at: None | str
    id: str
    instructions: str
    position: int
    started_at: None | str
    status: ExportedStepStatus
    title: str
    updated_at: str
    version: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        acceptance_criteria = self.acceptance_criteria

        blocked_reason: None | str
        blocked_reason = self.blocked_reason

        created_at = self.created_at

        depends_on = self.depends_on

        description = self.description

        finished_at: None | str
        finished_at = self.finished_at

        id = self.id

        instructions = self.instructions

        position = self.position

        started_at: None | str
        started_at = self.started_at

        status: str = self.status

        title = self.title

        updated_at = self.updated_at

        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "acceptance_criteria": acceptance_criteria,
                "blocked_reason": blocked_reason,
                "created_at": created_at,
                "depends_on": depends_on,
                "description": description,
                "finished_at": finished_at,
                "id": id,
                "instructions": instructions,
                "position": position,
                "started_at": started_at,
                "status": status,
                "title": title,
                "updated_at": updated_at,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        acceptance_criteria = cast(list[str], d.pop("acceptance_criteria"))

        def _parse_blocked_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        blocked_reason = _parse_blocked_reason(d.pop("blocked_reason"))

        created_at = d.pop("created_at")

        depends_on = cast(list[str], d.pop("depends_on"))

        description = d.pop("description")

        def _parse_finished_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        id = d.pop("id")

        instructions = d.pop("instructions")

        position = d.pop("position")

        def _parse_started_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        started_at = _parse_started_at(d.pop("started_at"))

        status = check_exported_step_status(d.pop("status"))

        title = d.pop("title")

        updated_at = d.pop("updated_at")

        version = d.pop("version")

        exported_step = cls(
            acceptance_criteria=acceptance_criteria,
            blocked_reason=blocked_reason,
            created_at=created_at,
            depends_on=depends_on,
            description=description,
            finished_at=finished_at,
            id=id,
            instructions=instructions,
            position=position,
            started_at=started_at,
            status=status,
            title=title,
            updated_at=updated_at,
            version=version,
        )

        exported_step.additional_properties = d
        return exported_step

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
