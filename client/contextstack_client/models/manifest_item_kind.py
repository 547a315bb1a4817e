from typing import Literal

ManifestItemKind = Literal["knowledge", "message", "step"]

MANIFEST_ITEM_KIND_VALUES: set[ManifestItemKind] = {
    "knowledge",
    "message",
    "step",
}


def check_manifest_item_kind(value: str) -> ManifestItemKind:
    if value in MANIFEST_ITEM_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {MANIFEST_ITEM_KIND_VALUES!r}")
