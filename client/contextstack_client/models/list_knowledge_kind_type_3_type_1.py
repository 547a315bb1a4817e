from typing import Literal

ListKnowledgeKindType3Type1 = Literal["architecture", "constraint", "convention", "decision", "note", "reference"]

LIST_KNOWLEDGE_KIND_TYPE_3_TYPE_1_VALUES: set[ListKnowledgeKindType3Type1] = {
    "architecture",
    "constraint",
    "convention",
    "decision",
    "note",
    "reference",
}


def check_list_knowledge_kind_type_3_type_1(value: str) -> ListKnowledgeKindType3Type1:
    if value in LIST_KNOWLEDGE_KIND_TYPE_3_TYPE_1_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LIST_KNOWLEDGE_KIND_TYPE_3_TYPE_1_VALUES!r}")
