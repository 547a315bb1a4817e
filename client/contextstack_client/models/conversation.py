from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Conversation")


@_attrs_define
class Conversation:
    """
    Attributes:
        created_at (str):
        forked_from (None | str):
        id (str):
        leaf_id (None | str):
        model (None | str):
        project_id (None | str):
        title (str):
        updated_at (str):
        version (int):
        recorded (bool | Unset): Made by the proxy's recording (docs/proxy.md#recording); retention purges only these.
            Default: False.
    """

    created_at: str
    forked_from: None | str
    id: str
    leaf_id: None | str
    model: None | str
    project_id: None | str
    title: str
    updated_at: str
    version: int
    recorded: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        forked_from: None | str
        forked_from = self.forked_from

        id = self.id

        leaf_id: None | str
        leaf_id = self.leaf_id

        model: None | str
        model = self.model

        project_id: None | str
        project_id = self.project_id

        title = self.title

        updated_at = self.updated_at

        version = self.version

        recorded = self.recorded

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "forked_from": forked_from,
                "id": id,
                "leaf_id": leaf_id,
                "model": model,
                "project_id": project_id,
                "title": title,
                "updated_at": updated_at,
                "version": version,
            }
        )
        if recorded is not UNSET:
            field_dict["recorded"] = recorded

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = d.pop("created_at")

        def _parse_forked_from(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        forked_from = _parse_forked_from(d.pop("forked_from"))

        id = d.pop("id")

        def _parse_leaf_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        leaf_id = _parse_leaf_id(d.pop("leaf_id"))

        def _parse_model(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        model = _parse_model(d.pop("model"))

        def _parse_project_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        project_id = _parse_project_id(d.pop("project_id"))

        title = d.pop("title")

        updated_at = d.pop("updated_at")

        version = d.pop("version")

        recorded = d.pop("recorded", UNSET)

        conversation = cls(
            created_at=created_at,
            forked_from=forked_from,
            id=id,
            leaf_id=leaf_id,
            model=model,
            project_id=project_id,
            title=title,
            updated_at=updated_at,
            version=version,
            recorded=recorded,
        )

        conversation.additional_properties = d
        return conversation

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
