"""The providers a daemon can call: built-in presets merged with the `[providers.NAME]` tables, and their keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from contextstack.errors import ConfigError
from contextstack.providers.models import ProviderInfo
from contextstack.providers.presets import PRESETS, Kind
from contextstack.settings import ProviderConfig, Settings


@dataclass(frozen=True, slots=True)
class Provider:
    """One upstream, resolved: where it is, how it is spoken to, and its key (never shown, never logged)."""

    name: str
    kind: Kind
    base_url: str
    builtin: bool
    needs_key: bool
    key_env: str | None
    api_key: str | None = field(repr=False)
    headers: dict[str, str] = field(repr=False)
    models: list[str]
    connect_timeout: float
    read_timeout: float
    forward_client_key: bool = False
    configured: bool = False
    """Whether the config file has a `[providers.NAME]` table for it."""
    responses: bool = False
    """Whether /v1/responses requests pass through to its own `/responses`, rather than being translated."""

    @property
    def usable(self) -> bool:
        """Whether requests can go to it: it has a key, needs none (a local server), or takes the client's."""
        return self.api_key is not None or not self.needs_key or self.forward_client_key

    def info(self) -> ProviderInfo:
        return ProviderInfo(
            name=self.name,
            kind=self.kind,
            base_url=self.base_url,
            builtin=self.builtin,
            needs_key=self.needs_key,
            key_set=self.api_key is not None,
            key_env=self.key_env,
            models=self.models,
            forward_client_key=self.forward_client_key,
        )


def _api_base(kind: Kind, base_url: str) -> str:
    """The URL the API's paths follow: Anthropic's is written with or without its `/v1` (as ANTHROPIC_BASE_URL is)."""
    base_url = base_url.rstrip("/")
    if kind == "anthropic" and not base_url.endswith("/v1"):
        return base_url + "/v1"
    return base_url


def _provider(name: str, config: ProviderConfig, environ: Mapping[str, str], *, configured: bool) -> Provider:
    preset = PRESETS.get(name)
    key_env = config.api_key_env or (preset.api_key_env if preset else None)
    api_key = config.api_key or (environ.get(key_env) or None if key_env else None)
    if preset is not None:
        needs_key = preset.api_key_env is not None or config.api_key_env is not None or config.api_key is not None
    else:
        # A custom provider needs a key when its table names one; otherwise it is a server that takes none.
        needs_key = config.api_key_env is not None or config.api_key is not None
    base_url = config.base_url or (preset.base_url if preset else None)
    if "/" in name or not name:
        raise ConfigError(f"[providers.{name}]: a provider's name cannot be empty or contain '/'")
    if base_url is None:
        raise ConfigError(f"[providers.{name}] needs a base_url (it is not a built-in provider)")
    kind = config.kind or (preset.kind if preset else "openai")
    responses = config.responses if config.responses is not None else (preset.responses if preset else False)
    if responses and kind != "openai":
        raise ConfigError(
            f'[providers.{name}]: `responses = true` needs an OpenAI-compatible provider (kind = "openai")'
        )
    return Provider(
        name=name,
        kind=kind,
        base_url=_api_base(kind, base_url),
        builtin=preset is not None,
        needs_key=needs_key,
        key_env=key_env,
        api_key=api_key,
        headers=dict(config.headers),
        models=list(config.models),
        connect_timeout=config.connect_timeout,
        read_timeout=config.read_timeout,
        forward_client_key=config.forward_client_key,
        configured=configured,
        responses=responses,
    )


def configured_providers(settings: Settings, environ: Mapping[str, str]) -> dict[str, Provider]:
    """Every provider by name: the presets, overridden or extended by the config file's tables."""
    tables = {name: ProviderConfig() for name in PRESETS} | settings.providers
    return {
        name: _provider(name, config, environ, configured=name in settings.providers)
        for name, config in sorted(tables.items())
    }
