from typing import Literal

SearchKnowledgeMode = Literal["hybrid", "meaning", "words"]

SEARCH_KNOWLEDGE_MODE_VALUES: set[SearchKnowledgeMode] = {
    "hybrid",
    "meaning",
    "words",
}


def check_search_knowledge_mode(value: str) -> SearchKnowledgeMode:
    if value in SEARCH_KNOWLEDGE_MODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SEARCH_KNOWLEDGE_MODE_VALUES!r}")
