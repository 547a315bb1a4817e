from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.provider_info_kind import ProviderInfoKind, check_provider_info_kind
from ..types import UNSET, Unset

T = TypeVar("T", bound="ProviderInfo")


@_attrs_define
class ProviderInfo:
    """
    Attributes:
        base_url (str):
        builtin (bool):
        key_env (None | str):
        key_set (bool):
        kind (ProviderInfoKind):
        models (list[str]):
        name (str):
        needs_key (bool):
        forward_client_key (bool | Unset):  Default: False.
    """

    base_url: str
    builtin: bool
    key_env: None | str
    key_set: bool
    kind: ProviderInfoKind
    models: list[str]
    name: str
    needs_key: bool
    forward_client_key: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        base_url = self.base_url

        builtin = self.builtin

        key_env: None | str
        key_env = self.key_env

        key_set = self.key_set

        kind: str = self.kind

        models = self.models

        name = self.name

        needs_key = self.needs_key

        forward_client_key = self.forward_client_key

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "base_url": base_url,
                "builtin": builtin,
                "key_env": key_env,
                "key_set": key_set,
                "kind": kind,
                "models": models,
                "name": name,
                "needs_key": needs_key,
            }
        )
        if forward_client_key is not UNSET:
            field_dict["forward_client_key"] = forward_client_key

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        base_url = d.pop("base_url")

        builtin = d.pop("builtin")

        def _parse_key_env(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        key_env = _parse_key_env(d.pop("key_env"))

        key_set = d.pop("key_set")

        kind = check_provider_info_kind(d.pop("kind"))

        models = cast(list[str], d.pop("models"))

        name = d.pop("name")

        needs_key = d.pop("needs_key")

        forward_client_key = d.pop("forward_client_key", UNSET)

        provider_info = cls(
            base_url=base_url,
            builtin=builtin,
            key_env=key_env,
            key_set=key_set,
            kind=kind,
            models=models,
            name=name,
            needs_key=needs_key,
            forward_client_key=forward_client_key,
        )

        provider_info.additional_properties = d
        return provider_info

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
