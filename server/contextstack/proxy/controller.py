"""HTTP for the proxy: OpenAI's endpoints under /v1, and under /p/{project}/v1 with the project in the URL.

Chat completions, the Responses API and embeddings share one way through: the body limit, the proxy headers,
cancellation when the client goes away, and OpenAI's error shape.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import get_args

from litestar import Controller, Litestar, asgi, get, post
from litestar.di import NamedDependency
from litestar.exceptions import MethodNotAllowedException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.types import ASGIApp

from contextstack.asgi import Message, Receive, Scope, Send
from contextstack.assembly.service import MAX_BUDGET
from contextstack.dependencies import runtime_of
from contextstack.errors import BadRequest, FieldError
from contextstack.numbers import parse_count
from contextstack.providers.models import OpenAIModel, OpenAIModelList
from contextstack.providers.service import Providers
from contextstack.proxy.embeddings import create_embeddings
from contextstack.proxy.errors import OPENAI_ERROR_HANDLERS
from contextstack.proxy.responses import create_response
from contextstack.proxy.service import ProxyAnswer, ProxyOptions, chat_completion
from contextstack.runtime import Runtime
from contextstack.settings import MAX_BODY_BYTES, InjectMode

PROJECT_HEADER = b"x-contextstack-project"
BUDGET_HEADER = b"x-contextstack-budget"
INJECT_HEADER = b"x-contextstack-inject"
MODEL_HEADER = b"x-contextstack-model"
CONTEXT_TOKENS_HEADER = b"x-contextstack-context-tokens"

_INJECT_MODES: tuple[InjectMode, ...] = get_args(InjectMode)

# nginx's status for a request its client closed before the answer: what the access log shows for one.
CLIENT_CLOSED_REQUEST = 499

log = logging.getLogger("contextstack.proxy")

# Proxies in front of the daemon (nginx) must not hold a stream back.
_STREAM_HEADERS = [(b"cache-control", b"no-cache"), (b"x-accel-buffering", b"no")]
_EVENT_STREAM = b"text/event-stream; charset=utf-8"
_JSON = b"application/json"


def _options(headers: dict[bytes, bytes], project: str | None) -> ProxyOptions:
    raw_budget = _header(headers, BUDGET_HEADER)
    budget = None if raw_budget is None else parse_count(raw_budget, maximum=MAX_BUDGET)
    if raw_budget is not None and budget is None:
        raise BadRequest(
            f"X-Contextstack-Budget must be a whole number of tokens, at most {MAX_BUDGET}.",
            errors=[FieldError("header.X-Contextstack-Budget", f"not a token budget: {raw_budget[:40]!r}")],
        )
    inject = _header(headers, INJECT_HEADER)
    if inject is not None and inject not in _INJECT_MODES:
        raise BadRequest(
            "X-Contextstack-Inject must be prepend, append or off.",
            errors=[FieldError("header.X-Contextstack-Inject", f"not a mode: {inject[:40]!r}")],
        )
    return ProxyOptions(
        project=project or _header(headers, PROJECT_HEADER) or None,
        budget=budget,
        inject=next((mode for mode in _INJECT_MODES if mode == inject), None),
    )


def _header(headers: dict[bytes, bytes], name: bytes) -> str | None:
    value = headers.get(name)
    return None if value is None else value.decode("latin-1").strip()


def _content_length(headers: dict[bytes, bytes]) -> int | None:
    value = headers.get(b"content-length")
    return None if value is None else parse_count(value)


async def _read_body(headers: dict[bytes, bytes], receive: Receive) -> bytes | None:
    """The request's body (None if the client went away first), refused with a 413 past MAX_BODY_BYTES."""
    announced = _content_length(headers)
    if announced is not None and announced > MAX_BODY_BYTES:
        raise RequestEntityTooLarge(detail=f"The request body is over {MAX_BODY_BYTES} bytes.")
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        part = message.get("body", b"")
        size += len(part)
        if size > MAX_BODY_BYTES:
            raise RequestEntityTooLarge(detail=f"The request body is over {MAX_BODY_BYTES} bytes.")
        parts.append(part)
        if not message.get("more_body", False):
            return parts[0] if len(parts) == 1 else b"".join(parts)


