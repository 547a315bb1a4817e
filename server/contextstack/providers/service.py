"""The providers of one daemon: routing a request's model, chat with fallback, and what can be listed."""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from typing import Any, Literal, TypeVar

import httpx

from contextstack.providers.anthropic import Anthropic
from contextstack.providers.anthropic_response import sse_events
from contextstack.providers.errors import ProviderError, missing_key, unknown_provider
from contextstack.providers.models import NOTHING_FORWARDED, Completion, Forwarded, ModelInfo, ProviderInfo, Target
from contextstack.providers.openai_compatible import OpenAICompatible
from contextstack.providers.registry import Provider, configured_providers
from contextstack.providers.responses_answer import StreamTranslation, to_response
from contextstack.providers.responses_request import to_chat_request
from contextstack.providers.routing import ModelRoutes
from contextstack.settings import Settings

log = logging.getLogger("contextstack.providers")

Adapter = OpenAICompatible | Anthropic
T = TypeVar("T")


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The verifying TLS context every provider's client uses: made once a process, since loading the CA bundle is
    the dearest part of opening the providers, and a context is safe to share between clients and loops."""
    return httpx.create_ssl_context()


class Providers:
    """Every provider with the pooled HTTP client of each usable one; `open()` before use, `close()` after."""

    def __init__(self, settings: Settings, environ: Mapping[str, str]) -> None:
        self.by_name = configured_providers(settings, environ)
        self.routes = ModelRoutes(self.by_name, settings.aliases, settings.default_model)
        self._adapters: dict[str, Adapter] = {}

    async def open(self) -> None:
        """Create one client per provider that has a key or needs none; they share one TLS context."""
        ssl_context = tls_context()
        for provider in self.by_name.values():
            if provider.usable:
                adapter = Anthropic if provider.kind == "anthropic" else OpenAICompatible
                self._adapters[provider.name] = adapter(provider, ssl_context)

    async def close(self) -> None:
        """Close every client and its connections."""
        adapters, self._adapters = self._adapters, {}
        for adapter in adapters.values():
            await adapter.aclose()

    def list_providers(self) -> list[ProviderInfo]:
        return [provider.info() for provider in self.by_name.values()]

    def resolve(self, model: str | None) -> list[Target]:
        """The models to try, in order, for a request's `model`."""
        return self.routes.resolve(model)

    def _adapter(self, target: Target) -> Adapter:
        adapter = self._adapters.get(target.provider)
        if adapter is not None:
            return adapter
        provider = self.by_name.get(target.provider)
        if provider is None:
            raise unknown_provider(target.provider)
        raise missing_key(target, provider.key_env)

    def kind_of(self, target: Target) -> str | None:
        """The adapter kind (`openai`, `anthropic`) of a target's provider; None for an unknown provider."""
        provider = self.by_name.get(target.provider)
        return None if provider is None else provider.kind

    async def _first_answer(self, targets: list[Target], call: Callable[[Adapter, Target], Awaitable[T]]) -> T:
        """The first answer among `targets`; a target that fails before any byte hands over to the next."""
        *fallbacks, last = targets
        for target, following in zip(fallbacks, targets[1:], strict=True):
            try:
                return await call(self._adapter(target), target)
            except ProviderError as exc:
                if not exc.retryable:
                    raise
                log.warning("%s failed, falling back to %s: %s", target.name, following.name, exc.message)
        return await call(self._adapter(last), last)

    async def chat(
        self,
        request: dict[str, Any],
        targets: list[Target],
        *,
        stream: bool,
        forwarded: Forwarded = NOTHING_FORWARDED,
    ) -> Completion:
        """An OpenAI chat completion from the first of `targets` that answers."""
        return await self._first_answer(
            targets, lambda adapter, target: adapter.chat(target, dict(request), stream=stream, forwarded=forwarded)
        )

    async def messages(
        self, request: dict[str, Any], targets: list[Target], *, stream: bool, forwarded: Forwarded
    ) -> Completion:
        """An Anthropic message from the first of `targets` that answers: passed through to an Anthropic
        provider, translated for an OpenAI-compatible one."""
        return await self._first_answer(
            targets,
            lambda adapter, target: adapter.messages(target, dict(request), stream=stream, forwarded=forwarded),
        )

    async def count_tokens(self, request: dict[str, Any], target: Target, forwarded: Forwarded) -> bytes:
        """An Anthropic provider's count of a Messages request's input tokens (`{"input_tokens": n}`)."""
        adapter = self._adapter(target)
        if not isinstance(adapter, Anthropic):
            raise ProviderError(400, f"{target.name} is not an Anthropic provider's model.", code="not_anthropic")
        return await adapter.count_tokens(target, dict(request), forwarded)

    async def responses(self, request: dict[str, Any], targets: list[Target], *, stream: bool) -> Completion:
        """A Responses API answer from the first of `targets` that answers: passed through to a provider that
        serves `/responses`, translated to and from chat completions for any other."""

        async def call(adapter: Adapter, target: Target) -> Completion:
            if isinstance(adapter, OpenAICompatible) and adapter.provider.responses:
                return await adapter.responses(target, request, stream=stream)
            chat = await adapter.chat(
                target, to_chat_request(request, target.provider), stream=stream, forwarded=NOTHING_FORWARDED
            )
            if chat.stream is None:
                return Completion(target, body=to_response(target, request, chat.body or b""))
            return Completion(target, stream=_translated(StreamTranslation(target, request), chat.stream))

        return await self._first_answer(targets, call)

    async def embeddings(self, request: dict[str, Any], targets: list[Target]) -> Completion:
        """Embeddings from the first of `targets` that answers; only OpenAI-compatible providers make them."""

        async def call(adapter: Adapter, target: Target) -> Completion:
            if not isinstance(adapter, OpenAICompatible):
                raise ProviderError(
                    400,
                    f"{target.name}: the provider {target.provider!r} is an Anthropic one, and Anthropic's API has no "
                    "embeddings; name the model of an OpenAI-compatible provider.",
                    code="unsupported_model",
                    param="model",
                )
            return await adapter.embeddings(target, request)

        return await self._first_answer(targets, call)

    async def embed(self, target: Target, texts: list[str]) -> list[list[float]]:
        """The embeddings of `texts` from `target`, an OpenAI-compatible provider's model (its `/embeddings`)."""
        adapter = self._adapter(target)
        if not isinstance(adapter, OpenAICompatible):
            raise ProviderError(
                400,
                f"{target.name}: the provider {target.provider!r} speaks {adapter.provider.kind}, which has no "
                "embeddings endpoint: name a model of an OpenAI-compatible provider.",
                code="embeddings_not_supported",
            )
        return await adapter.embed(target, texts)

    async def _listed(self, adapter: Adapter) -> list[str] | None:
        try:
            return await adapter.models()
        except ProviderError as exc:
            log.info("cannot list the models of %s: %s", adapter.provider.name, exc.message)
            return None

    async def list_models(self) -> list[ModelInfo]:
        """The models of every provider with a key or a reachable local server, then the aliases."""
        adapters = list(self._adapters.values())
        listings = await asyncio.gather(*(self._listed(adapter) for adapter in adapters))
        items: list[ModelInfo] = []
        for adapter, listed in zip(adapters, listings, strict=True):
            provider = adapter.provider
            if listed is None and provider.api_key is None:
                continue
            items.extend(_model(provider, name, "configured") for name in provider.models)
            items.extend(_model(provider, name, "listed") for name in listed or [] if name not in provider.models)
        items.extend(
            ModelInfo(id=alias, provider=None, model=None, source="alias", targets=[t.name for t in targets])
            for alias, targets in self.routes.aliases.items()
        )
        return items


async def _translated(translation: StreamTranslation, chat: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
    """The Responses events of a chat stream; closing them closes the chat stream, and so the upstream connection."""
    try:
        async for event in translation.translate(sse_events(chat)):
            yield event
    finally:
        await chat.aclose()


def _model(provider: Provider, name: str, source: Literal["listed", "configured"]) -> ModelInfo:
    return ModelInfo(id=f"{provider.name}/{name}", provider=provider.name, model=name, source=source)
