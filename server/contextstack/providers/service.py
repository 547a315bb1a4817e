"""The providers of one daemon: routing a request's model, chat with fallback, and what can be listed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any, Literal

import httpx

from contextstack.providers.anthropic import Anthropic
from contextstack.providers.errors import ProviderError, missing_key, unknown_provider
from contextstack.providers.models import Completion, ModelInfo, ProviderInfo, Target
from contextstack.providers.openai_compatible import OpenAICompatible
from contextstack.providers.registry import Provider, configured_providers
from contextstack.providers.routing import ModelRoutes
from contextstack.settings import Settings

log = logging.getLogger("contextstack.providers")

Adapter = OpenAICompatible | Anthropic


class Providers:
    """Every provider with the pooled HTTP client of each usable one; `open()` before use, `close()` after."""

    def __init__(self, settings: Settings, environ: Mapping[str, str]) -> None:
        self.by_name = configured_providers(settings, environ)
        self.routes = ModelRoutes(self.by_name, settings.aliases, settings.default_model)
        self._adapters: dict[str, Adapter] = {}

    async def open(self) -> None:
        """Create one client per provider that has a key or needs none; they share one TLS context."""
        ssl_context = httpx.create_ssl_context()
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

    async def chat(self, request: dict[str, Any], targets: list[Target], *, stream: bool) -> Completion:
        """The first answer among `targets`; a target that fails before any byte hands over to the next."""
        *fallbacks, last = targets
        for target, following in zip(fallbacks, targets[1:], strict=True):
            try:
                return await self._adapter(target).chat(target, request, stream=stream)
            except ProviderError as exc:
                if not exc.retryable:
                    raise
                log.warning("%s failed, falling back to %s: %s", target.name, following.name, exc.message)
        return await self._adapter(last).chat(last, request, stream=stream)

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


def _model(provider: Provider, name: str, source: Literal["listed", "configured"]) -> ModelInfo:
    return ModelInfo(id=f"{provider.name}/{name}", provider=provider.name, model=name, source=source)
