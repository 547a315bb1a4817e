"""HTTP for the proxy: OpenAI's endpoints under /v1, and under /p/{project}/v1 with the project in the URL."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, get_args

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Stream
from litestar.types import Receive

from contextstack.assembly.service import MAX_BUDGET
from contextstack.dependencies import provide_db, provide_providers, provide_settings
from contextstack.errors import BadRequest, FieldError
from contextstack.providers.models import OpenAIModel, OpenAIModelList
from contextstack.providers.service import Providers
from contextstack.proxy.errors import OPENAI_ERROR_HANDLERS
from contextstack.proxy.service import ProxyAnswer, ProxyOptions, chat_completion
from contextstack.settings import InjectMode

PROJECT_HEADER = "x-contextstack-project"
BUDGET_HEADER = "x-contextstack-budget"
INJECT_HEADER = "x-contextstack-inject"
MODEL_HEADER = "x-contextstack-model"
CONTEXT_TOKENS_HEADER = "x-contextstack-context-tokens"

_INJECT_MODES: tuple[InjectMode, ...] = get_args(InjectMode)

# nginx's status for a request its client closed before the answer: what the access log shows for one.
CLIENT_CLOSED_REQUEST = 499

log = logging.getLogger("contextstack.proxy")

# Proxies in front of the daemon (nginx) must not hold a stream back.
_STREAM_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


def _options(request: Request[Any, Any, Any], project: str | None) -> ProxyOptions:
    headers = request.headers
    budget = headers.get(BUDGET_HEADER)
    if budget is not None and not (budget.isascii() and budget.isdigit() and int(budget) <= MAX_BUDGET):
        raise BadRequest(
            f"X-Contextstack-Budget must be a whole number of tokens, at most {MAX_BUDGET}.",
            errors=[FieldError("header.X-Contextstack-Budget", f"not a token budget: {budget[:40]!r}")],
        )
    inject = headers.get(INJECT_HEADER)
    if inject is not None and inject not in _INJECT_MODES:
        raise BadRequest(
            "X-Contextstack-Inject must be prepend, append or off.",
            errors=[FieldError("header.X-Contextstack-Inject", f"not a mode: {inject[:40]!r}")],
        )
    return ProxyOptions(
        project=project or headers.get(PROJECT_HEADER) or None,
        budget=int(budget) if budget is not None else None,
        inject=next((mode for mode in _INJECT_MODES if mode == inject), None),
    )


def _response(answer: ProxyAnswer) -> Response[Any]:
    completion = answer.completion
    headers = {MODEL_HEADER: completion.target.name}
    if answer.project is not None:
        headers[PROJECT_HEADER] = answer.project
        headers[CONTEXT_TOKENS_HEADER] = str(answer.context_tokens)
    if completion.stream is not None:
        return Stream(completion.stream, media_type="text/event-stream", headers={**headers, **_STREAM_HEADERS})
    return Response(completion.body, media_type="application/json", headers=headers)


async def _chat(request: Request[Any, Any, Any], project: str | None) -> Response[Any]:
    # The store, providers and settings come from the app's state rather than by dependency injection, and
    # the path parameter from the request: Litestar's injection costs ~0.15 ms a request on the hot path.
    state = request.app.state
    options = _options(request, project)
    body = await request.body()
    work = asyncio.ensure_future(
        chat_completion(provide_providers(state), provide_db(state), provide_settings(state), body, options)
    )
    # Until the answer (or a stream's first event) is in, a client that goes away cancels the upstream request:
    # a model is not kept generating, and billing, for nobody. Once streaming, Stream itself notices.
    gone = asyncio.ensure_future(_disconnect(request.receive))
    try:
        await asyncio.wait((work, gone), return_when=asyncio.FIRST_COMPLETED)
    finally:
        gone.cancel()
        if not work.done():  # the client went away (or this handler is being cancelled)
            work.cancel()
            await asyncio.wait((work,))  # the upstream connection closes as the cancellation unwinds
    if not work.cancelled():
        return _response(work.result())
    log.info("%s %s: the client went away; the upstream request was cancelled", request.method, request.url.path)
    return Response(None, status_code=CLIENT_CLOSED_REQUEST)


async def _disconnect(receive: Receive) -> None:
    """Return when the client disconnects (the request's body has been read)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def _models(providers: Providers) -> OpenAIModelList:
    models = await providers.list_models()
    return OpenAIModelList(
        data=[OpenAIModel(id=model.id, owned_by=model.provider or "contextstack") for model in models]
    )


class OpenAIProxy(Controller):
    """OpenAI's chat completions and model list, served by whichever provider the model names."""

    path = "/v1"
    tags = ["proxy"]
    exception_handlers = OPENAI_ERROR_HANDLERS
    include_in_schema = False

    @post("/chat/completions", operation_id="create_chat_completion", summary="A chat completion", status_code=200)
    async def chat_completions(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return await _chat(request, None)

    @get("/models", operation_id="list_proxy_models", summary="The models requests can name")
    async def models(self, providers: NamedDependency[Providers]) -> OpenAIModelList:
        return await _models(providers)


class ProjectOpenAIProxy(Controller):
    """The same endpoints with the project in the base URL, for clients that cannot set headers."""

    path = "/p/{project:str}/v1"
    tags = ["proxy"]
    exception_handlers = OPENAI_ERROR_HANDLERS
    include_in_schema = False

    @post(
        "/chat/completions",
        operation_id="create_project_chat_completion",
        summary="A chat completion with the project's context",
        status_code=200,
    )
    async def chat_completions(self, request: Request[Any, Any, Any]) -> Response[Any]:
        project: str = request.path_params["project"]
        return await _chat(request, project)

    @get("/models", operation_id="list_project_proxy_models", summary="The models requests can name")
    async def models(self, providers: NamedDependency[Providers]) -> OpenAIModelList:
        return await _models(providers)
