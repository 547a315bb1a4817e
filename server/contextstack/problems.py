"""HTTP side of errors: Litestar exception handlers answering problem+json, and their OpenAPI documentation.

A domain error names the arguments it is about as the operation names them (`slug`, `items[3].title`); here
each gets the part of the request that carried it: `body.slug` when the handler's body has that field,
`query.scope` when the handler takes that query parameter. A name that is neither (a step's `depends_on` in a
status conflict: the stored state, not the input) is left as it is, and so is one already located
(`header.Last-Event-ID`).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from typing import Any, get_args, get_origin

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import BodyKwarg, ParameterKwarg
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from contextstack.errors import ContextstackError, FieldError
from contextstack.shapes import PROBLEM_MEDIA_TYPE, Problem, problem, problem_from_error

log = logging.getLogger("contextstack.errors")

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal Server Error",
    503: "Service unavailable",
}

_DESCRIPTIONS = {
    400: "The request is malformed or fails validation; `errors` names each bad field.",
    401: "A valid access token is required.",
    403: "The request's Host or Origin is not allowed.",
    404: "The resource does not exist.",
    409: "The request conflicts with the current state.",
    412: "`If-Match` does not match the current version.",
    413: "The request body is too large.",
    422: "The body is well-formed but its values are not acceptable; `errors` names each bad field.",
}


def problem_response(body: Problem, headers: Mapping[str, str] | None = None) -> Response[Problem]:
    return Response(content=body, status_code=body.status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _validation_errors(extra: Any) -> list[FieldError]:
    errors: list[FieldError] = []
    if isinstance(extra, list):
        for item in extra:
            if not isinstance(item, dict):
                continue
            key, source = item.get("key"), item.get("source")
            # Litestar names a parameter's source with its ParamType enum, whose str() is `ParamType.QUERY`.
            source = getattr(source, "value", source)
            field = ".".join(str(part) for part in (source, key) if part) or "body"
            errors.append(FieldError(field=field, message=str(item.get("message", "invalid value"))))
    return errors


_LOCATED = ("body", "query", "header", "path", "cookie")
_FIRST_NAME = re.compile(r"[^.\[]*")


def _struct_fields(annotation: Any) -> frozenset[str]:
    while get_origin(annotation) is not None and not isinstance(annotation, type):  # Annotated[T, …], T | None
        annotation = next((arg for arg in get_args(annotation) if arg is not type(None)), None)
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return frozenset(field.encode_name for field in msgspec.structs.fields(annotation))
    return frozenset()


@functools.cache
def _arguments(handler: BaseRouteHandler) -> tuple[frozenset[str], frozenset[str]]:
    """The names a handler's request carries: the fields of its JSON body, and its query parameters."""
    body: frozenset[str] = frozenset()
    query: set[str] = set()
    for name, parameter in handler.parsed_fn_signature.parameters.items():
        kwarg = parameter.kwarg_definition
        if name == "data" or isinstance(kwarg, BodyKwarg):
            body = _struct_fields(parameter.annotation)
        elif isinstance(kwarg, ParameterKwarg) and (kwarg.query or getattr(kwarg.param_type, "value", "") == "query"):
            query.add(kwarg.query or getattr(kwarg, "name", None) or name)
    return body, frozenset(query)


def located(errors: list[FieldError] | None, handler: BaseRouteHandler | None) -> list[FieldError] | None:
    """`errors` with each argument named by where the request carried it (`body.slug`, `query.scope`)."""
    if not errors or handler is None:
        return errors
    body, query = _arguments(handler)
    result = []
    for error in errors:
        first = _FIRST_NAME.match(error.field)
        name = first.group() if first else ""
        if name in _LOCATED and error.field != name:
            result.append(error)
        elif name in body:
            result.append(FieldError(field=f"body.{error.field}", message=error.message))
        elif name in query:
            result.append(FieldError(field=f"query.{error.field}", message=error.message))
        else:
            result.append(error)
    return result


def _on_domain_error(request: Request[Any, Any, Any], exc: ContextstackError) -> Response[Problem]:
    errors = located(exc.errors, request.scope.get("route_handler"))
    return problem_response(problem_from_error(exc, instance=request.url.path, errors=errors), headers=exc.headers)


def _on_validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    errors = _validation_errors(exc.extra)
    if errors:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    else:
        detail = exc.detail if exc.detail and not exc.detail.startswith("Validation failed") else "Invalid request"
    return problem_response(
        problem(400, "Bad request", detail, slug="validation", errors=errors, instance=request.url.path)
    )


def _on_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    title = _TITLES.get(status, "Error")
    detail = exc.detail or title
    if status == 404 and detail == "Not Found":
        detail = f"No route matches {request.method} {request.url.path}"
    elif status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    body = problem(status, title, detail, slug=title.lower().replace(" ", "-"), instance=request.url.path)
    return problem_response(body, headers=exc.headers)


def _on_unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    body = problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Internal Server Error",
        "The daemon hit an unexpected error; details are in its log.",
        slug="internal",
        instance=request.url.path,
    )
    return problem_response(body)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ContextstackError: _on_domain_error,
    ValidationException: _on_validation_error,
    HTTPException: _on_http_error,
    Exception: _on_unexpected_error,
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI responses for a handler: 400 always, plus the given statuses, each as problem+json."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            media_type=PROBLEM_MEDIA_TYPE,
            description=_DESCRIPTIONS.get(status, _TITLES.get(status, "Error")),
            generate_examples=False,
        )
        for status in sorted({400, *statuses})
    }
