"""Failures of routing and of upstream providers, described the way the OpenAI API describes its own."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from contextstack.providers.models import Target
from contextstack.redaction import redact
from contextstack.shapes import OpenAIError, error_type

# Statuses an upstream answers that mean "try later or elsewhere": fallbacks move on to the next model.
_RETRYABLE = frozenset({408, 429})

_decode_any = msgspec.json.Decoder().decode

_WEB_PAGES = frozenset({"text/html", "application/xhtml+xml"})


class ProviderError(Exception):
    """A chat request that could not be served, with the status and OpenAI error fields the client gets.

    `retryable` errors (connection failures, timeouts, 429 and 5xx before any byte was streamed) let a
    model alias fall back to its next model. The message is redacted: it may quote what a provider said, and a
    provider may echo the key it was sent.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        type: str | None = None,
        retryable: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        message = redact(message)
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.type = type or error_type(status)
        self.retryable = retryable
        self.headers = headers or {}

    def body(self) -> OpenAIError:
        return OpenAIError(message=self.message, type=self.type, param=self.param, code=self.code)


def unknown_model(name: str, detail: str) -> ProviderError:
    return ProviderError(404, f"The model {name!r} does not exist: {detail}", code="model_not_found", param="model")


def unknown_provider(name: str) -> ProviderError:
    return ProviderError(404, f"There is no provider {name!r}.", code="provider_not_found")


def missing_key(target: Target, key_env: str | None) -> ProviderError:
    provider = target.provider
    where = f"set {key_env}, or `api_key`" if key_env else "set `api_key` or `api_key_env`"
    return ProviderError(
        401,
        f"{target.name}: the provider {provider!r} has no API key: {where} in its [providers.{provider}] table.",
        code="missing_api_key",
    )


def unreachable(target: Target, reason: str) -> ProviderError:
    return ProviderError(
        502, f"{target.name}: could not reach the provider ({reason}).", code="upstream_unreachable", retryable=True
    )


def timed_out(target: Target, what: str) -> ProviderError:
    return ProviderError(504, f"{target.name}: the provider timed out {what}.", code="upstream_timeout", retryable=True)


def malformed(target: Target, what: str) -> ProviderError:
    return ProviderError(502, f"{target.name}: the provider sent {what}.", code="upstream_malformed_response")


def ended_early(target: Target) -> ProviderError:
    """A stream that ended without its closing event: cut short, however cleanly its connection closed."""
    return ProviderError(
        502, f"{target.name}: the provider ended the stream early.", code="upstream_stream_ended", retryable=True
    )


def _upstream_fields(body: bytes) -> tuple[str | None, str | None, str | None, str | None]:
    """message, type, code, param from an OpenAI-style or Anthropic-style error body, as far as it has them."""
    try:
        document: Any = _decode_any(body)
    except msgspec.DecodeError:
        return None, None, None, None
    error = document.get("error") if isinstance(document, dict) else None
    if isinstance(error, str):
        return error, None, None, None
    if not isinstance(error, dict):
        return None, None, None, None

    def text(key: str) -> str | None:
        value = error.get(key)
        return str(value) if value is not None else None

    return text("message"), text("type"), text("code"), text("param")


def from_upstream(
    target: Target,
    status: int,
    body: bytes,
    headers: dict[str, str],
    secrets: Iterable[str | None] = (),
    content_type: str = "",
) -> ProviderError:
    """The error for an upstream's non-2xx answer: client errors keep their status, server errors become 502/504.

    `secrets` (the key and headers sent to the provider) are cut out of whatever of its answer is relayed. A web
    page (a gateway's or a login wall's) is named, not quoted: its markup means nothing to an API client.
    """
    message, upstream_type, code, param = _upstream_fields(body)
    if message is None and content_type in _WEB_PAGES:
        message = f"the provider answered HTTP {status} with a web page ({content_type}), not an API answer"
    elif message is None:
        text = body.decode("utf-8", "replace").strip()[:500]
        message = f"the provider answered HTTP {status}" + (f": {text}" if text else "")
    message = redact(message, secrets)
    retryable = status >= 500 or status in _RETRYABLE
    client_status = status if status < 500 else (504 if status == 504 else 502)
    if client_status >= 500:
        upstream_type = None
        code = code or "upstream_error"
    return ProviderError(
        client_status,
        f"{target.name}: {message}",
        code=code and redact(code, secrets),
        param=param and redact(param, secrets),
        type=upstream_type if status < 500 else None,
        retryable=retryable,
        headers=headers,
    )
