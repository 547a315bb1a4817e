"""The official `openai` SDK, pointed at the proxy, talks to any provider: sync and async, streaming and not."""

from __future__ import annotations

import json

import httpx
import openai
import pytest

from tests.fakes import anthropic_upstream, openai_upstream
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.fixtures import ANTHROPIC_KEY, OPENAI_KEY
from tests.fakes.openai_upstream import FakeOpenAI

HELLO = [{"role": "user", "content": "Hello?"}]


def sdk(proxy: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=proxy + "/v1", api_key="not-a-provider-key", max_retries=0)


def async_sdk(proxy: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=proxy + "/v1", api_key="not-a-provider-key", max_retries=0)


def test_a_completion_passes_through_unchanged(proxy: str, fake_openai: FakeOpenAI) -> None:
    raw = sdk(proxy).chat.completions.with_raw_response.create(
        model="fake/fake-small",
        messages=HELLO,
        temperature=0.3,
        extra_body={"vendor_option": {"keep": ["me", 1]}},
    )
    completion = raw.parse()
    assert completion.choices[0].message.content == openai_upstream.REPLY
    assert completion.system_fingerprint == "fp_fake"
    assert completion.usage is not None
    assert completion.usage.total_tokens == 17
    assert raw.headers["x-contextstack-model"] == "fake/fake-small"
    assert fake_openai.last.json() == {
        "model": "fake-small",
        "messages": HELLO,
        "temperature": 0.3,
        "vendor_option": {"keep": ["me", 1]},
    }
    assert fake_openai.last.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert fake_openai.last.headers["host"] == httpx.URL(fake_openai.url).netloc.decode()


def test_the_clients_own_key_never_reaches_the_provider(proxy: str, fake_openai: FakeOpenAI) -> None:
    sdk(proxy).chat.completions.create(model="fake/fake-small", messages=HELLO)
    assert "not-a-provider-key" not in str(fake_openai.last.headers)


async def test_an_async_completion(proxy: str, fake_openai: FakeOpenAI) -> None:
    async with async_sdk(proxy) as client:
        completion = await client.chat.completions.create(model="fake/fake-small", messages=HELLO)
    assert completion.choices[0].message.content == openai_upstream.REPLY


def test_a_stream_arrives_chunk_by_chunk(proxy: str, fake_openai: FakeOpenAI) -> None:
    chunks = list(sdk(proxy).chat.completions.create(model="fake/fake-small", messages=HELLO, stream=True))
    assert "".join(chunk.choices[0].delta.content or "" for chunk in chunks) == openai_upstream.REPLY
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert fake_openai.last.json()["stream"] is True


async def test_an_async_stream_with_usage(proxy: str, fake_openai: FakeOpenAI) -> None:
    async with async_sdk(proxy) as client:
        stream = await client.chat.completions.create(
            model="fake/fake-small", messages=HELLO, stream=True, stream_options={"include_usage": True}
        )
        chunks = [chunk async for chunk in stream]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == openai_upstream.REPLY
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 17


def test_a_stream_is_relayed_byte_for_byte(proxy: str, fake_openai: FakeOpenAI) -> None:
    body = {"model": "fake/fake-small", "messages": HELLO, "stream": True}
    with httpx.stream("POST", proxy + "/v1/chat/completions", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-contextstack-model"] == "fake/fake-small"
        relayed = response.read()
    with httpx.stream(
        "POST",
        fake_openai.url + "/chat/completions",
        json={**body, "model": "fake-small"},
        headers={"authorization": f"Bearer {OPENAI_KEY}"},
    ) as response:
        direct = response.read()
    assert relayed == direct
    assert relayed.endswith(b"data: [DONE]\n\n")


def test_an_anthropic_model_answers_in_openai_shape(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    raw = sdk(proxy).chat.completions.with_raw_response.create(
        model="claude/claude-fake-1",
        messages=[{"role": "system", "content": "Be brief."}, *HELLO],
    )
    completion = raw.parse()
    assert raw.headers["x-contextstack-model"] == "claude/claude-fake-1"
    assert completion.choices[0].message.content == anthropic_upstream.REPLY
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (15, 7)
    sent = fake_anthropic.last
    assert sent.path == "/v1/messages"
    assert sent.headers["x-api-key"] == ANTHROPIC_KEY
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert sent.json()["system"] == [{"type": "text", "text": "Be brief."}]
    assert sent.json()["max_tokens"] == 4096


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
    },
}


