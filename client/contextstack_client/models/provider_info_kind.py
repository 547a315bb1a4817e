from typing import Literal

ProviderInfoKind = Literal["anthropic", "openai"]

PROVIDER_INFO_KIND_VALUES: set[ProviderInfoKind] = {
    "anthropic",
    "openai",
}


def check_provider_info_kind(value: str) -> ProviderInfoKind:
    if value in PROVIDER_INFO_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {PROVIDER_INFO_KIND_VALUES!r}")
