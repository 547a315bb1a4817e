"""Domain errors: what went wrong, in terms any front end can render (the REST API, an MCP tool, the CLI).

A field error names the argument it is about as the operation names it (`slug`, `scope`, `items[3].title`),
never where a transport carried it: the HTTP layer adds `body.` or `query.` (problems.py), an MCP tool call
reports the argument as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec


class FieldError(msgspec.Struct, frozen=True):
    """One thing wrong with the input: where (`field`, a path such as `items[2].title`) and what."""

    field: str
    message: str


class ContextstackError(Exception):
    """Base of the domain errors; services raise these and never know about HTTP."""

    status = 500
    title = "Internal Server Error"
    slug = "internal"
    headers: Mapping[str, str] = {}  # HTTP headers the answer carries (Retry-After)

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra


class Invalid(ContextstackError):
    status = 422
    title = "Invalid input"
    slug = "invalid"


class BadRequest(ContextstackError):
    status = 400
    title = "Bad request"
    slug = "bad-request"


class NotFound(ContextstackError):
    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(ContextstackError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class PreconditionFailed(ContextstackError):
    status = 412
    title = "Precondition failed"
    slug = "precondition-failed"


class PayloadTooLarge(ContextstackError):
    status = 413
    title = "Payload too large"
    slug = "payload-too-large"


class Unauthorized(ContextstackError):
    status = 401
    title = "Unauthorized"
    slug = "unauthorized"


class Forbidden(ContextstackError):
    status = 403
    title = "Forbidden"
    slug = "forbidden"


class ConfigError(ContextstackError):
    """The configuration cannot be used; raised before the daemon starts."""

    slug = "config"


class StoreError(ContextstackError):
    """The database cannot be used as it is (for example, it is from a newer version)."""

    status = 503
    title = "Store unavailable"
    slug = "store"


class TooBusy(ContextstackError):
    """The daemon is at one of its limits (a setting names it); the client may try again after `retry_after` s."""

    status = 429
    title = "Too many requests"
    slug = "too-busy"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}
