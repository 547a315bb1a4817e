from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.embedding_status_state import EmbeddingStatusState, check_embedding_status_state
from ..types import UNSET, Unset

T = TypeVar("T", bound="EmbeddingStatus")


@_attrs_define
class EmbeddingStatus:
    """
    Attributes:
        dimension (int | None):
        embedded (int):
        entries (int):
        model (str):
        state (EmbeddingStatusState):
        waiting (int):
        error (None | str | Unset):
        messages (int | Unset):  Default: 0.
        messages_embedded (int | Unset):  Default: 0.
    """

    dimension: int | None
    embedded: int
    entries: int
    model: str
    state: EmbeddingStatusState
    waiting: int
    error: None | str | Unset = UNSET
    messages: int | Unset = 0
    messages_embedded: int | Unset = 0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        dimension: int | None
        dimension = self.dimension

        embedded = self.embedded

        entries = self.entries

        model = self.model

        state: str = self.state

        waiting = self.waiting

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        messages = self.messages

        messages_embedded = self.messages_embedded

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "dimension": dimension,
                "embedded": embedded,
                "entries": entries,
                "model": model,
                "state": state,
                "waiting": waiting,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error
        if messages is not UNSET:
            field_dict["messages"] = messages
        if messages_embedded is not UNSET:
            field_dict["messages_embedded"] = messages_embedded

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_dimension(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        dimension = _parse_dimension(d.pop("dimension"))

        embedded = d.pop("embedded")

        entries = d.pop("entries")

        model = d.pop("model")

        state = check_embedding_status_state(d.pop("state"))

        waiting = d.pop("waiting")

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        messages = d.pop("messages", UNSET)

        messages_embedded = d.pop("messages_embedded", UNSET)

        embedding_status = cls(
            dimension=dimension,
            embedded=embedded,
            entries=entries,
            model=model,
            state=state,
            waiting=waiting,
            error=error,
            messages=messages,
            messages_embedded=messages_embedded,
        )

        embedding_status.additional_properties = d
        return embedding_status

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
