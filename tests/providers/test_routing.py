"""Model names route to providers: `provider/model`, then aliases, then the default provider."""

from __future__ import annotations

import pytest

from contextstack.errors import ConfigError
from contextstack.providers.errors import ProviderError
from contextstack.providers.models import Target
from contextstack.providers.registry import configured_providers
from contextstack.providers.routing import ModelRoutes
from contextstack.settings import ProviderConfig, Settings

ALIASES: dict[str, str | list[str]] = {
    "fast": ["groq/llama-3.1-8b-instant", "ollama/llama3.2"],
    "smart": "anthropic/claude-sonnet-4-5",
    "work/special": "work/special-model",
}


def routes(
    default_model: str | None = "openai/gpt-4.1-mini", aliases: dict[str, str | list[str]] = ALIASES
) -> ModelRoutes:
    settings = Settings(providers={"work": ProviderConfig(base_url="http://127.0.0.1:9000/v1")})
    return ModelRoutes(configured_providers(settings, {}), aliases, default_model)


@pytest.mark.parametrize(
    ("model", "targets"),
    [
        ("anthropic/claude-sonnet-4-5", [Target("anthropic", "claude-sonnet-4-5")]),
        ("ollama/llama3.2", [Target("ollama", "llama3.2")]),
        ("work/x", [Target("work", "x")]),
        ("openrouter/meta-llama/llama-3.1-70b", [Target("openrouter", "meta-llama/llama-3.1-70b")]),
        ("fast", [Target("groq", "llama-3.1-8b-instant"), Target("ollama", "llama3.2")]),
        ("smart", [Target("anthropic", "claude-sonnet-4-5")]),
        ("work/special", [Target("work", "special-model")]),
        ("gpt-4o", [Target("openai", "gpt-4o")]),
        ("meta-llama/Llama-3", [Target("openai", "meta-llama/Llama-3")]),
        (None, [Target("openai", "gpt-4.1-mini")]),
        ("", [Target("openai", "gpt-4.1-mini")]),
    ],
)
def test_a_model_name_resolves_to_the_models_to_try(model: str | None, targets: list[Target]) -> None:
    assert routes().resolve(model) == targets


def test_the_default_model_may_be_an_alias() -> None:
    resolved = routes(default_model="fast")
    assert resolved.resolve(None) == resolved.resolve("fast")
    assert resolved.resolve("plain-name") == [Target("groq", "plain-name")]


def test_a_plain_name_without_a_default_provider_is_an_unknown_model() -> None:
    with pytest.raises(ProviderError) as caught:
        routes(default_model=None).resolve("gpt-4o")
    error = caught.value
    assert (error.status, error.code, error.param, error.type) == (
        404,
        "model_not_found",
        "model",
        "invalid_request_error",
    )
    assert "provider/model" in error.message


def test_no_model_and_no_default_is_a_bad_request() -> None:
    with pytest.raises(ProviderError) as caught:
        routes(default_model=None).resolve(None)
    assert (caught.value.status, caught.value.param) == (400, "model")


@pytest.mark.parametrize(
    ("default_model", "aliases", "message"),
    [
        ("nowhere/model", {}, "default_model: 'nowhere/model'"),
        ("just-a-name", {}, "default_model: 'just-a-name'"),
        (None, {"broken": ["openai/gpt-4o", "nowhere/x"]}, "alias 'broken': 'nowhere/x'"),
        (None, {"empty": []}, "alias 'empty' lists no models"),
    ],
)
def test_a_route_to_no_provider_stops_the_daemon_at_start(
    default_model: str | None, aliases: dict[str, str | list[str]], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        routes(default_model=default_model, aliases=aliases)


def test_a_plain_claude_name_goes_to_the_anthropic_provider() -> None:
    assert routes().resolve("claude-sonnet-4-5") == [Target("anthropic", "claude-sonnet-4-5")]


def test_a_plain_claude_name_prefers_a_configured_usable_anthropic_provider() -> None:
    settings = Settings(
        providers={
            "claude": ProviderConfig(kind="anthropic", base_url="http://127.0.0.1:9001", api_key="k"),
            "zeta": ProviderConfig(kind="anthropic", base_url="http://127.0.0.1:9002"),
        }
    )
    ranked = ModelRoutes(configured_providers(settings, {}), {}, "openai/gpt-4.1-mini")
    assert ranked.resolve("claude-haiku-4-5") == [Target("claude", "claude-haiku-4-5")]
    aliased = ModelRoutes(configured_providers(settings, {}), {"claude-haiku-4-5": "ollama/llama3.2"}, None)
    assert aliased.resolve("claude-haiku-4-5") == [Target("ollama", "llama3.2")]
