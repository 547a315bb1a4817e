from __future__ import annotations

from typing import Literal

import msgspec
from msgspec import UNSET, UnsetType

from contextstack.memory.models import EmbeddingStatus


class Health(msgspec.Struct, frozen=True):
    """The daemon is up: what it runs and which store it uses (only `status` for a caller without the token)."""

    status: Literal["ok"]
    version: str | UnsetType = UNSET
    database: str | UnsetType = UNSET
    schema_version: int | UnsetType = UNSET
    embeddings: EmbeddingStatus | UnsetType = UNSET  # with `[memory] embedding_model` set: how far it has come
