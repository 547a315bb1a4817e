"""The shapes errors are answered in: RFC 9457 problem+json on /api, OpenAI's error object on /v1.

Neutral ground: the request guard (which answers before any route) and the dialects' handlers both speak
these, and neither imports the other.
"""

from __future__ import annotations

import re

import msgspec

from contextstack.errors import ContextstackError, FieldError

PROBLEM_MEDIA_TYPE = "application/problem+json"

# The proxy's paths: OpenAI clients talk to them, and read errors in OpenAI's shape only.
OPENAI_PATH = re.compile(r"^(/p/[^/]+)?/v1(/|$)")

_encode = msgspec.json.Encoder().encode


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


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


def problem_from_error(
    error: ContextstackError, instance: str | None = None, errors: list[FieldError] | None = None
) -> Problem:
    """The problem document of a domain error; `errors` replaces its field errors (located by the transport)."""
    return problem(
        error.status,
        error.title,
        error.detail,
        slug=error.slug,
        errors=error.errors if errors is None else errors,
        instance=instance,
    )


class OpenAIError(msgspec.Struct, frozen=True):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIErrorBody(msgspec.Struct, frozen=True):
    """The error shape of the OpenAI API, which every OpenAI client knows how to read."""

    error: OpenAIError


_OPENAI_TYPES = {
    401: "authentication_error",
    403: "permission_error",
    429: "rate_limit_error",
    500: "server_error",
    502: "upstream_error",
    504: "timeout_error",
}


def error_type(status: int) -> str:
    """OpenAI's `type` for an error of this status."""
    return _OPENAI_TYPES.get(status, "invalid_request_error" if status < 500 else "server_error")


def openai_error_json(status: int, message: str, code: str) -> bytes:
    """An error in OpenAI's shape, encoded: for answers made outside Litestar (the request guard)."""
    return _encode(OpenAIErrorBody(error=OpenAIError(message=message, type=error_type(status), code=code)))


def refusal(path: str, status: int, title: str, detail: str, slug: str) -> tuple[bytes, bytes]:
    """The body and media type of an error answered before routing, in the shape the path's clients read."""
    if OPENAI_PATH.match(path):
        return openai_error_json(status, detail, slug.replace("-", "_")), b"application/json"
    return _encode(problem(status, title, detail, slug=slug)), PROBLEM_MEDIA_TYPE.encode()
