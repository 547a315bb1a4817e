from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.conversation_hit_found_by_item import ConversationHitFoundByItem, check_conversation_hit_found_by_item
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.conversation import Conversation


T = TypeVar("T", bound="ConversationHit")


@_attrs_define
class ConversationHit:
    """
    Attributes:
        conversation (Conversation):
        message_id (None | str):
        score (float):
        snippet (str):
        found_by (list[ConversationHitFoundByItem] | Unset):
        matched (list[str] | Unset):
    """

    conversation: Conversation
    message_id: None | str
    score: float
    snippet: str
    found_by: list[ConversationHitFoundByItem] | Unset = UNSET
    matched: list[str] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversation = self.conversation.to_dict()

        message_id: None | str
        message_id = self.message_id

        score = self.score

        snippet = self.snippet

        found_by: list[str] | Unset = UNSET
        if not isinstance(self.found_by, Unset):
            found_by = []
            for found_by_item_data in self.found_by:
                found_by_item: str = found_by_item_data
                found_by.append(found_by_item)

        matched: list[str] | Unset = UNSET
        if not isinstance(self.matched, Unset):
            matched = self.matched

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversation": conversation,
                "message_id": message_id,
                "score": score,
                "snippet": snippet,
            }
        )
        if found_by is not UNSET:
            field_dict["found_by"] = found_by
        if matched is not UNSET:
            field_dict["matched"] = matched

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.conversation import Conversation  # noqa: PLC0415

        d = dict(src_dict)
        conversation = Conversation.from_dict(d.pop("conversation"))

        def _parse_message_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        message_id = _parse_message_id(d.pop("message_id"))

        score = d.pop("score")

        snippet = d.pop("snippet")

        _found_by = d.pop("found_by", UNSET)
        found_by: list[ConversationHitFoundByItem] | Unset = UNSET
        if _found_by is not UNSET:
            found_by = []
            for found_by_item_data in _found_by:
                found_by_item = check_conversation_hit_found_by_item(found_by_item_data)

                found_by.append(found_by_item)

        matched = cast(list[str], d.pop("matched", UNSET))

        conversation_hit = cls(
            conversation=conversation,
            message_id=message_id,
            score=score,
            snippet=snippet,
            found_by=found_by,
            matched=matched,
        )

        conversation_hit.additional_properties = d
        return conversation_hit

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
