from typing import Literal

DiffEntityKind = Literal["knowledge", "phase", "project", "step", "track"]

DIFF_ENTITY_KIND_VALUES: set[DiffEntityKind] = {
    "knowledge",
    "phase",
    "project",
    "step",
    "track",
}


def check_diff_entity_kind(value: str) -> DiffEntityKind:
    if value in DIFF_ENTITY_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {DIFF_ENTITY_KIND_VALUES!r}")
