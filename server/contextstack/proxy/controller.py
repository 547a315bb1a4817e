"""HTTP for the proxy: OpenAI's endpoints under /v1, and under /p/{project}/v1 with the project in the URL.

Chat completions, the Responses API and embeddings share one way through: the body limit, the proxy headers,
cancellation when the client goes away, and OpenAI's error shape.
"""

from __future__ import annotations

import functools
from typing import Annotated

from litestar import Controller, asgi, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter
from litestar.types import ASGIApp

from contextstack.asgi import Receive, Scope, Send
from contextstack.providers.models import AnthropicModel, AnthropicModelList, OpenAIModel, OpenAIModelList
from contextstack.providers.service import Providers
from contextstack.proxy.embeddings import create_embeddings
from contextstack.proxy.errors import OPENAI_ERROR_HANDLERS
from contextstack.proxy.exchange import forwarded_credentials, serve
from contextstack.proxy.responses import create_response
from contextstack.proxy.service import ProxyAnswer, ProxyOptions, chat_completion
from contextstack.runtime import Runtime

AnthropicVersion = Annotated[str | None, HeaderParameter(name="anthropic-version", required=False)]


async def _chat_completion(runtime: Runtime, options: ProxyOptions, scope: Scope, body: bytes) -> ProxyAnswer:
    forwarded = forwarded_credentials(scope, runtime.settings.token)
    return await chat_completion(
        runtime.providers, runtime.db, runtime.contexts, runtime.settings, body, options, forwarded
    )


async def _create_response(runtime: Runtime, options: ProxyOptions, scope: Scope, body: bytes) -> ProxyAnswer:
    return await create_response(runtime.providers, runtime.db, runtime.contexts, runtime.settings, body, options)


async def _create_embeddings(runtime: Runtime, options: ProxyOptions, scope: Scope, body: bytes) -> ProxyAnswer:
    return await create_embeddings(runtime.providers, body)


async def _chat(scope: Scope, receive: Receive, send: Send, project: str | None) -> None:
    await serve(scope, receive, send, project, _chat_completion, recorded_as="chat")


async def _responses(scope: Scope, receive: Receive, send: Send, project: str | None) -> None:
    await serve(scope, receive, send, project, _create_response, recorded_as="responses")


async def _embeddings(scope: Scope, receive: Receive, send: Send, project: str | None) -> None:
    await serve(scope, receive, send, project, _create_embeddings)


async def _models(providers: Providers, anthropic_version: str | None) -> OpenAIModelList | AnthropicModelList:
    """The models requests can name, in OpenAI's shape, or in Anthropic's for a client that says anthropic-version."""
    models = await providers.list_models()
    if anthropic_version is not None:
        data = [AnthropicModel(id=model.id, display_name=model.id) for model in models]
        return AnthropicModelList(
            data=data, first_id=data[0].id if data else None, last_id=data[-1].id if data else None
        )
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
    async def models(
        self, providers: NamedDependency[Providers], anthropic_version: AnthropicVersion = None
    ) -> OpenAIModelList | AnthropicModelList:
        return await _models(providers, anthropic_version)


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
    async def models(
        self, providers: NamedDependency[Providers], anthropic_version: AnthropicVersion = None
    ) -> OpenAIModelList | AnthropicModelList:
        return await _models(providers, anthropic_version)
