from typing import Literal

KnowledgeHitFoundByItem = Literal["meaning", "words"]

KNOWLEDGE_HIT_FOUND_BY_ITEM_VALUES: set[KnowledgeHitFoundByItem] = {
    "meaning",
    "words",
}


def check_knowledge_hit_found_by_item(value: str) -> KnowledgeHitFoundByItem:
    if value in KNOWLEDGE_HIT_FOUND_BY_ITEM_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {KNOWLEDGE_HIT_FOUND_BY_ITEM_VALUES!r}")
