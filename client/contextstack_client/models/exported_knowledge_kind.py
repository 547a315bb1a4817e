from typing import Literal

ExportedKnowledgeKind = Literal["architecture", "constraint", "convention", "decision", "note", "reference"]

EXPORTED_KNOWLEDGE_KIND_VALUES: set[ExportedKnowledgeKind] = {
    "architecture",
    "constraint",
    "convention",
    "decision",
    "note",
    "reference",
}


def check_exported_knowledge_kind(value: str) -> ExportedKnowledgeKind:
    if value in EXPORTED_KNOWLEDGE_KIND_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {EXPORTED_KNOWLEDGE_KIND_VALUES!r}")