def test_anthropic_tool_calls_come_back_as_openai_tool_calls(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    completion = sdk(proxy).chat.completions.create(model="claude/claude-fake-1", messages=HELLO, tools=[WEATHER_TOOL])
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls or []
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == anthropic_upstream.TOOL_INPUT
    assert fake_anthropic.last.json()["tools"][0]["input_schema"] == WEATHER_TOOL["function"]["parameters"]


async def test_an_anthropic_stream_is_translated_as_it_arrives(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    async with async_sdk(proxy) as client:
        stream = await client.chat.completions.create(
            model="claude/claude-fake-1",
            messages=HELLO,
            tools=[WEATHER_TOOL],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == anthropic_upstream.REPLY
    calls = [call for c in chunks if c.choices for call in c.choices[0].delta.tool_calls or []]
    assert calls[0].id == "toolu_fake1"
    assert calls[0].function is not None
    assert calls[0].function.name == "get_weather"
    arguments = "".join(call.function.arguments or "" for call in calls if call.function)
    assert json.loads(arguments) == anthropic_upstream.TOOL_INPUT
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["tool_calls"]
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 22
    assert fake_anthropic.last.json()["stream"] is True


def test_an_alias_routes_to_its_model(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    raw = sdk(proxy).chat.completions.with_raw_response.create(model="smart", messages=HELLO)
    assert raw.headers["x-contextstack-model"] == "claude/claude-fake-1"
    assert fake_anthropic.last.json()["model"] == "claude-fake-1"


def test_a_plain_model_name_goes_to_the_default_provider(proxy: str, fake_openai: FakeOpenAI) -> None:
    raw = sdk(proxy).chat.completions.with_raw_response.create(model="fake-large", messages=HELLO)
    assert raw.headers["x-contextstack-model"] == "fake/fake-large"
    assert fake_openai.last.json()["model"] == "fake-large"


def test_a_request_without_a_model_uses_the_default_model(proxy: str, fake_openai: FakeOpenAI) -> None:
    response = httpx.post(proxy + "/v1/chat/completions", json={"messages": HELLO})
    assert response.status_code == 200
    assert response.headers["x-contextstack-model"] == "fake/fake-small"
    assert fake_openai.last.json()["model"] == "fake-small"


def test_models_lists_every_usable_providers_models_and_the_aliases(proxy: str) -> None:
    ids = [model.id for model in sdk(proxy).models.list()]
    assert ids == [
        "claude/claude-fake-1",
        "claude/claude-fake-2",
        "fake/fake-pinned",
        "fake/fake-small",
        "fake/fake-large",
        "smart",
        "quick",
    ]


def test_the_api_lists_models_with_where_they_come_from(proxy: str) -> None:
    items = {item["id"]: item for item in httpx.get(proxy + "/api/models").json()["items"]}
    assert items["fake/fake-pinned"]["source"] == "configured"
    assert items["fake/fake-small"] == {
        "id": "fake/fake-small",
        "provider": "fake",
        "model": "fake-small",
        "source": "listed",
        "targets": [],
    }
    assert items["quick"]["targets"] == ["fake/fake-small", "claude/claude-fake-1"]
    assert not any(item.startswith(("openai/", "ollama/")) for item in items), "no key, or no server running"


def test_a_provider_with_a_key_keeps_its_configured_models_when_listing_fails(
    proxy: str, fake_openai: FakeOpenAI
) -> None:
    fake_openai.api_key = "rotated"
    ids = [model.id for model in sdk(proxy).models.list()]
    assert "fake/fake-pinned" in ids
    assert "fake/fake-small" not in ids


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/models"])
def test_the_proxy_is_not_part_of_the_native_api_document(proxy: str, path: str) -> None:
    assert path not in httpx.get(proxy + "/schema/openapi.json").json()["paths"]
