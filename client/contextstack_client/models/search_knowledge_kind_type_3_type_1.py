from typing import Literal

SearchKnowledgeKindType3Type1 = Literal["architecture", "constraint", "convention", "decision", "note", "reference"]

SEARCH_KNOWLEDGE_KIND_TYPE_3_TYPE_1_VALUES: set[SearchKnowledgeKindType3Type1] = {
    "architecture",
    "constraint",
    "convention",
    "decision",
    "note",
    "reference",
}


def check_search_knowledge_kind_type_3_type_1(value: str) -> SearchKnowledgeKindType3Type1:
    if value in SEARCH_KNOWLEDGE_KIND_TYPE_3_TYPE_1_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SEARCH_KNOWLEDGE_KIND_TYPE_3_TYPE_1_VALUES!r}")
