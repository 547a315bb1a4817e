from typing import Literal

KnowledgeCreateKind = Literal["architecture", "constraint", "convention", "decision", "note", "reference"]

KNOWLEDGE_CREATE_KIND_VALUES: set[KnowledgeCreateKind] = {
    "architecture",
    "constraint",
    "convention",
    "decision",
    "note",
    "reference",
}


def check_knowledge_create_kind(value: str) -> KnowledgeCreateKind:
    if value in KNOWLEDGE_CREATE_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {KNOWLEDGE_CREATE_KIND_VALUES!r}")
