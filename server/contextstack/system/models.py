from __future__ import annotations

from typing import Literal

import msgspec


class Health(msgspec.Struct, frozen=True):
    """The daemon is up: what it runs and which store it uses."""

    status: Literal["ok"]
    version: str
    database: str
    schema_version: int
