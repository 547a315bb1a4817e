"""Fixtures for the proxy and provider tests: the fake upstreams, and the daemon's app served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from contextstack.providers.presets import PRESETS
from contextstack.settings import ProviderConfig, Settings
from tests.conftest import serving
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.openai_upstream import FakeOpenAI

OPENAI_KEY = "sk-fake-openai-key"
ANTHROPIC_KEY = "sk-ant-fake-key"


@pytest.fixture
def no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """No key from this machine's environment reaches a test (nor a real provider)."""
    for preset in PRESETS.values():
        if preset.api_key_env:
            monkeypatch.delenv(preset.api_key_env, raising=False)


@pytest.fixture(scope="session")
def fake_openai_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="session")
def fake_anthropic_server() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
def fake_openai(fake_openai_server: FakeOpenAI) -> FakeOpenAI:
    """The fake OpenAI-compatible upstream, behaving and with nothing received yet."""
    fake_openai_server.reset(api_key=OPENAI_KEY)
    return fake_openai_server


@pytest.fixture
def fake_anthropic(fake_anthropic_server: FakeAnthropic) -> FakeAnthropic:
    """The fake Anthropic upstream, behaving and with nothing received yet."""
    fake_anthropic_server.reset(api_key=ANTHROPIC_KEY)
    fake_anthropic_server.stream_error = False
    return fake_anthropic_server


@pytest.fixture
def proxy_settings(db_path: Path, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic) -> Settings:
    """Two providers at the fakes (`fake`, OpenAI-compatible; `claude`, Anthropic) and local presets closed."""
    return Settings(
        db=str(db_path),
        readers=2,
        default_model="fake/fake-small",
        providers={
            "fake": ProviderConfig(base_url=fake_openai.url, api_key=OPENAI_KEY, models=["fake-pinned"]),
            "claude": ProviderConfig(kind="anthropic", base_url=fake_anthropic.url, api_key=ANTHROPIC_KEY),
            "ollama": ProviderConfig(base_url="http://127.0.0.1:9/v1"),
            "lmstudio": ProviderConfig(base_url="http://127.0.0.1:9/v1"),
        },
        aliases={"smart": "claude/claude-fake-1", "quick": ["fake/fake-small", "claude/claude-fake-1"]},
    )


@pytest.fixture
def proxy(proxy_settings: Settings, no_provider_keys: None) -> Iterator[str]:
    """The daemon's app (guard included) served over real HTTP in this process; its base URL."""
    with serving(proxy_settings) as url:
        yield url
