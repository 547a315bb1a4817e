from typing import Literal

ConversationHitFoundByItem = Literal["meaning", "words"]

CONVERSATION_HIT_FOUND_BY_ITEM_VALUES: set[ConversationHitFoundByItem] = {
    "meaning",
    "words",
}


def check_conversation_hit_found_by_item(value: str) -> ConversationHitFoundByItem:
    if value in CONVERSATION_HIT_FOUND_BY_ITEM_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CONVERSATION_HIT_FOUND_BY_ITEM_VALUES!r}")
