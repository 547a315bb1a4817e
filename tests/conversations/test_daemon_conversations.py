"""Through a real daemon process, configured by its TOML file: a conversation that changes provider, streamed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Daemon, start_daemon, stop_daemon
from tests.conversations.helpers import api, branch, new_conversation, send, sse_events
from tests.fakes import anthropic_upstream, openai_upstream
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.fixtures import ANTHROPIC_KEY, OPENAI_KEY
from tests.fakes.openai_upstream import FakeOpenAI

pytestmark = pytest.mark.e2e


@pytest.fixture
def configured_daemon(tmp_path: Path, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic) -> Iterator[Daemon]:
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
default_model = "fake/fake-small"
context_window = 16000

[providers.fake]
base_url = "{fake_openai.url}"
api_key = "{OPENAI_KEY}"

[providers.claude]
kind = "anthropic"
base_url = "{fake_anthropic.url}"
api_key = "{ANTHROPIC_KEY}"
context_window = 200000
"""
    )
    running = start_daemon(tmp_path, env={"CONTEXTSTACK_CONFIG": str(config)})
    yield running
    stop_daemon(running)


def test_a_daemon_streams_a_conversation_that_moves_to_another_provider(
    configured_daemon: Daemon, fake_anthropic: FakeAnthropic
) -> None:
    with api(configured_daemon.url) as client:
        conversation = new_conversation(client)
        send(client, conversation["id"], "First, with the default model")
        response = client.post(
            f"/api/conversations/{conversation['id']}/messages",
            json={"content": "Then with Claude", "model": "claude/claude-fake-1", "stream": True},
        )
        events = sse_events(response.text)
        assert "".join(data["content"] for name, data in events if name == "delta") == anthropic_upstream.REPLY
        assert events[-1][1]["status"] == "complete"
        sent = fake_anthropic.last.json()["messages"]
        assert [m["role"] for m in sent] == ["user", "assistant", "user"]
        assert [m["model"] for m in branch(client, conversation["id"]) if m["role"] == "assistant"] == [
            "fake/fake-small",
            "claude/claude-fake-1",
        ]
        assert openai_upstream.REPLY in str(sent[1])
