from typing import Literal

KnowledgeUpdateKindType0 = Literal["architecture", "constraint", "convention", "decision", "note", "reference"]

KNOWLEDGE_UPDATE_KIND_TYPE_0_VALUES: set[KnowledgeUpdateKindType0] = {
    "architecture",
    "constraint",
    "convention",
    "decision",
    "note",
    "reference",
}


def check_knowledge_update_kind_type_0(value: str) -> KnowledgeUpdateKindType0:
    if value in KNOWLEDGE_UPDATE_KIND_TYPE_0_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {KNOWLEDGE_UPDATE_KIND_TYPE_0_VALUES!r}")
