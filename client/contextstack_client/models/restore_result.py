from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.change_counts import ChangeCounts
    from ..models.project import Project


T = TypeVar("T", bound="RestoreResult")


@_attrs_define
class RestoreResult:
    """
    Attributes:
        checkpoint_before_restore (None | str):
        counts (ChangeCounts):
        project (Project):
    """

    checkpoint_before_restore: None | str
    counts: ChangeCounts
    project: Project
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        checkpoint_before_restore: None | str
        checkpoint_before_restore = self.checkpoint_before_restore

        counts = self.counts.to_dict()

        project = self.project.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "checkpoint_before_restore": checkpoint_before_restore,
                "counts": counts,
                "project": project,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.change_counts import ChangeCounts  # noqa: PLC0415
        from ..models.project import Project  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_checkpoint_before_restore(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        checkpoint_before_restore = _parse_checkpoint_before_restore(d.pop("checkpoint_before_restore"))

        counts = ChangeCounts.from_dict(d.pop("counts"))

        project = Project.from_dict(d.pop("project"))

        restore_result = cls(
            checkpoint_before_restore=checkpoint_before_restore,
            counts=counts,
            project=project,
        )

        restore_result.additional_properties = d
        return restore_result

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
