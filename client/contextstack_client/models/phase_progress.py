from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.status_counts import StatusCounts


T = TypeVar("T", bound="PhaseProgress")


@_attrs_define
class PhaseProgress:
    """
    Attributes:
        counts (StatusCounts):
        id (str):
        name (str):
        position (int):
    """

    counts: StatusCounts
    id: str
    name: str
    position: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        counts = self.counts.to_dict()

        id = self.id

        name = self.name

        position = self.position

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "counts": counts,
                "id": id,
                "name": name,
                "position": position,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.status_counts import StatusCounts  # noqa: PLC0415

        d = dict(src_dict)
        counts = StatusCounts.from_dict(d.pop("counts"))

        id = d.pop("id")

        name = d.pop("name")

        position = d.pop("position")

        phase_progress = cls(
            counts=counts,
            id=id,
            name=name,
            position=position,
        )

        phase_progress.additional_properties = d
        return phase_progress

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
