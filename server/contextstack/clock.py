"""The one clock: UTC timestamps as ISO-8601 strings with milliseconds, which sort as text."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> str:
    """The current UTC time, e.g. `2026-11-25T06:17:23.123Z`."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
