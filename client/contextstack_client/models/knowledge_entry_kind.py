from typing import Literal

KnowledgeEntryKind = Literal["architecture", "constraint", "convention", "decision", "note", "reference"]

KNOWLEDGE_ENTRY_KIND_VALUES: set[KnowledgeEntryKind] = {
    "architecture",
    "constraint",
    "convention",
    "decision",
    "note",
    "reference",
}


def check_knowledge_entry_kind(value: str) -> KnowledgeEntryKind:
    if value in KNOWLEDGE_ENTRY_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {KNOWLEDGE_ENTRY_KIND_VALUES!r}")
