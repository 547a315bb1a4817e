"""The adapter for every server that speaks OpenAI's chat completions: requests and answers pass through."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from typing import Any

import msgspec

from contextstack.providers.errors import ProviderError, malformed
from contextstack.providers.models import Completion, Target
from contextstack.providers.registry import Provider
from contextstack.providers.responses_answer import response_error_event
from contextstack.providers.upstream import (
    Response,
    Upstream,
    chunks,
    open_stream,
    read_body,
    upstream_url,
    whole_events,
)

_encode = msgspec.json.Encoder().encode


class _AnyObject(msgspec.Struct):
    """Any JSON object: decoding into it checks that a body is well-formed without building it."""


_check_object = msgspec.json.Decoder(_AnyObject).decode


class OpenAICompatible:
    """OpenAI, Groq, Ollama, LM Studio, OpenRouter, Mistral, Gemini's compatible endpoint, and the like."""

    def __init__(self, provider: Provider, ssl_context: ssl.SSLContext) -> None:
        self.provider = provider
        auth = {"authorization": f"Bearer {provider.api_key}"} if provider.api_key else {}
        self.upstream = Upstream(provider, ssl_context, {**auth, **provider.headers})
        self._chat_url = upstream_url(provider.base_url + "/chat/completions")
        self._models_url = upstream_url(provider.base_url + "/models")
        self._responses_url = upstream_url(provider.base_url + "/responses")
        self._embeddings_url = upstream_url(provider.base_url + "/embeddings")

    async def chat(self, target: Target, request: dict[str, Any], *, stream: bool) -> Completion:
        """Send the request as it came, with only `model` replaced by the provider's name for it."""
        request["model"] = target.model
        response = await self.upstream.send(target, "POST", self._chat_url, _encode(request))
        if stream:
            return Completion(target, stream=await open_stream(target, response, whole_events(chunks(response))))
        return Completion(target, body=await self._json_body(target, response))

    async def responses(self, target: Target, request: dict[str, Any], *, stream: bool) -> Completion:
        """A Responses API request sent as it came (only `model` replaced), to a server that serves `/responses`."""
        request["model"] = target.model
        response = await self.upstream.send(target, "POST", self._responses_url, _encode(request))
        if stream:
            counted = _CountedEvents(whole_events(chunks(response)))
            return Completion(target, stream=await open_stream(target, response, counted, counted.error_event))
        return Completion(target, body=await self._json_body(target, response))

    async def embeddings(self, target: Target, request: dict[str, Any]) -> Completion:
        """An embeddings request sent as it came, with only `model` replaced."""
        request["model"] = target.model
        response = await self.upstream.send(target, "POST", self._embeddings_url, _encode(request))
        return Completion(target, body=await self._json_body(target, response))

    @staticmethod
    async def _json_body(target: Target, response: Response) -> bytes:
        body = await read_body(target, response)
        try:
            _check_object(body)
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise malformed(target, "an answer that is not JSON") from None
        return body

    async def models(self) -> list[str]:
        """The model names the server lists."""
        return await self.upstream.model_ids(self._models_url)

    async def aclose(self) -> None:
        await self.upstream.aclose()


class _CountedEvents:
    """A Responses stream's events as relayed, counted: an error event after them takes the next sequence number."""

    def __init__(self, events: AsyncIterator[bytes]) -> None:
        self._events = events
        self.relayed = 0

    def __aiter__(self) -> _CountedEvents:
        return self

    async def __anext__(self) -> bytes:
        chunk = await anext(self._events)
        self.relayed += chunk.count(b"\n\n")
        return chunk

    def error_event(self, error: ProviderError) -> bytes:
        return response_error_event(error, self.relayed)
