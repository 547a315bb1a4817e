"""The adapter for every server that speaks OpenAI's chat completions: requests and answers pass through."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from typing import Any

import msgspec

from contextstack.providers.chat_request import to_chat_request
from contextstack.providers.chat_response import EventTranslation, to_message
from contextstack.providers.errors import ProviderError, malformed
from contextstack.providers.models import Completion, Forwarded, Target
from contextstack.providers.registry import Provider
from contextstack.providers.responses_answer import response_error_event
from contextstack.providers.upstream import (
    RESPONSES_END,
    Response,
    Upstream,
    anthropic_error_event,
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


class _Embedding(msgspec.Struct, frozen=True):
    embedding: list[float]
    index: int = 0


class _Embeddings(msgspec.Struct, frozen=True):
    data: list[_Embedding]


_decode_embeddings = msgspec.json.Decoder(_Embeddings).decode


class OpenAICompatible:
    """OpenAI, Groq, Ollama, LM Studio, OpenRouter, Mistral, Gemini's compatible endpoint, and the like."""

    def __init__(self, provider: Provider, ssl_context: ssl.SSLContext) -> None:
        self.provider = provider
        self._auth = {"authorization": f"Bearer {provider.api_key}"} if provider.api_key else {}
        # A provider that takes the client's key gets a key with each request instead of one for all.
        shared = {} if provider.forward_client_key else self._auth
        self.upstream = Upstream(provider, ssl_context, {**shared, **provider.headers})
        self._chat_url = upstream_url(provider.base_url + "/chat/completions")
        self._models_url = upstream_url(provider.base_url + "/models")
        self._responses_url = upstream_url(provider.base_url + "/responses")
        self._embeddings_url = upstream_url(provider.base_url + "/embeddings")

    def _headers(self, forwarded: Forwarded) -> tuple[dict[str, str] | None, str | None]:
        """The headers of one request, and the key among them that is the client's."""
        if not self.provider.forward_client_key:
            return None, None
        key = forwarded.bearer or forwarded.api_key
        if key is None:
            return self._auth or None, None
        return {"authorization": f"Bearer {key}"}, key

    async def _send(self, target: Target, request: dict[str, Any], forwarded: Forwarded) -> Any:
        headers, secret = self._headers(forwarded)
        return await self.upstream.send(
            target, "POST", self._chat_url, _encode(request), headers=headers, secret=secret
        )

    async def chat(self, target: Target, request: dict[str, Any], *, stream: bool, forwarded: Forwarded) -> Completion:
        """Send the request as it came, with only `model` replaced by the provider's name for it."""
        request["model"] = target.model
        response = await self._send(target, request, forwarded)
        if stream:
            return Completion(
                target, stream=await open_stream(target, response, whole_events(target, chunks(response)))
            )
        return Completion(target, body=await self._json_body(target, response))

    async def responses(self, target: Target, request: dict[str, Any], *, stream: bool) -> Completion:
        """A Responses API request sent as it came (only `model` replaced), to a server that serves `/responses`."""
        request["model"] = target.model
        response = await self.upstream.send(target, "POST", self._responses_url, _encode(request))
        if stream:
            counted = _CountedEvents(whole_events(target, chunks(response), RESPONSES_END))
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

    async def messages(
        self, target: Target, request: dict[str, Any], *, stream: bool, forwarded: Forwarded
    ) -> Completion:
        """An Anthropic Messages request translated to a chat completion, and the answer translated back."""
        model = request.get("model") or target.name
        translated = to_chat_request(request, target.model, forwarded.anthropic_beta)
        response = await self._send(target, translated, forwarded)
        if stream:
            events = EventTranslation(target, model).translate(chunks(response))
            return Completion(target, stream=await open_stream(target, response, events, anthropic_error_event))
        return Completion(target, body=to_message(target, model, await read_body(target, response)))

    async def embed(self, target: Target, texts: list[str]) -> list[list[float]]:
        """The embedding of each of `texts`, in their order (`POST /embeddings`)."""
        body = _encode({"model": target.model, "input": texts, "encoding_format": "float"})
        response = await self.upstream.send(target, "POST", self._embeddings_url, body)
        answer = await read_body(target, response)
        try:
            data = _decode_embeddings(answer).data
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise malformed(target, "an embeddings answer in an unknown shape") from None
        return [item.embedding for item in sorted(data, key=lambda item: item.index)]

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
