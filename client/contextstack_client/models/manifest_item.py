from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.manifest_item_kind import ManifestItemKind, check_manifest_item_kind
from ..models.manifest_item_reason import ManifestItemReason, check_manifest_item_reason

T = TypeVar("T", bound="ManifestItem")


@_attrs_define
class ManifestItem:
    """
    Attributes:
        id (str):
        included (bool):
        kind (ManifestItemKind):
        reason (ManifestItemReason):
        section (str):
        title (str):
    """

    id: str
    included: bool
    kind: ManifestItemKind
    reason: ManifestItemReason
    section: str
    title: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        included = self.included

        kind: str = self.kind

        reason: str = self.reason

        section = self.section

        title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "included": included,
                "kind": kind,
                "reason": reason,
                "section": section,
                "title": title,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        included = d.pop("included")

        kind = check_manifest_item_kind(d.pop("kind"))

        reason = check_manifest_item_reason(d.pop("reason"))

        section = d.pop("section")

        title = d.pop("title")

        manifest_item = cls(
            id=id,
            included=included,
            kind=kind,
            reason=reason,
            section=section,
            title=title,
        )

        manifest_item.additional_properties = d
        return manifest_item

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
