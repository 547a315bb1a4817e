from typing import Literal

SearchKnowledgeMatch = Literal["all", "any"]

SEARCH_KNOWLEDGE_MATCH_VALUES: set[SearchKnowledgeMatch] = {
    "all",
    "any",
}


def check_search_knowledge_match(value: str) -> SearchKnowledgeMatch:
    if value in SEARCH_KNOWLEDGE_MATCH_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SEARCH_KNOWLEDGE_MATCH_VALUES!r}")
