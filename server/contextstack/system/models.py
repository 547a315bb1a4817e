from __future__ import annotations

from typing import Literal

import msgspec
from msgspec import UNSET, UnsetType

from contextstack.memory.models import EmbeddingStatus


class Health(msgspec.Struct, frozen=True):
    """The daemon is up: what it runs and which store it uses (only `status` for a caller without the token)."""

    status: Literal["ok"]
    version: str | UnsetType = UNSET
    store: Literal["sqlite", "postgresql"] | UnsetType = UNSET  # which kind of store `database` is
    database: str | UnsetType = UNSET  # the SQLite file, or the PostgreSQL URL without its password
    schema_version: int | UnsetType = UNSET
    embeddings: EmbeddingStatus | UnsetType = UNSET  # with `[memory] embedding_model` set: how far it has come
