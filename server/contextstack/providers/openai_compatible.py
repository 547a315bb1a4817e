"""The adapter for every server that speaks OpenAI's chat completions: requests and answers pass through."""

from __future__ import annotations

import ssl
from typing import Any

import msgspec

from contextstack.providers.errors import malformed
from contextstack.providers.models import Completion, Target
from contextstack.providers.registry import Provider
from contextstack.providers.upstream import Upstream, chunks, open_stream, read_body, upstream_url, whole_events

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
        auth = {"authorization": f"Bearer {provider.api_key}"} if provider.api_key else {}
        self.upstream = Upstream(provider, ssl_context, {**auth, **provider.headers})
        self._chat_url = upstream_url(provider.base_url + "/chat/completions")
        self._models_url = upstream_url(provider.base_url + "/models")
        self._embeddings_url = upstream_url(provider.base_url + "/embeddings")

    async def chat(self, target: Target, request: dict[str, Any], *, stream: bool) -> Completion:
        """Send the request as it came, with only `model` replaced by the provider's name for it."""
        request["model"] = target.model
        response = await self.upstream.send(target, "POST", self._chat_url, _encode(request))
        if stream:
            return Completion(target, stream=await open_stream(target, response, whole_events(chunks(response))))
        body = await read_body(target, response)
        try:
            _check_object(body)
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise malformed(target, "an answer that is not JSON") from None
        return Completion(target, body=body)

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
