from typing import Literal

EmbeddingStatusState = Literal["embedding", "failing", "idle", "loading"]

EMBEDDING_STATUS_STATE_VALUES: set[EmbeddingStatusState] = {
    "embedding",
    "failing",
    "idle",
    "loading",
}


def check_embedding_status_state(value: str) -> EmbeddingStatusState:
    if value in EMBEDDING_STATUS_STATE_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {EMBEDDING_STATUS_STATE_VALUES!r}")
