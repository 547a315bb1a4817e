from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="StatusCounts")


@_attrs_define
class StatusCounts:
    """
    Attributes:
        blocked (int):
        done (int):
        in_progress (int):
        percent_done (float):
        todo (int):
        total (int):
    """

    blocked: int
    done: int
    in_progress: int
    percent_done: float
    todo: int
    total: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        blocked = self.blocked

        done = self.done

        in_progress = self.in_progress

        percent_done = self.percent_done

        todo = self.todo

        total = self.total

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "blocked": blocked,
                "done": done,
                "in_progress": in_progress,
                "percent_done": percent_done,
                "todo": todo,
                "total": total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        blocked = d.pop("blocked")

        done = d.pop("done")

        in_progress = d.pop("in_progress")

        percent_done = d.pop("percent_done")

        todo = d.pop("todo")

        total = d.pop("total")

        status_counts = cls(
            blocked=blocked,
            done=done,
            in_progress=in_progress,
            percent_done=percent_done,
            todo=todo,
            total=total,
        )

        status_counts.additional_properties = d
        return status_counts

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
