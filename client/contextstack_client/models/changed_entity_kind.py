from typing import Literal

ChangedEntityKind = Literal["knowledge", "phase", "project", "step", "track"]

CHANGED_ENTITY_KIND_VALUES: set[ChangedEntityKind] = {
    "knowledge",
    "phase",
    "project",
    "step",
    "track",
}


def check_changed_entity_kind(value: str) -> ChangedEntityKind:
    if value in CHANGED_ENTITY_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CHANGED_ENTITY_KIND_VALUES!r}")
