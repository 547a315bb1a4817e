"""The shapes errors are answered in: RFC 9457 problem+json on /api, OpenAI's error object on /v1, Anthropic's on
/v1/messages (and on /v1 for a request that says `anthropic-version`).

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

# Anthropic's Messages paths: Anthropic clients (the anthropic SDK, Claude Code) read errors in Anthropic's shape.
ANTHROPIC_PATH = re.compile(r"^(/p/[^/]+)?/v1/messages(/|$)")

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


class AnthropicError(msgspec.Struct, frozen=True):
    type: str
    message: str


class AnthropicErrorBody(msgspec.Struct, frozen=True, tag_field="type", tag="error"):
    """The error shape of Anthropic's API: `{"type": "error", "error": {"type": …, "message": …}}`."""

    error: AnthropicError


ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
_ANTHROPIC_TYPES = frozenset(ANTHROPIC_ERROR_TYPES.values())


def anthropic_error_type(status: int, known: str | None = None) -> str:
    """Anthropic's `type` for an error: `known` when it is one of Anthropic's own, else the status's."""
    if known in _ANTHROPIC_TYPES:
        return known
    return ANTHROPIC_ERROR_TYPES.get(status, "invalid_request_error" if status < 500 else "api_error")


def anthropic_error_json(status: int, message: str, known: str | None = None) -> bytes:
    """An error in Anthropic's shape, encoded."""
    return _encode(AnthropicErrorBody(AnthropicError(type=anthropic_error_type(status, known), message=message)))


def speaks_anthropic(path: str, anthropic_version: bool) -> bool:
    """Whether a request's errors go in Anthropic's shape: on the Messages paths, or on /v1 when it says
    `anthropic-version` (the anthropic SDK and Claude Code send it on every request)."""
    return ANTHROPIC_PATH.match(path) is not None or (anthropic_version and OPENAI_PATH.match(path) is not None)


def refusal(
    path: str, status: int, title: str, detail: str, slug: str, *, anthropic: bool = False
) -> tuple[bytes, bytes]:
    """The body and media type of an error answered before routing, in the shape the path's clients read."""
    if speaks_anthropic(path, anthropic):
        return anthropic_error_json(status, detail), b"application/json"
    if OPENAI_PATH.match(path):
        return openai_error_json(status, detail, slug.replace("-", "_")), b"application/json"
    return _encode(problem(status, title, detail, slug=slug)), PROBLEM_MEDIA_TYPE.encode()
