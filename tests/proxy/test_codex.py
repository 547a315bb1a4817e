"""Requests the real Codex CLI sent, replayed through the proxy: recorded from `codex exec "hi"` (see
tests/fixtures/codex/), so what Codex relies on is checked against what it really sends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from contextstack.settings import Settings
from tests.fakes.openai_upstream import FakeOpenAI
from tests.proxy.test_injection import create_project, record_decision
from tests.proxy.test_responses import proxy_settings as responses_proxy_settings

FIXTURES = Path(__file__).parents[1] / "fixtures" / "codex"
# What the proxy's own HTTP client sets, or what belongs to one connection.
_HOP_HEADERS = ("host", "content-length", "accept-encoding", "connection")

__all__ = ["responses_proxy_settings"]


@pytest.fixture
def proxy_settings(responses_proxy_settings: Settings) -> Settings:
    """Codex names a plain model (`model = "fake-small"`): the default provider serves `/responses`; the context
    goes in as it does by default (`inject = "delta"`), where test_responses.py has the whole-context mode."""
    return msgspec.structs.replace(responses_proxy_settings, default_model="direct/fake-small", inject="delta")


def recorded(name: str) -> dict[str, Any]:
    recording: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return recording


def replay(proxy: str, recording: dict[str, Any], **changes: Any) -> httpx.Response:
    headers = {name: value for name, value in recording["headers"].items() if name.lower() not in _HOP_HEADERS}
    body = {**recording["body"], **changes}
    return httpx.post(proxy + recording["path"], content=json.dumps(body).encode(), headers=headers, timeout=10)


@pytest.fixture
def project(proxy: str) -> None:
    create_project(proxy)  # `website`, the project Codex's http_headers name
    record_decision(proxy)


def context_part(sent: dict[str, Any], original: dict[str, Any]) -> str:
    """The context's text, checked to be the first part of the last user item and all else as Codex sent it."""
    *before, last = sent["input"]
    assert before == original["input"][:-1]
    part, *own = last["content"]
    assert own == original["input"][-1]["content"]
    assert part["type"] == "input_text"
    text: str = part["text"]
    assert "Website relaunch" in text
    assert "Build the site with Astro" in text
    return text


def leading_developer_items(items: list[dict[str, Any]]) -> int:
    count = 0
    while items[count].get("role") == "developer":
        count += 1
    return count


def test_codex_gets_the_context_in_its_last_user_item_and_every_other_field_as_it_sent(
    proxy: str, project: None, fake_openai: FakeOpenAI
) -> None:
    recording = recorded("exec_hi.json")
    assert recording["headers"]["x-contextstack-project"] == "website"
    response = replay(proxy, recording)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-contextstack-project"] == "website"
    sent = fake_openai.last.json()
    original = recording["body"]
    developer = leading_developer_items(original["input"])
    assert developer == 2  # Codex's system prompt, then its skills and permissions
    context_part(sent, original)
    assert {k: v for k, v in sent.items() if k != "input"} == {k: v for k, v in original.items() if k != "input"}
    assert "response.completed" in response.text


def test_codex_through_the_project_url_gets_the_same_placement(
    proxy: str, project: None, fake_openai: FakeOpenAI
) -> None:
    recording = recorded("exec_hi.json")
    headers = {k: v for k, v in recording["headers"].items() if k != "x-contextstack-project"}
    response = replay(proxy, {**recording, "headers": headers, "path": "/p/website/v1/responses"})
    assert response.status_code == 200, response.text
    context_part(fake_openai.last.json(), recording["body"])


def test_codexs_default_tools_cannot_go_to_a_chat_completions_provider(
    proxy: str, project: None, fake_openai: FakeOpenAI
) -> None:
    recording = recorded("exec_hi.json")
    response = replay(proxy, recording, model="fake/fake-small")
    assert response.status_code == 400
    error = response.json()["error"]
    kinds = [tool["type"] for tool in recording["body"]["tools"]]
    first = next(index for index, kind in enumerate(kinds) if kind != "function")
    assert error["param"] == f"tools[{first}].type"
    assert repr(kinds[first]) in error["message"]
    assert fake_openai.requests == []


def test_codex_with_function_tools_only_is_translated_for_a_chat_completions_provider(
    proxy: str, project: None, fake_openai: FakeOpenAI
) -> None:
    recording = recorded("exec_hi_function_tools_only.json")
    original = recording["body"]
    response = replay(proxy, recording, model="fake/fake-small")
    assert response.status_code == 200, response.text
    assert "event: response.completed" in response.text
    sent = fake_openai.last.json()
    assert fake_openai.last.path == "/v1/chat/completions"
    roles = [message["role"] for message in sent["messages"]]
    assert roles == ["system", "system", "user", "user"]
    assert sent["messages"][0]["content"] == original["input"][0]["content"][0]["text"]
    asked = sent["messages"][-1]["content"]  # the context, then Codex's "hi": the item's parts, joined
    assert asked.startswith("# Website relaunch")
    assert "Build the site with Astro" in asked
    assert asked.endswith("hi")
    assert [tool["function"]["name"] for tool in sent["tools"]] == [tool["name"] for tool in original["tools"]]
    assert (sent["tool_choice"], sent["parallel_tool_calls"], sent["stream"]) == ("auto", True, True)
    assert not {"store", "include", "prompt_cache_key", "client_metadata", "reasoning", "input"} & set(sent)
