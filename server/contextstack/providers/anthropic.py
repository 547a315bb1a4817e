"""The adapter for Anthropic's Messages API: Messages requests passed through; OpenAI requests translated there,
answers and streams translated back."""

from __future__ import annotations

import ssl
from typing import Any

import msgspec
import yarl

from contextstack.providers.anthropic_request import to_messages_request
from contextstack.providers.anthropic_response import StreamTranslation, sse_events, to_chat_completion
from contextstack.providers.errors import malformed
from contextstack.providers.models import Completion, Forwarded, Target
from contextstack.providers.registry import Provider
from contextstack.providers.upstream import (
    ANTHROPIC_END,
    Upstream,
    anthropic_error_event,
    chunks,
    open_stream,
    read_body,
    upstream_url,
    whole_events,
)

ANTHROPIC_VERSION = "2023-06-01"

_encode = msgspec.json.Encoder().encode


class _AnyObject(msgspec.Struct):
    """Any JSON object: decoding into it checks that a body is well-formed without building it."""


_check_object = msgspec.json.Decoder(_AnyObject).decode


class Anthropic:
    """Claude models through the Messages API."""

    def __init__(self, provider: Provider, ssl_context: ssl.SSLContext) -> None:
        self.provider = provider
        # A provider that takes the client's key gets a key with each request instead of one for all.
        self._auth = {"x-api-key": provider.api_key} if provider.api_key else {}
        shared = {} if provider.forward_client_key else self._auth
        headers = {"anthropic-version": ANTHROPIC_VERSION, **shared, **provider.headers}
        self.upstream = Upstream(provider, ssl_context, headers)
        self._messages_url = upstream_url(provider.base_url + "/messages")
        self._beta_messages_url = upstream_url(provider.base_url + "/messages", {"beta": "true"})
        self._count_url = upstream_url(provider.base_url + "/messages/count_tokens")
        self._beta_count_url = upstream_url(provider.base_url + "/messages/count_tokens", {"beta": "true"})
        self._models_url = upstream_url(provider.base_url + "/models", {"limit": 1000})

    def _headers(self, forwarded: Forwarded) -> tuple[dict[str, str] | None, str | None]:
        """The headers of one request, and the key among them that is the client's."""
        headers: dict[str, str] = {}
        secret = None
        if self.provider.forward_client_key:
            # The client's key as the client sent it: an API key as x-api-key, a subscription's OAuth token as a
            # bearer token.
            if forwarded.api_key is not None:
                headers["x-api-key"] = secret = forwarded.api_key
            elif forwarded.bearer is not None:
                secret = forwarded.bearer
                headers["authorization"] = f"Bearer {secret}"
            else:
                headers.update(self._auth)
        if forwarded.anthropic_version not in (None, ANTHROPIC_VERSION):  # the session sends that one already
            headers["anthropic-version"] = forwarded.anthropic_version
        if forwarded.anthropic_beta is not None:
            headers["anthropic-beta"] = forwarded.anthropic_beta
        return headers or None, secret

    async def chat(self, target: Target, request: dict[str, Any], *, stream: bool, forwarded: Forwarded) -> Completion:
        """Translate the request, send it, and translate the answer (or each stream event) back."""
        translated = to_messages_request(request, target.model)
        headers, secret = self._headers(forwarded)
        response = await self.upstream.send(
            target, "POST", self._messages_url, _encode(translated), headers=headers, secret=secret
        )
        if not stream:
            return Completion(target, body=to_chat_completion(target, await read_body(target, response)))
        options = request.get("stream_options")
        include_usage = isinstance(options, dict) and options.get("include_usage") is True
        translation = StreamTranslation(target, include_usage=include_usage)
        events = translation.translate(sse_events(chunks(response)))
        return Completion(target, stream=await open_stream(target, response, events))

    async def messages(
        self, target: Target, request: dict[str, Any], *, stream: bool, forwarded: Forwarded
    ) -> Completion:
        """Send a Messages request as it came, with only `model` replaced by the provider's name for it."""
        url = self._beta_messages_url if forwarded.beta else self._messages_url
        response = await self._send(target, url, request, forwarded)
        if stream:
            events = whole_events(target, chunks(response), ANTHROPIC_END)
            return Completion(target, stream=await open_stream(target, response, events, anthropic_error_event))
        return Completion(target, body=await self._object(target, response))

    async def count_tokens(self, target: Target, request: dict[str, Any], forwarded: Forwarded) -> bytes:
        """Anthropic's own count of a Messages request's input tokens: `{"input_tokens": n}`."""
        url = self._beta_count_url if forwarded.beta else self._count_url
        return await self._object(target, await self._send(target, url, request, forwarded))

    async def _send(self, target: Target, url: yarl.URL, request: dict[str, Any], forwarded: Forwarded) -> Any:
        request["model"] = target.model
        headers, secret = self._headers(forwarded)
        return await self.upstream.send(target, "POST", url, _encode(request), headers=headers, secret=secret)

    async def _object(self, target: Target, response: Any) -> bytes:
        body = await read_body(target, response)
        try:
            _check_object(body)
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise malformed(target, "an answer that is not JSON") from None
        return body

    async def models(self) -> list[str]:
        """The model names the Anthropic lists."""
        return await self.upstream.model_ids(self._models_url)

    async def aclose(self) -> None:
        await self.upstream.aclose()
