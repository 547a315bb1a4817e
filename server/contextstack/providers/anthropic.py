"""The adapter for Anthropic's Messages API: OpenAI requests translated there, answers and streams translated back."""

from __future__ import annotations

import ssl
from typing import Any

import msgspec

from contextstack.providers.anthropic_request import to_messages_request
from contextstack.providers.anthropic_response import StreamTranslation, sse_events, to_chat_completion
from contextstack.providers.models import Completion, Target
from contextstack.providers.registry import Provider
from contextstack.providers.upstream import Upstream, chunks, open_stream, read_body, upstream_url

ANTHROPIC_VERSION = "2023-06-01"

_encode = msgspec.json.Encoder().encode


class Anthropic:
    """Claude models through the Messages API."""

    def __init__(self, provider: Provider, ssl_context: ssl.SSLContext) -> None:
        self.provider = provider
        auth = {"x-api-key": provider.api_key} if provider.api_key else {}
        headers = {"anthropic-version": ANTHROPIC_VERSION, **auth, **provider.headers}
        self.upstream = Upstream(provider, ssl_context, headers)
        self._messages_url = upstream_url(provider.base_url + "/messages")
        self._models_url = upstream_url(provider.base_url + "/models", {"limit": 1000})

    async def chat(self, target: Target, request: dict[str, Any], *, stream: bool) -> Completion:
        """Translate the request, send it, and translate the answer (or each stream event) back."""
        translated = to_messages_request(request, target.model)
        response = await self.upstream.send(target, "POST", self._messages_url, _encode(translated))
        if not stream:
            return Completion(target, body=to_chat_completion(target, await read_body(target, response)))
        options = request.get("stream_options")
        include_usage = isinstance(options, dict) and options.get("include_usage") is True
        translation = StreamTranslation(target, include_usage=include_usage)
        events = translation.translate(sse_events(chunks(response)))
        return Completion(target, stream=await open_stream(target, response, events))

    async def models(self) -> list[str]:
        """The model names the Anthropic lists."""
        return await self.upstream.model_ids(self._models_url)

    async def aclose(self) -> None:
        await self.upstream.aclose()
