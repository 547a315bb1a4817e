"""A request Claude Code really sent (`claude -p hi`, recorded once: tests/fixtures/claude_code/), replayed through
the daemon: its system blocks stay first and as they came, with their cache_control, the context goes into its
user turn (`inject = "delta"`, the default), and every other field and Anthropic header reaches the provider as
Claude Code sent it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes import anthropic_upstream, openai_upstream
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.sse import EventReader
from tests.proxy.test_injection import create_project

RECORDED: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "claude_code" / "messages_request.json").read_text()
)
BODY: dict[str, Any] = RECORDED["body"]


def replay(proxy: str, base: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        proxy + base + RECORDED["path"] + "?beta=true", json=body, headers=RECORDED["headers"], timeout=30
    )


def test_the_recording_is_what_the_test_relies_on() -> None:
    assert RECORDED["probe"] == {"method": "HEAD", "path": "/"}
    assert BODY["model"].startswith("claude-")
    assert BODY["stream"] is True
    assert any("cache_control" in block for block in BODY["system"])
    assert BODY["tools"]
    assert "claude-code-" in RECORDED["headers"]["anthropic-beta"]


def user_turn(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return next((n, message) for n, message in enumerate(body["messages"]) if message["role"] == "user")


def test_claude_codes_request_gets_the_context_in_its_user_turn_and_its_system_as_it_sent_it(
    proxy: str, fake_anthropic: FakeAnthropic
) -> None:
    create_project(proxy)
    assert httpx.head(proxy + "/").status_code == 200
    response = replay(proxy, "/p/website", BODY)
    assert response.status_code == 200, response.text
    assert response.headers["x-contextstack-model"] == f"claude/{BODY['model']}"
    sent = fake_anthropic.last
    assert sent.query == "beta=true"
    received = sent.json()
    assert received["system"] == BODY["system"]  # unchanged, cache_control and all
    at, asked = user_turn(BODY)
    context, *own = received["messages"][at]["content"]
    assert "Website relaunch" in context["text"]
    assert own == asked["content"]  # its own blocks after the context, the cache breakpoint still on the last
    received["messages"][at] = asked
    assert received == BODY
    for header in ("anthropic-version", "anthropic-beta"):
        assert sent.headers[header] == RECORDED["headers"][header]


async def test_claude_codes_stream_comes_back_as_anthropic_sent_it(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    async with (
        httpx.AsyncClient(timeout=30) as client,
        client.stream("POST", proxy + "/v1/messages?beta=true", json=BODY, headers=RECORDED["headers"]) as response,
    ):
        events = await EventReader(response).events(3)
    assert [event.event for event in events] == ["message_start", "ping", "content_block_start"]
    assert fake_anthropic.last.json() == BODY  # no project: nothing added, nothing changed


def test_claude_codes_request_translates_for_an_openai_compatible_model(proxy: str, fake_openai: FakeOpenAI) -> None:
    create_project(proxy)
    response = replay(proxy, "/p/website", {**BODY, "model": "fake/fake-small"})
    assert response.status_code == 200, response.text
    text = "".join(
        json.loads(line[6:])["delta"].get("text", "")
        for line in response.text.splitlines()
        if line.startswith("data: ") and '"content_block_delta"' in line
    )
    assert text == openai_upstream.REPLY
    sent = fake_openai.last.json()
    assert sent["messages"][0]["role"] == "system"
    client_system = "\n\n".join(block["text"] for block in BODY["system"])
    assert sent["messages"][0]["content"].startswith(client_system)
    assert "Website relaunch" not in sent["messages"][0]["content"]
    user = next(message for message in sent["messages"] if message["role"] == "user")
    assert user["content"].startswith("# Website relaunch")  # the text blocks of the user turn, joined
    assert user["content"].endswith("hi")
    assert [tool["function"]["name"] for tool in sent["tools"]] == [tool["name"] for tool in BODY["tools"]]
    assert sent["reasoning_effort"] == BODY["output_config"]["effort"]


@pytest.mark.parametrize("model", [BODY["model"], "claude-haiku-4-5"])
def test_claude_code_counts_tokens_with_the_context(proxy: str, fake_anthropic: FakeAnthropic, model: str) -> None:
    create_project(proxy)
    body = {name: BODY[name] for name in ("system", "messages", "tools")} | {"model": model}
    response = httpx.post(
        proxy + "/p/website/v1/messages/count_tokens?beta=true", json=body, headers=RECORDED["headers"], timeout=30
    )
    assert response.status_code == 200, response.text
    assert response.json()["input_tokens"] == anthropic_upstream.count_tokens(fake_anthropic.last.json())
    received = fake_anthropic.last.json()
    assert received["system"] == BODY["system"]
    assert "Website relaunch" in received["messages"][user_turn(BODY)[0]]["content"][0]["text"]
