"""Opaque list cursors: the sort key of the last item a page returned."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, TypeVar

import msgspec

from contextstack.errors import BadRequest, FieldError

Limit = Annotated[int, msgspec.Meta(ge=1, le=500)]
DEFAULT_LIMIT = 50

K = TypeVar("K", str, int)


def encode_cursor(key: str | int) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(key)).decode().rstrip("=")


def decode_cursor(cursor: str, kind: type[K]) -> K:
    """The sort key inside a cursor made by `encode_cursor`; a 400 naming the `cursor` otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=kind)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise BadRequest(
            "the cursor is not one this API handed out",
            errors=[FieldError(field="cursor", message="unknown cursor")],
        ) from None
