from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InjectedContext")


@_attrs_define
class InjectedContext:
    """
    Attributes:
        hash_ (None | str):
        ids (list[str]):
        omitted_messages (int):
        tokens (int):
    """

    hash_: None | str
    ids: list[str]
    omitted_messages: int
    tokens: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        hash_: None | str
        hash_ = self.hash_

        ids = self.ids

        omitted_messages = self.omitted_messages

        tokens = self.tokens

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "hash": hash_,
                "ids": ids,
                "omitted_messages": omitted_messages,
                "tokens": tokens,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_hash_(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        hash_ = _parse_hash_(d.pop("hash"))

        ids = cast(list[str], d.pop("ids"))

        omitted_messages = d.pop("omitted_messages")

        tokens = d.pop("tokens")

        injected_context = cls(
            hash_=hash_,
            ids=ids,
            omitted_messages=omitted_messages,
            tokens=tokens,
        )

        injected_context.additional_properties = d
        return injected_context

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
