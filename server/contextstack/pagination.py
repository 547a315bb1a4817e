"""Opaque list cursors: the sort key of the last item a page returned."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, TypeVar

import msgspec

from contextstack.errors import BadRequest, FieldError
from contextstack.numbers import bounded_int

Limit = Annotated[int, msgspec.Meta(ge=1, le=500)]
DEFAULT_LIMIT = 50

K = TypeVar("K", str, int)


def encode_cursor(key: str | int) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(key)).decode().rstrip("=")


def decode_cursor(cursor: str, kind: type[K]) -> K:
    """The sort key inside a cursor made by `encode_cursor`; a 400 naming the `cursor` otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = msgspec.json.decode(raw, type=kind)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        key = None
    # An int key is a position or an event id: one past int64 (or below 0) was not made here, and SQLite refuses it.
    if key is None or (kind is int and bounded_int(key) is None):
        raise BadRequest(
            "the cursor is not one this API handed out",
            errors=[FieldError(field="cursor", message="unknown cursor")],
        )
    return key
