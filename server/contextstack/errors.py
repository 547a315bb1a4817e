"""Domain errors, and the one place that turns every error into RFC 9457 problem+json."""

from __future__ import annotations

import logging
from typing import Any

import msgspec

PROBLEM_MEDIA_TYPE = "application/problem+json"

log = logging.getLogger("contextstack.errors")


class FieldError(msgspec.Struct, frozen=True):
    """One thing wrong with the input: where (`field`, a dotted path such as `body.items[2].title`) and what."""

    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


class ContextstackError(Exception):
    """Base of the domain errors; services raise these and never know about HTTP."""

    status = 500
    title = "Internal Server Error"
    slug = "internal"

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


def problem_type(slug: str) -> str:
    return f"https://contextstack.dev/problems/{slug}"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str | None = None,
    errors: list[FieldError] | None = None,
    instance: str | None = None,
) -> Problem:
    return Problem(
        type=problem_type(slug) if slug else "about:blank",
        title=title,
        status=status,
        detail=detail,
        instance=instance,
        errors=errors or None,
    )


def problem_from_error(error: ContextstackError, instance: str | None = None) -> Problem:
    return problem(error.status, error.title, error.detail, slug=error.slug, errors=error.errors, instance=instance)
