from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.checkpoint_trigger import CheckpointTrigger, check_checkpoint_trigger
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.checkpoint_counts import CheckpointCounts


T = TypeVar("T", bound="Checkpoint")


@_attrs_define
class Checkpoint:
    """
    Attributes:
        actor (str):
        automatic (bool):
        counts (CheckpointCounts): Entities by kind.
        created_at (str):
        event_id (int): The newest event of the store when it was taken.
        id (str):
        label (None | str):
        project_id (str):
        project_slug (str):
        reason (None | str):
        size (int): Bytes of its entities' JSON (shared with other checkpoints).
        trigger (CheckpointTrigger):
        version (int | Unset):  Default: 1.
    """

    actor: str
    automatic: bool
    counts: CheckpointCounts
    created_at: str
    event_id: int
    id: str
    label: None | str
    project_id: str
    project_slug: str
    reason: None | str
    size: int
    trigger: CheckpointTrigger
    version: int | Unset = 1
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        actor = self.actor

        automatic = self.automatic

        counts = self.counts.to_dict()

        created_at = self.created_at

        event_id = self.event_id

        id = self.id

        label: None | str
        label = self.label

        project_id = self.project_id

        project_slug = self.project_slug

        reason: None | str
        reason = self.reason

        size = self.size

        trigger: str = self.trigger

        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "actor": actor,
                "automatic": automatic,
                "counts": counts,
                "created_at": created_at,
                "event_id": event_id,
                "id": id,
                "label": label,
                "project_id": project_id,
                "project_slug": project_slug,
                "reason": reason,
                "size": size,
                "trigger": trigger,
            }
        )
        if version is not UNSET:
            field_dict["version"] = version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.checkpoint_counts import CheckpointCounts  # noqa: PLC0415

        d = dict(src_dict)
        actor = d.pop("actor")

        automatic = d.pop("automatic")

        counts = CheckpointCounts.from_dict(d.pop("counts"))

        created_at = d.pop("created_at")

        event_id = d.pop("event_id")

        id = d.pop("id")

        def _parse_label(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        label = _parse_label(d.pop("label"))

        project_id = d.pop("project_id")

        project_slug = d.pop("project_slug")

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        size = d.pop("size")

        trigger = check_checkpoint_trigger(d.pop("trigger"))

        version = d.pop("version", UNSET)

        checkpoint = cls(
            actor=actor,
            automatic=automatic,
            counts=counts,
            created_at=created_at,
            event_id=event_id,
            id=id,
            label=label,
            project_id=project_id,
            project_slug=project_slug,
            reason=reason,
            size=size,
            trigger=trigger,
            version=version,
        )

        checkpoint.additional_properties = d
        return checkpoint

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
