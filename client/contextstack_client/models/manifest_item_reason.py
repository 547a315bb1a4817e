from typing import Literal

ManifestItemReason = Literal["budget", "included", "summarised", "superseded"]

MANIFEST_ITEM_REASON_VALUES: set[ManifestItemReason] = {
    "budget",
    "included",
    "summarised",
    "superseded",
}


def check_manifest_item_reason(value: str) -> ManifestItemReason:
    if value in MANIFEST_ITEM_REASON_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {MANIFEST_ITEM_REASON_VALUES!r}")
