from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.import_result_mode import ImportResultMode, check_import_result_mode

if TYPE_CHECKING:
    from ..models.import_counts import ImportCounts
    from ..models.project import Project


T = TypeVar("T", bound="ImportResult")


@_attrs_define
class ImportResult:
    """
    Attributes:
        counts (ImportCounts):
        mode (ImportResultMode):
        project (Project):
    """

    counts: ImportCounts
    mode: ImportResultMode
    project: Project
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        counts = self.counts.to_dict()

        mode: str = self.mode

        project = self.project.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "counts": counts,
                "mode": mode,
                "project": project,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.import_counts import ImportCounts  # noqa: PLC0415
        from ..models.project import Project  # noqa: PLC0415

        d = dict(src_dict)
        counts = ImportCounts.from_dict(d.pop("counts"))

        mode = check_import_result_mode(d.pop("mode"))

        project = Project.from_dict(d.pop("project"))

        import_result = cls(
            counts=counts,
            mode=mode,
            project=project,
        )

        import_result.additional_properties = d
        return import_result

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
