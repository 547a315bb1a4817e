"""The one parser of integers a client sends (cursors, Last-Event-ID, X-Contextstack-Budget): bounded and ASCII."""

from __future__ import annotations

# SQLite's INTEGER is a signed 64-bit number: nothing a client sends may be larger.
INT64_MAX = 2**63 - 1
# Enough digits for any int64; more are refused before int() is asked to read them.
_MAX_DIGITS = 19


def parse_count(text: str | bytes, *, maximum: int = INT64_MAX) -> int | None:
    """`text` as a whole number from 0 to `maximum`, or None: ASCII digits only (no sign, no `²`), at most 19."""
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    text = text.strip(" \t")
    if not text or len(text) > _MAX_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= maximum else None


def bounded_int(value: object, *, maximum: int = INT64_MAX) -> int | None:
    """`value` if it is an int (not a bool) from 0 to `maximum`: for integers decoded from JSON inside a cursor."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= maximum else None