class _Watch:
    """Watches for the client going away while its answer is made and sent, and cancels the work if it does."""

    def __init__(self, receive: Receive) -> None:
        self.went_away = False
        self.done = False
        self._task = asyncio.current_task()
        self._watcher = asyncio.get_running_loop().create_task(self._watch(receive))

    async def _watch(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        if not self.done and self._task is not None:
            self.went_away = True
            self._task.cancel()

    def cancelled_by_it(self) -> bool:
        """Whether a cancellation came from the client going away (and so is handled here), not from the server."""
        return self.went_away and self._task is not None and self._task.uncancel() == 0

    def stop(self) -> None:
        self.done = True
        self._watcher.cancel()


def _start(answer: ProxyAnswer) -> Message:
    completion = answer.completion
    headers = [(b"content-type", _EVENT_STREAM if completion.stream is not None else _JSON)]
    if completion.stream is not None:
        headers.extend(_STREAM_HEADERS)
    else:
        headers.append((b"content-length", str(len(completion.body or b"")).encode()))
    headers.append((MODEL_HEADER, completion.target.name.encode()))
    if answer.project is not None:
        headers.append((PROJECT_HEADER, answer.project.encode()))
        headers.append((CONTEXT_TOKENS_HEADER, str(answer.context_tokens).encode()))
    return {"type": "http.response.start", "status": 200, "headers": headers}


async def _send_answer(send: Send, answer: ProxyAnswer) -> None:
    await send(_start(answer))
    stream = answer.completion.stream
    if stream is None:
        await send({"type": "http.response.body", "body": answer.completion.body})
        return
    try:
        async for chunk in stream:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
    finally:
        await stream.aclose()  # on cancellation too: the upstream connection closes
    await send({"type": "http.response.body", "body": b""})


# What answers one of the proxy's endpoints, given the request's body and the proxy's own options.
Endpoint = Callable[[Runtime, bytes, ProxyOptions], Awaitable[ProxyAnswer]]


async def _chat_endpoint(runtime: Runtime, body: bytes, options: ProxyOptions) -> ProxyAnswer:
    return await chat_completion(runtime.providers, runtime.db, runtime.contexts, runtime.settings, body, options)


async def _responses_endpoint(runtime: Runtime, body: bytes, options: ProxyOptions) -> ProxyAnswer:
    return await create_response(runtime.providers, runtime.db, runtime.contexts, runtime.settings, body, options)


async def _embeddings_endpoint(runtime: Runtime, body: bytes, options: ProxyOptions) -> ProxyAnswer:
    return await create_embeddings(runtime.providers, body)


async def _chat(scope: Scope, receive: Receive, send: Send, project: str | None) -> None:
    await _serve(scope, receive, send, project, _chat_endpoint)


async def _responses(scope: Scope, receive: Receive, send: Send, project: str | None) -> None:
    await _serve(scope, receive, send, project, _responses_endpoint)


async def _embeddings(scope: Scope, receive: Receive, send: Send, project: str | None) -> None:
    await _serve(scope, receive, send, project, _embeddings_endpoint)


async def _serve(scope: Scope, receive: Receive, send: Send, project: str | None, endpoint: Endpoint) -> None:
    # Plain ASGI rather than a Litestar handler with its Request and Response: less work a request on the
    # proxy's hot path (docs/benchmarks.md, Proxy). Errors raised here still reach the controller's exception
    # handlers (OpenAI's shape).
    if scope["method"] != "POST":
        raise MethodNotAllowedException(headers={"allow": "POST"})
    headers = dict(scope["headers"])
    options = _options(headers, project)
    body = await _read_body(headers, receive)
    if body is None:
        return
    app: Litestar = scope["litestar_app"]
    runtime = runtime_of(app.state)
    # A client that goes away cancels the upstream request, whether the answer is still being made or already
    # streaming: a model is not kept generating, and billing, for nobody.
    watch = _Watch(receive)
    started = False

    async def send_noting(message: Message) -> None:
        nonlocal started
        started = True
        await send(message)

    try:
        await _send_answer(send_noting, await endpoint(runtime, body, options))
    except asyncio.CancelledError:
        if not watch.cancelled_by_it():
            raise
        log.info("%s %s: the client went away; the upstream request was cancelled", scope["method"], scope["path"])
        if not started:  # for the request log: nothing reaches a client that is gone
            await send({"type": "http.response.start", "status": CLIENT_CLOSED_REQUEST, "headers": []})
            await send({"type": "http.response.body", "body": b""})
    finally:
        watch.stop()


async def _models(providers: Providers) -> OpenAIModelList:
    models = await providers.list_models()
    return OpenAIModelList(
        data=[OpenAIModel(id=model.id, owned_by=model.provider or "contextstack") for model in models]
    )


class OpenAIProxy(Controller):
    """OpenAI's chat completions, Responses API, embeddings and model list, served by the provider the model names."""

    path = "/v1"
    tags = ["proxy"]
    exception_handlers = OPENAI_ERROR_HANDLERS
    include_in_schema = False

    @asgi("/chat/completions", name="create_chat_completion", copy_scope=False)
    async def chat_completions(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _chat(scope, receive, send, None)

    @asgi("/responses", name="create_response", copy_scope=False)
    async def responses(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _responses(scope, receive, send, None)

    @asgi("/embeddings", name="create_embeddings", copy_scope=False)
    async def embeddings(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _embeddings(scope, receive, send, None)

    @get("/models", operation_id="list_proxy_models", summary="The models requests can name")
    async def models(self, providers: NamedDependency[Providers]) -> OpenAIModelList:
        return await _models(providers)


class ProjectOpenAIProxy(Controller):
    """The same endpoints with the project in the base URL, for clients that cannot set headers."""

    path = "/p/{project:str}/v1"
    tags = ["proxy"]
    exception_handlers = OPENAI_ERROR_HANDLERS
    include_in_schema = False

    # A Litestar handler that hands over to the same plain ASGI code: Litestar 2 routes an `asgi` handler with
    # a path parameter by the wrong key (KeyError 'POST'), so this one path pays for Litestar's own handling.
    @post(
        "/chat/completions",
        operation_id="create_project_chat_completion",
        summary="A chat completion with the project's context",
        status_code=200,
    )
    async def chat_completions(self, project: FromPath[str]) -> ASGIApp:
        return functools.partial(_chat, project=project)

    @post(
        "/responses",
        operation_id="create_project_response",
        summary="A Responses API request with the project's context",
        status_code=200,
    )
    async def responses(self, project: FromPath[str]) -> ASGIApp:
        return functools.partial(_responses, project=project)

    @post(
        "/embeddings",
        operation_id="create_project_embeddings",
        summary="Embeddings (nothing is injected)",
        status_code=200,
    )
    async def embeddings(self, project: FromPath[str]) -> ASGIApp:
        return functools.partial(_embeddings, project=project)

    @get("/models", operation_id="list_project_proxy_models", summary="The models requests can name")
    async def models(self, providers: NamedDependency[Providers]) -> OpenAIModelList:
        return await _models(providers)
