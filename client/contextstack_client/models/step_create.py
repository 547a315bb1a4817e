from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="StepCreate")


@_attrs_define
class StepCreate:
    """
    Attributes:
        title (str):
        acceptance_criteria (list[str] | Unset): In order; each a checkable sentence.
        actor (None | str | Unset): Who makes the change: `user`, `api` or `ai:<model>`; overrides X-Contextstack-Actor.
        depends_on (list[str] | Unset): Ids of steps of the same project that must be done before this one starts.
        description (str | Unset):  Default: ''.
        instructions (str | Unset):  Default: ''.
        position (int | None | Unset): 0-based place among its siblings.
    """

    title: str
    acceptance_criteria: list[str] | Unset = UNSET
    actor: None | str | Unset = UNSET
    depends_on: list[str] | Unset = UNSET
    description: str | Unset = ""
    instructions: str | Unset = ""
    position: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        title = self.title

        acceptance_criteria: list[str] | Unset = UNSET
        if not isinstance(self.acceptance_criteria, Unset):
            acceptance_criteria = self.acceptance_criteria

        actor: None | str | Unset
        if isinstance(self.actor, Unset):
            actor = UNSET
        else:
            actor = self.actor

        depends_on: list[str] | Unset = UNSET
        if not isinstance(self.depends_on, Unset):
            depends_on = self.depends_on

        description = self.description

        instructions = self.instructions

        position: int | None | Unset
        if isinstance(self.position, Unset):
            position = UNSET
        else:
            position = self.position

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "title": title,
            }
        )
        if acceptance_criteria is not UNSET:
            field_dict["acceptance_criteria"] = acceptance_criteria
        if actor is not UNSET:
            field_dict["actor"] = actor
        if depends_on is not UNSET:
            field_dict["depends_on"] = depends_on
        if description is not UNSET:
            field_dict["description"] = description
        if instructions is not UNSET:
            field_dict["instructions"] = instructions
        if position is not UNSET:
            field_dict["position"] = position

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        title = d.pop("title")

        acceptance_criteria = cast(list[str], d.pop("acceptance_criteria", UNSET))

        def _parse_actor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        actor = _parse_actor(d.pop("actor", UNSET))

        depends_on = cast(list[str], d.pop("depends_on", UNSET))

        description = d.pop("description", UNSET)

        instructions = d.pop("instructions", UNSET)

        def _parse_position(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        position = _parse_position(d.pop("position", UNSET))

        step_create = cls(
            title=title,
            acceptance_criteria=acceptance_criteria,
            actor=actor,
            depends_on=depends_on,
            description=description,
            instructions=instructions,
            position=position,
        )

        step_create.additional_properties = d
        return step_create

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
