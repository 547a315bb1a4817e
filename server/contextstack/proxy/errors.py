"""Errors on /v1 answer in OpenAI's shape, which OpenAI clients read, rather than problem+json."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from contextstack.errors import ContextstackError
from contextstack.providers.errors import ProviderError
from contextstack.shapes import OPENAI_PATH, OpenAIError, OpenAIErrorBody, error_type

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
    return openai_error_response(exc.status, error)


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


def on_openai_paths(handlers: ExceptionHandlersMap) -> ExceptionHandlersMap:
    """`handlers`, except on the proxy's paths, where errors answer in OpenAI's shape.

    The proxy's routes answer so themselves; this covers what fails before any of them is reached: a path under
    /v1 that is not one of them, or a method they do not take.
    """
    return {kind: _by_path(handler, OPENAI_ERROR_HANDLERS.get(kind)) for kind, handler in handlers.items()}


def _by_path(handler: Callable[..., Any], openai: Callable[..., Any] | None) -> Callable[..., Any]:
    if openai is None:
        return handler

    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        chosen = openai if OPENAI_PATH.match(request.url.path) else handler
        answer: Response[Any] = chosen(request, exc)
        return answer

    return handle
