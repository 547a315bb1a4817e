"""The request class of the app: a JSON body nested too deeply to decode is the client's 400, not a crash."""

from __future__ import annotations

from typing import Any

from litestar import Request

from contextstack.errors import BadRequest, FieldError


def too_deep() -> BadRequest:
    """The error of a JSON body nested deeper than the decoder goes (msgspec stops at about 1,000 levels)."""
    return BadRequest(
        "The body is nested too deeply to read: JSON may nest at most about 1,000 levels.",
        errors=[FieldError("body", "nested too deeply")],
    )


class JSONBodyRequest(Request[Any, Any, Any]):
    """Litestar's request, with msgspec's RecursionError on a deep body answered as a 400 naming the body."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError:
            raise too_deep() from None
