from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.located_step import LocatedStep
    from ..models.project import Project
    from ..models.status_counts import StatusCounts
    from ..models.track_progress import TrackProgress


T = TypeVar("T", bound="StatusReport")


@_attrs_define
class StatusReport:
    """
    Attributes:
        blocked (list[LocatedStep]):
        counts (StatusCounts):
        in_progress (list[LocatedStep]):
        next_steps (list[LocatedStep]):
        project (Project):
        recently_done (list[LocatedStep]):
        tracks (list[TrackProgress]):
    """

    blocked: list[LocatedStep]
    counts: StatusCounts
    in_progress: list[LocatedStep]
    next_steps: list[LocatedStep]
    project: Project
    recently_done: list[LocatedStep]
    tracks: list[TrackProgress]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        blocked = []
        for blocked_item_data in self.blocked:
            blocked_item = blocked_item_data.to_dict()
            blocked.append(blocked_item)

        counts = self.counts.to_dict()

        in_progress = []
        for in_progress_item_data in self.in_progress:
            in_progress_item = in_progress_item_data.to_dict()
            in_progress.append(in_progress_item)

        next_steps = []
        for next_steps_item_data in self.next_steps:
            next_steps_item = next_steps_item_data.to_dict()
            next_steps.append(next_steps_item)

        project = self.project.to_dict()

        recently_done = []
        for recently_done_item_data in self.recently_done:
            recently_done_item = recently_done_item_data.to_dict()
            recently_done.append(recently_done_item)

        tracks = []
        for tracks_item_data in self.tracks:
            tracks_item = tracks_item_data.to_dict()
            tracks.append(tracks_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "blocked": blocked,
                "counts": counts,
                "in_progress": in_progress,
                "next_steps": next_steps,
                "project": project,
                "recently_done": recently_done,
                "tracks": tracks,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.located_step import LocatedStep  # noqa: PLC0415
        from ..models.project import Project  # noqa: PLC0415
        from ..models.status_counts import StatusCounts  # noqa: PLC0415
        from ..models.track_progress import TrackProgress  # noqa: PLC0415

        d = dict(src_dict)
        blocked = []
        _blocked = d.pop("blocked")
        for blocked_item_data in _blocked:
            blocked_item = LocatedStep.from_dict(blocked_item_data)

            blocked.append(blocked_item)

        counts = StatusCounts.from_dict(d.pop("counts"))

        in_progress = []
        _in_progress = d.pop("in_progress")
        for in_progress_item_data in _in_progress:
            in_progress_item = LocatedStep.from_dict(in_progress_item_data)

            in_progress.append(in_progress_item)

        next_steps = []
        _next_steps = d.pop("next_steps")
        for next_steps_item_data in _next_steps:
            next_steps_item = LocatedStep.from_dict(next_steps_item_data)

            next_steps.append(next_steps_item)

        project = Project.from_dict(d.pop("project"))

        recently_done = []
        _recently_done = d.pop("recently_done")
        for recently_done_item_data in _recently_done:
            recently_done_item = LocatedStep.from_dict(recently_done_item_data)

            recently_done.append(recently_done_item)

        tracks = []
        _tracks = d.pop("tracks")
        for tracks_item_data in _tracks:
            tracks_item = TrackProgress.from_dict(tracks_item_data)

            tracks.append(tracks_item)

        status_report = cls(
            blocked=blocked,
            counts=counts,
            in_progress=in_progress,
            next_steps=next_steps,
            project=project,
            recently_done=recently_done,
            tracks=tracks,
        )

        status_report.additional_properties = d
        return status_report

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
