from typing import Literal

SearchConversationsMode = Literal["hybrid", "meaning", "words"]

SEARCH_CONVERSATIONS_MODE_VALUES: set[SearchConversationsMode] = {
    "hybrid",
    "meaning",
    "words",
}


def check_search_conversations_mode(value: str) -> SearchConversationsMode:
    if value in SEARCH_CONVERSATIONS_MODE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SEARCH_CONVERSATIONS_MODE_VALUES!r}")
