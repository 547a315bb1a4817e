"""Errors on /v1 answer in OpenAI's shape, which OpenAI clients read, rather than problem+json; on the Messages
paths (and for a request that says `anthropic-version`), in Anthropic's."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from contextstack.errors import ContextstackError
from contextstack.providers.errors import ProviderError
from contextstack.shapes import (
    OPENAI_PATH,
    AnthropicError,
    AnthropicErrorBody,
    OpenAIError,
    OpenAIErrorBody,
    anthropic_error_type,
    error_type,
    speaks_anthropic,
)

log = logging.getLogger("contextstack.proxy")


def openai_error_response(
    status: int, error: OpenAIError, headers: dict[str, str] | None = None
) -> Response[OpenAIErrorBody]:
    return Response(OpenAIErrorBody(error=error), status_code=status, headers=headers)


def _on_provider_error(request: Request[Any, Any, Any], exc: ProviderError) -> Response[OpenAIErrorBody]:
    return openai_error_response(exc.status, exc.body(), exc.headers)


def _on_domain_error(request: Request[Any, Any, Any], exc: ContextstackError) -> Response[OpenAIErrorBody]:
    param = exc.errors[0].field.removeprefix("body.") if exc.errors else None
    error = OpenAIError(message=exc.detail, type=error_type(exc.status), param=param, code=exc.slug)
    return openai_error_response(exc.status, error, dict(exc.headers) or None)


def _on_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[OpenAIErrorBody]:
    message = exc.detail
    if exc.status_code == 404 and message == "Not Found":  # no route: say what the proxy serves
        message = (
            f"The proxy does not serve {request.method} {request.url.path}: it serves POST /v1/chat/completions, "
            "POST /v1/responses, POST /v1/embeddings and GET /v1/models (also under /p/{project}/v1)."
        )
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}."
    error = OpenAIError(message=message, type=error_type(exc.status_code), code=str(exc.status_code))
    return openai_error_response(exc.status_code, error, exc.headers)


def _on_validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[OpenAIErrorBody]:
    return openai_error_response(400, OpenAIError(message=exc.detail, type="invalid_request_error"))


def _on_unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[OpenAIErrorBody]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    message = "The proxy hit an unexpected error; details are in the daemon's log."
    return openai_error_response(500, OpenAIError(message=message, type="server_error"))


OPENAI_ERROR_HANDLERS: ExceptionHandlersMap = {
    ProviderError: _on_provider_error,
    ContextstackError: _on_domain_error,
    ValidationException: _on_validation_error,
    HTTPException: _on_http_error,
    Exception: _on_unexpected_error,
}


def anthropic_error_response(
    status: int, error_type: str, message: str, headers: dict[str, str] | None = None
) -> Response[AnthropicErrorBody]:
    body = AnthropicErrorBody(AnthropicError(type=anthropic_error_type(status, error_type), message=message))
    return Response(body, status_code=status, headers=headers)


def _anthropic_provider_error(request: Request[Any, Any, Any], exc: ProviderError) -> Response[AnthropicErrorBody]:
    return anthropic_error_response(exc.status, exc.type, exc.message, exc.headers)


def _anthropic_domain_error(request: Request[Any, Any, Any], exc: ContextstackError) -> Response[AnthropicErrorBody]:
    where = exc.errors[0].field.removeprefix("body.") if exc.errors else None
    message = exc.detail if where is None or where in exc.detail else f"{where}: {exc.detail}"
    return anthropic_error_response(exc.status, "", message)


def _anthropic_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[AnthropicErrorBody]:
    message = exc.detail
    if exc.status_code == 404 and message == "Not Found":  # no route: say what the proxy serves
        message = (
            f"The proxy does not serve {request.method} {request.url.path}: it serves POST /v1/messages, "
            "POST /v1/messages/count_tokens and GET /v1/models (also under /p/{project}/v1)."
        )
    elif exc.status_code == 405:
        message = f"{request.method} is not allowed on {request.url.path}."
    return anthropic_error_response(exc.status_code, "", message, exc.headers)


def _anthropic_validation_error(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[AnthropicErrorBody]:
    return anthropic_error_response(400, "invalid_request_error", exc.detail)


def _anthropic_unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[AnthropicErrorBody]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return anthropic_error_response(
        500, "api_error", "The proxy hit an unexpected error; details are in the daemon's log."
    )


ANTHROPIC_ERROR_HANDLERS: ExceptionHandlersMap = {
    ProviderError: _anthropic_provider_error,
    ContextstackError: _anthropic_domain_error,
    ValidationException: _anthropic_validation_error,
    HTTPException: _anthropic_http_error,
    Exception: _anthropic_unexpected_error,
}


def on_proxy_paths(handlers: ExceptionHandlersMap) -> ExceptionHandlersMap:
    """`handlers`, except on the proxy's paths, where errors answer in OpenAI's shape, or Anthropic's.

    The proxy's routes answer so themselves; this covers what fails before any of them is reached: a path under
    /v1 that is not one of them, or a method they do not take.
    """
    return {
        kind: _by_path(handler, OPENAI_ERROR_HANDLERS.get(kind), ANTHROPIC_ERROR_HANDLERS.get(kind))
        for kind, handler in handlers.items()
    }


def _by_path(
    handler: Callable[..., Any], openai: Callable[..., Any] | None, anthropic: Callable[..., Any] | None
) -> Callable[..., Any]:
    if openai is None or anthropic is None:
        return handler

    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        path = request.url.path
        if speaks_anthropic(path, "anthropic-version" in request.headers):
            chosen = anthropic
        else:
            chosen = openai if OPENAI_PATH.match(path) else handler
        answer: Response[Any] = chosen(request, exc)
        return answer

    return handle
