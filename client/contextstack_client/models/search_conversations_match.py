from typing import Literal

SearchConversationsMatch = Literal["all", "any"]

SEARCH_CONVERSATIONS_MATCH_VALUES: set[SearchConversationsMatch] = {
    "all",
    "any",
}


def check_search_conversations_match(value: str) -> SearchConversationsMatch:
    if value in SEARCH_CONVERSATIONS_MATCH_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SEARCH_CONVERSATIONS_MATCH_VALUES!r}")
