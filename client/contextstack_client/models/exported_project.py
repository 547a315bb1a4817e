from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.exported_project_status import ExportedProjectStatus, check_exported_project_status

T = TypeVar("T", bound="ExportedProject")


@_attrs_define
class ExportedProject:
    """
    Attributes:
        created_at (str): ISO-8601, as stored.
        description (str):
        id (str):
        instructions (str):
        name (str):
        slug (str): Lowercase letters, digits and dashes; usable wherever a project id is.
        status (ExportedProjectStatus):
        updated_at (str): ISO-8601, as stored.
        version (int):
    """

    created_at: str
    description: str
    id: str
    instructions: str
    name: str
    slug: str
    status: ExportedProjectStatus
    updated_at: str
    version: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        description = self.description

        id = self.id

        instructions = self.instructions

        name = self.name

        slug = self.slug

        status: str = self.status

        updated_at = self.updated_at

        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "description": description,
                "id": id,
                "instructions": instructions,
                "name": name,
                "slug": slug,
                "status": status,
                "updated_at": updated_at,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = d.pop("created_at")

        description = d.pop("description")

        id = d.pop("id")

        instructions = d.pop("instructions")

        name = d.pop("name")

        slug = d.pop("slug")

        status = check_exported_project_status(d.pop("status"))

        updated_at = d.pop("updated_at")

        version = d.pop("version")

        exported_project = cls(
            created_at=created_at,
            description=description,
            id=id,
            instructions=instructions,
            name=name,
            slug=slug,
            status=status,
            updated_at=updated_at,
            version=version,
        )

        exported_project.additional_properties = d
        return exported_project

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
