"""The proxy in a real `contextstack serve` process, with its providers from a config file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from tests.conftest import Daemon, start_daemon, stop_daemon
from tests.fakes import anthropic_upstream, openai_upstream
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.fixtures import ANTHROPIC_KEY, OPENAI_KEY
from tests.fakes.openai_upstream import FakeOpenAI

pytestmark = pytest.mark.e2e

HELLO = [{"role": "user", "content": "Hello?"}]


def write_config(tmp_path: Path, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic, extra: str = "") -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
default_model = "fake/fake-small"

[providers.fake]
base_url = "{fake_openai.url}"
api_key_env = "FAKE_OPENAI_KEY"

[providers.claude]
kind = "anthropic"
base_url = "{fake_anthropic.url}"
api_key_env = "FAKE_ANTHROPIC_KEY"

[providers.ollama]
base_url = "http://127.0.0.1:9/v1"

[providers.lmstudio]
base_url = "http://127.0.0.1:9/v1"

[aliases]
smart = "claude/claude-fake-1"
{extra}
"""
    )
    return config


@pytest.fixture
def proxy_daemon(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic, no_provider_keys: None
) -> Iterator[Daemon]:
    config = write_config(tmp_path, fake_openai, fake_anthropic)
    env = {"CONTEXTSTACK_CONFIG": str(config), "FAKE_OPENAI_KEY": OPENAI_KEY, "FAKE_ANTHROPIC_KEY": ANTHROPIC_KEY}
    daemon = start_daemon(tmp_path, env=env)
    yield daemon
    stop_daemon(daemon)
    output = daemon.output()
    assert OPENAI_KEY not in output
    assert ANTHROPIC_KEY not in output


def test_the_daemon_serves_the_openai_sdk_from_its_configured_providers(
    proxy_daemon: Daemon, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic
) -> None:
    client = openai.OpenAI(base_url=proxy_daemon.url + "/v1", api_key="unused", max_retries=0)
    completion = client.chat.completions.create(model="fake/fake-small", messages=HELLO)
    assert completion.choices[0].message.content == openai_upstream.REPLY
    assert fake_openai.last.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    streamed = client.chat.completions.create(model="smart", messages=HELLO, stream=True)
    assert "".join(chunk.choices[0].delta.content or "" for chunk in streamed) == anthropic_upstream.REPLY
    assert fake_anthropic.last.headers["x-api-key"] == ANTHROPIC_KEY
    ids = [model.id for model in client.models.list()]
    assert "fake/fake-small" in ids
    assert "claude/claude-fake-2" in ids


async def test_the_daemon_serves_the_async_sdk_streaming(proxy_daemon: Daemon) -> None:
    async with openai.AsyncOpenAI(base_url=proxy_daemon.url + "/v1", api_key="unused", max_retries=0) as client:
        stream = await client.chat.completions.create(model="fake-large", messages=HELLO, stream=True)
        text = "".join([chunk.choices[0].delta.content or "" async for chunk in stream])
    assert text == openai_upstream.REPLY


def test_the_daemon_lists_providers_with_keys_from_the_environment(proxy_daemon: Daemon) -> None:
    response = httpx.get(proxy_daemon.url + "/api/providers")
    items = {item["name"]: item for item in response.json()["items"]}
    assert items["fake"]["key_set"] is True
    assert items["fake"]["key_env"] == "FAKE_OPENAI_KEY"
    assert OPENAI_KEY not in response.text


def test_the_daemon_refuses_to_start_with_an_alias_to_no_provider(
    tmp_path: Path, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic
) -> None:
    config = write_config(tmp_path, fake_openai, fake_anthropic, extra='broken = "nowhere/model"')
    with pytest.raises(RuntimeError, match="alias 'broken': 'nowhere/model' is not `provider/model`"):
        start_daemon(tmp_path, env={"CONTEXTSTACK_CONFIG": str(config)})
