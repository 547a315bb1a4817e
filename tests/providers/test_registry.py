"""Providers: built-in presets, `[providers.NAME]` tables on top, and keys that are never shown."""

from __future__ import annotations

import httpx
import pytest

from contextstack.errors import ConfigError
from contextstack.providers.presets import PRESETS
from contextstack.providers.registry import Provider, configured_providers
from contextstack.settings import ProviderConfig, Settings
from tests.fakes.fixtures import ANTHROPIC_KEY, OPENAI_KEY


def providers(environ: dict[str, str] | None = None, **tables: ProviderConfig) -> dict[str, Provider]:
    return configured_providers(Settings(providers=tables), environ or {})


@pytest.mark.parametrize(
    ("name", "kind", "base_url", "key_env"),
    [
        ("openai", "openai", "https://api.openai.com/v1", "OPENAI_API_KEY"),
        ("anthropic", "anthropic", "https://api.anthropic.com/v1", "ANTHROPIC_API_KEY"),
        ("groq", "openai", "https://api.groq.com/openai/v1", "GROQ_API_KEY"),
        ("ollama", "openai", "http://127.0.0.1:11434/v1", None),
        ("lmstudio", "openai", "http://127.0.0.1:1234/v1", None),
        ("openrouter", "openai", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
        ("mistral", "openai", "https://api.mistral.ai/v1", "MISTRAL_API_KEY"),
        ("gemini", "openai", "https://generativelanguage.googleapis.com/v1beta/openai", "GEMINI_API_KEY"),
        ("deepseek", "openai", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY"),
    ],
)
def test_presets_need_no_configuration(name: str, kind: str, base_url: str, key_env: str | None) -> None:
    provider = providers()[name]
    assert (provider.kind, provider.base_url, provider.key_env, provider.builtin) == (kind, base_url, key_env, True)
    assert provider.needs_key is (key_env is not None)


def test_keys_come_from_the_usual_environment_variables() -> None:
    found = providers({"GROQ_API_KEY": "gsk-1", "ANTHROPIC_API_KEY": "sk-ant-2"})
    assert found["groq"].api_key == "gsk-1"
    assert found["anthropic"].api_key == "sk-ant-2"
    assert found["openai"].api_key is None
    assert not found["openai"].usable
    assert found["ollama"].usable, "a local server needs no key"


def test_a_key_in_the_config_file_wins_over_the_environment() -> None:
    found = providers({"OPENAI_API_KEY": "from-env"}, openai=ProviderConfig(api_key="from-file"))
    assert found["openai"].api_key == "from-file"


def test_a_table_named_after_a_preset_overrides_only_what_it_sets() -> None:
    found = providers(anthropic=ProviderConfig(base_url="http://127.0.0.1:9000/v1/", headers={"x-team": "a"}))
    anthropic = found["anthropic"]
    assert anthropic.kind == "anthropic"
    assert anthropic.base_url == "http://127.0.0.1:9000/v1"
    assert anthropic.key_env == "ANTHROPIC_API_KEY"
    assert anthropic.headers == {"x-team": "a"}


def test_a_custom_provider_reads_the_key_variable_it_names() -> None:
    found = providers(
        {"WORK_API_KEY": "w-1"}, work=ProviderConfig(base_url="http://127.0.0.1:9000/v1", api_key_env="WORK_API_KEY")
    )
    assert (found["work"].kind, found["work"].api_key, found["work"].builtin) == ("openai", "w-1", False)


def test_a_custom_provider_that_names_no_key_needs_none() -> None:
    work = providers(work=ProviderConfig(base_url="http://127.0.0.1:9000/v1"))["work"]
    assert not work.needs_key
    assert work.usable


def test_a_custom_provider_whose_key_variable_is_unset_is_not_usable() -> None:
    work = providers(work=ProviderConfig(base_url="http://127.0.0.1:9000/v1", api_key_env="UNSET_KEY"))["work"]
    assert work.needs_key
    assert not work.usable


@pytest.mark.parametrize(
    ("name", "config", "message"),
    [
        ("work", ProviderConfig(), "needs a base_url"),
        ("a/b", ProviderConfig(base_url="http://127.0.0.1:1/v1"), "cannot be empty or contain '/'"),
    ],
)
def test_a_provider_that_cannot_be_used_stops_the_daemon_at_start(
    name: str, config: ProviderConfig, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        providers(**{name: config})


def test_a_provider_never_shows_its_key_in_its_repr() -> None:
    provider = providers({"OPENAI_API_KEY": "sk-very-secret"})["openai"]
    assert "sk-very-secret" not in repr(provider)


def test_the_api_lists_providers_and_whether_each_has_a_key_but_never_the_key(proxy: str) -> None:
    response = httpx.get(proxy + "/api/providers")
    assert response.status_code == 200
    assert OPENAI_KEY not in response.text
    assert ANTHROPIC_KEY not in response.text
    items = {item["name"]: item for item in response.json()["items"]}
    assert set(PRESETS) | {"fake", "claude"} == set(items)
    assert items["fake"]["key_set"] is True
    assert items["claude"]["kind"] == "anthropic"
    assert items["openai"] == {
        "name": "openai",
        "kind": "openai",
        "base_url": "https://api.openai.com/v1",
        "builtin": True,
        "needs_key": True,
        "key_set": False,
        "key_env": "OPENAI_API_KEY",
        "models": [],
        "forward_client_key": False,
    }
    assert response.json()["next_cursor"] is None


@pytest.mark.parametrize(
    "base_url",
    [
        "https://gateway.example",
        "https://gateway.example/",
        "https://gateway.example/v1",
        "https://gateway.example/v1/",
    ],
)
def test_an_anthropic_base_url_works_with_or_without_its_v1(base_url: str) -> None:
    provider = providers(gateway=ProviderConfig(kind="anthropic", base_url=base_url))["gateway"]
    assert provider.base_url == "https://gateway.example/v1"


def test_a_provider_that_forwards_the_clients_key_is_usable_without_one() -> None:
    provider = providers(anthropic=ProviderConfig(forward_client_key=True))["anthropic"]
    assert provider.api_key is None
    assert provider.usable
