from typing import Literal

SearchKnowledgeKindType1 = Literal["architecture", "constraint", "convention", "decision", "note", "reference"]

SEARCH_KNOWLEDGE_KIND_TYPE_1_VALUES: set[SearchKnowledgeKindType1] = {
    "architecture",
    "constraint",
    "convention",
    "decision",
    "note",
    "reference",
}


def check_search_knowledge_kind_type_1(value: str) -> SearchKnowledgeKindType1:
    if value in SEARCH_KNOWLEDGE_KIND_TYPE_1_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SEARCH_KNOWLEDGE_KIND_TYPE_1_VALUES!r}")
