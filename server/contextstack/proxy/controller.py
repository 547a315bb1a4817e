from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Stream

from contextstack.providers.models import OpenAIModel, OpenAIModelList
from contextstack.providers.service import Providers
from contextstack.proxy.errors import OPENAI_ERROR_HANDLERS
from contextstack.proxy.service import ProxyAnswer, chat_completion

MODEL_HEADER = "x-contextstack-model"

# Proxies in front of the daemon (nginx) must not hold a stream back.
_STREAM_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


def _response(answer: ProxyAnswer) -> Response[Any]:
    completion = answer.completion
    headers = {MODEL_HEADER: completion.target.name}
    if completion.stream is not None:
        return Stream(completion.stream, media_type="text/event-stream", headers={**headers, **_STREAM_HEADERS})
    return Response(completion.body, media_type="application/json", headers=headers)


class OpenAIProxy(Controller):
    """OpenAI's chat completions and model list, served by whichever provider the model names."""

    path = "/v1"
    tags = ["proxy"]
    exception_handlers = OPENAI_ERROR_HANDLERS
    include_in_schema = False

    @post("/chat/completions", operation_id="create_chat_completion", summary="A chat completion", status_code=200)
    async def chat_completions(
        self, request: Request[Any, Any, Any], providers: NamedDependency[Providers]
    ) -> Response[Any]:
        return _response(await chat_completion(providers, await request.body()))

    @get("/models", operation_id="list_proxy_models", summary="The models requests can name")
    async def models(self, providers: NamedDependency[Providers]) -> OpenAIModelList:
        return OpenAIModelList(
            data=[
                OpenAIModel(id=model.id, owned_by=model.provider or "contextstack")
                for model in await providers.list_models()
            ]
        )
