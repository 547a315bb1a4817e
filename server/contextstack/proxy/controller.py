"""HTTP for the proxy: OpenAI's endpoints under /v1, and under /p/{project}/v1 with the project in the URL.

Chat completions, the Responses API and embeddings share one way through: the body limit, the proxy headers,
cancellation when the client goes away, and OpenAI's error shape.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, asgi, get
from litestar.di import NamedDependency
from litestar.params import HeaderParameter

from contextstack.asgi import Receive, Scope, Send
from contextstack.providers.models import AnthropicModel, AnthropicModelList, OpenAIModel, OpenAIModelList
from contextstack.providers.service import Providers
from contextstack.proxy.embeddings import create_embeddings
from contextstack.proxy.errors import OPENAI_ERROR_HANDLERS
from contextstack.proxy.exchange import forwarded_credentials, serve
from contextstack.proxy.paths import project_in_path
from contextstack.proxy.responses import create_response
from contextstack.proxy.service import ProxyAnswer, ProxyOptions, StreamPlace, chat_completion
from contextstack.runtime import Runtime

AnthropicVersion = Annotated[str | None, HeaderParameter(name="anthropic-version", required=False)]


async def _chat_completion(
    runtime: Runtime, options: ProxyOptions, scope: Scope, body: bytes, place: StreamPlace
) -> ProxyAnswer:
    forwarded = forwarded_credentials(scope, runtime.settings.token)
    return await chat_completion(
        runtime.providers,
        runtime.db,
        runtime.contexts,
        runtime.turns,
        runtime.settings,
        body,
        options,
        place,
        forwarded,
    )


async def _create_response(
    runtime: Runtime, options: ProxyOptions, scope: Scope, body: bytes, place: StreamPlace
) -> ProxyAnswer:
    return await create_response(
        runtime.providers, runtime.db, runtime.contexts, runtime.turns, runtime.settings, body, options, place
    )


async def _create_embeddings(
    runtime: Runtime, options: ProxyOptions, scope: Scope, body: bytes, place: StreamPlace
) -> ProxyAnswer:
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

    # Also /p/{project}/v1's, routed here before Litestar with the project in the scope (proxy/paths.py).
    @asgi("/chat/completions", name="create_chat_completion", copy_scope=False)
    async def chat_completions(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _chat(scope, receive, send, project_in_path(scope))

    @asgi("/responses", name="create_response", copy_scope=False)
    async def responses(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _responses(scope, receive, send, project_in_path(scope))

    @asgi("/embeddings", name="create_embeddings", copy_scope=False)
    async def embeddings(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _embeddings(scope, receive, send, project_in_path(scope))

    @get("/models", operation_id="list_proxy_models", summary="The models requests can name")
    async def models(
        self, providers: NamedDependency[Providers], anthropic_version: AnthropicVersion = None
    ) -> OpenAIModelList | AnthropicModelList:
        return await _models(providers, anthropic_version)


class ProjectOpenAIProxy(Controller):
    """The model list with the project in the base URL, for clients that cannot set headers.

    Chat completions, responses and embeddings under this path are routed before Litestar, to the handlers above
    (proxy/paths.py).
    """

    path = "/p/{project:str}/v1"
    tags = ["proxy"]
    exception_handlers = OPENAI_ERROR_HANDLERS
    include_in_schema = False

    @get("/models", operation_id="list_project_proxy_models", summary="The models requests can name")
    async def models(
        self, providers: NamedDependency[Providers], anthropic_version: AnthropicVersion = None
    ) -> OpenAIModelList | AnthropicModelList:
        return await _models(providers, anthropic_version)
