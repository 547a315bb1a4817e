from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="StepUpdate")


@_attrs_define
class StepUpdate:
    """
    Attributes:
        acceptance_criteria (list[str] | Unset): In order; each a checkable sentence.
        actor (None | str | Unset): Who makes the change: `user`, `api` or `ai:<model>`; overrides X-Contextstack-Actor.
        depends_on (list[str] | Unset): Ids of steps of the same project that must be done before this one starts.
        description (str | Unset):
        instructions (str | Unset):
        title (str | Unset):
    """

    acceptance_criteria: list[str] | Unset = UNSET
    actor: None | str | Unset = UNSET
    depends_on: list[str] | Unset = UNSET
    description: str | Unset = UNSET
    instructions: str | Unset = UNSET
    title: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        acceptance_criteria: list[str] | Unset
        if isinstance(self.acceptance_criteria, Unset):
            acceptance_criteria = UNSET
        else:
            acceptance_criteria = self.acceptance_criteria

        actor: None | str | Unset
        if isinstance(self.actor, Unset):
            actor = UNSET
        else:
            actor = self.actor

        depends_on: list[str] | Unset
        if isinstance(self.depends_on, Unset):
            depends_on = UNSET
        else:
            depends_on = self.depends_on

        description: str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        instructions: str | Unset
        if isinstance(self.instructions, Unset):
            instructions = UNSET
        else:
            instructions = self.instructions

        title: str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
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
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_acceptance_criteria(data: object) -> list[str] | Unset:
            if isinstance(data, Unset):
                return data
            if not isinstance(data, list):
                raise TypeError()
            acceptance_criteria_type_0 = cast(list[str], data)

            return acceptance_criteria_type_0

        acceptance_criteria = _parse_acceptance_criteria(d.pop("acceptance_criteria", UNSET))

        def _parse_actor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        actor = _parse_actor(d.pop("actor", UNSET))

        def _parse_depends_on(data: object) -> list[str] | Unset:
            if isinstance(data, Unset):
                return data
            if not isinstance(data, list):
                raise TypeError()
            depends_on_type_0 = cast(list[str], data)

            return depends_on_type_0

        depends_on = _parse_depends_on(d.pop("depends_on", UNSET))

        def _parse_description(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_instructions(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        instructions = _parse_instructions(d.pop("instructions", UNSET))

        def _parse_title(data: object) -> str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        step_update = cls(
            acceptance_criteria=acceptance_criteria,
            actor=actor,
            depends_on=depends_on,
            description=description,
            instructions=instructions,
            title=title,
        )

        step_update.additional_properties = d
        return step_update

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
