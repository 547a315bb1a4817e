from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.changed_entity_kind import ChangedEntityKind, check_changed_entity_kind

if TYPE_CHECKING:
    from ..models.changed_entity_fields import ChangedEntityFields


T = TypeVar("T", bound="ChangedEntity")


@_attrs_define
class ChangedEntity:
    """
    Attributes:
        fields (ChangedEntityFields):
        id (str):
        kind (ChangedEntityKind):
        title (str):
    """

    fields: ChangedEntityFields
    id: str
    kind: ChangedEntityKind
    title: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        fields = self.fields.to_dict()

        id = self.id

        kind: str = self.kind

        title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "fields": fields,
                "id": id,
                "kind": kind,
                "title": title,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.changed_entity_fields import ChangedEntityFields  # noqa: PLC0415

        d = dict(src_dict)
        fields = ChangedEntityFields.from_dict(d.pop("fields"))

        id = d.pop("id")

        kind = check_changed_entity_kind(d.pop("kind"))

        title = d.pop("title")

        changed_entity = cls(
            fields=fields,
            id=id,
            kind=kind,
            title=title,
        )

        changed_entity.additional_properties = d
        return changed_entity

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
