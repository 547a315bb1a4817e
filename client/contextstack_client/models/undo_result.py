from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.change_counts import ChangeCounts
    from ..models.project import Project


T = TypeVar("T", bound="UndoResult")


@_attrs_define
class UndoResult:
    """
    Attributes:
        checkpoint_before_undo (str):
        counts (ChangeCounts):
        project (Project):
        undone (str): The checkpoint taken before the burst.
    """

    checkpoint_before_undo: str
    counts: ChangeCounts
    project: Project
    undone: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        checkpoint_before_undo = self.checkpoint_before_undo

        counts = self.counts.to_dict()

        project = self.project.to_dict()

        undone = self.undone

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "checkpoint_before_undo": checkpoint_before_undo,
                "counts": counts,
                "project": project,
                "undone": undone,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.change_counts import ChangeCounts  # noqa: PLC0415
        from ..models.project import Project  # noqa: PLC0415

        d = dict(src_dict)
        checkpoint_before_undo = d.pop("checkpoint_before_undo")

        counts = ChangeCounts.from_dict(d.pop("counts"))

        project = Project.from_dict(d.pop("project"))

        undone = d.pop("undone")

        undo_result = cls(
            checkpoint_before_undo=checkpoint_before_undo,
            counts=counts,
            project=project,
            undone=undone,
        )

        undo_result.additional_properties = d
        return undo_result

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
