from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.changed_entity import ChangedEntity
    from ..models.diff_entity import DiffEntity


T = TypeVar("T", bound="CheckpointDiff")


@_attrs_define
class CheckpointDiff:
    """
    Attributes:
        added (list[DiffEntity]):
        changed (list[ChangedEntity]):
        removed (list[DiffEntity]):
    """

    added: list[DiffEntity]
    changed: list[ChangedEntity]
    removed: list[DiffEntity]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        added = []
        for added_item_data in self.added:
            added_item = added_item_data.to_dict()
            added.append(added_item)

        changed = []
        for changed_item_data in self.changed:
            changed_item = changed_item_data.to_dict()
            changed.append(changed_item)

        removed = []
        for removed_item_data in self.removed:
            removed_item = removed_item_data.to_dict()
            removed.append(removed_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "added": added,
                "changed": changed,
                "removed": removed,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.changed_entity import ChangedEntity  # noqa: PLC0415
        from ..models.diff_entity import DiffEntity  # noqa: PLC0415

        d = dict(src_dict)
        added = []
        _added = d.pop("added")
        for added_item_data in _added:
            added_item = DiffEntity.from_dict(added_item_data)

            added.append(added_item)

        changed = []
        _changed = d.pop("changed")
        for changed_item_data in _changed:
            changed_item = ChangedEntity.from_dict(changed_item_data)

            changed.append(changed_item)

        removed = []
        _removed = d.pop("removed")
        for removed_item_data in _removed:
            removed_item = DiffEntity.from_dict(removed_item_data)

            removed.append(removed_item)

        checkpoint_diff = cls(
            added=added,
            changed=changed,
            removed=removed,
        )

        checkpoint_diff.additional_properties = d
        return checkpoint_diff

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
