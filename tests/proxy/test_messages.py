"""The official `anthropic` SDK through /v1/messages: passed through to an Anthropic provider, translated for an
OpenAI-compatible one, with the project's whole context after the client's own system blocks (`inject = "prepend"`;
test_delta.py has the default, `delta`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import msgspec
import pytest

from contextstack.settings import ModelProxyConfig, ProviderConfig, Settings
from tests.conftest import serving
from tests.fakes import anthropic_upstream, openai_upstream
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.fixtures import ANTHROPIC_KEY, OPENAI_KEY
from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.server import Fault
from tests.proxy.test_injection import create_project

QUESTION = "Which framework do we build the site with?"
HELLO: list[Any] = [{"role": "user", "content": QUESTION}]
CLIENT_SYSTEM: list[Any] = [
    {"type": "text", "text": "You are Claude Code."},
    {"type": "text", "text": "Follow the repository's conventions.", "cache_control": {"type": "ephemeral"}},
]
WEATHER: Any = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
}


def sdk(base_url: str, **options: Any) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=base_url, api_key="sk-ant-client-key", max_retries=0, **options)


def async_sdk(base_url: str) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(base_url=base_url, api_key="sk-ant-client-key", max_retries=0)


@pytest.fixture
def proxy_settings(proxy_settings: Settings) -> Settings:
    """The whole context every turn, after the client's system blocks."""
    return msgspec.structs.replace(proxy_settings, inject="prepend")


@pytest.fixture
def website(proxy: str) -> str:
    create_project(proxy)
    return proxy + "/p/website"


# Passed through to an Anthropic provider


def test_a_message_passes_through_to_an_anthropic_provider_untouched(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    raw = sdk(proxy).messages.with_raw_response.create(
        model="claude/claude-fake-1",
        max_tokens=100,
        system=CLIENT_SYSTEM,
        messages=HELLO,
        metadata={"user_id": "someone"},
        extra_body={"temperature": 0.2, "vendor_field": {"keep": [1, "two"]}},
    )
    message = raw.parse()
    assert message.content[0].type == "text"
    assert message.content[0].text == anthropic_upstream.REPLY
    assert message.usage.cache_read_input_tokens == 3
    assert raw.headers["x-contextstack-model"] == "claude/claude-fake-1"
    assert fake_anthropic.last.path == "/v1/messages"
    assert fake_anthropic.last.json() == {
        "max_tokens": 100,
        "messages": HELLO,
        "model": "claude-fake-1",
        "metadata": {"user_id": "someone"},
        "system": CLIENT_SYSTEM,
        "temperature": 0.2,
        "vendor_field": {"keep": [1, "two"]},
    }
    # The configured key, not the client's; Anthropic's version as the client said it.
    assert fake_anthropic.last.headers["x-api-key"] == ANTHROPIC_KEY
    assert "sk-ant-client-key" not in str(fake_anthropic.last.headers)
    assert fake_anthropic.last.headers["anthropic-version"] == raw.http_request.headers["anthropic-version"]


def test_a_stream_is_relayed_event_by_event_as_anthropic_names_them(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    with sdk(proxy).messages.stream(model="claude/claude-fake-1", max_tokens=100, messages=HELLO) as stream:
        names = [event.type for event in stream]
        final = stream.get_final_message()
    assert final.content[0].type == "text"
    assert final.content[0].text == anthropic_upstream.REPLY
    assert names[0] == "message_start"
    assert names[-1] == "message_stop"
    assert "content_block_delta" in names
    assert fake_anthropic.last.json()["stream"] is True
    body = {"model": "claude/claude-fake-1", "max_tokens": 100, "messages": HELLO, "stream": True}
    relayed = httpx.post(proxy + "/v1/messages", json=body).content
    upstream = b"".join(fake_anthropic.events({**body, "model": "claude-fake-1"}))
    assert relayed == upstream


def test_tool_use_passes_through_both_ways(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    message = sdk(proxy).messages.create(
        model="claude/claude-fake-1", max_tokens=100, messages=HELLO, tools=[WEATHER], tool_choice={"type": "auto"}
    )
    assert message.stop_reason == "tool_use"
    call = message.content[1]
    assert call.type == "tool_use"
    assert call.input == anthropic_upstream.TOOL_INPUT
    assert fake_anthropic.last.json()["tools"] == [WEATHER]


def test_bare_claude_names_go_to_the_anthropic_provider(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    raw = sdk(proxy).messages.with_raw_response.create(model="claude-haiku-fake", max_tokens=10, messages=HELLO)
    assert raw.headers["x-contextstack-model"] == "claude/claude-haiku-fake"
    assert fake_anthropic.last.json()["model"] == "claude-haiku-fake"


def test_an_alias_applies(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    raw = sdk(proxy).messages.with_raw_response.create(model="smart", max_tokens=10, messages=HELLO)
    assert raw.headers["x-contextstack-model"] == "claude/claude-fake-1"


def test_anthropic_version_beta_headers_and_the_beta_query_go_on_to_anthropic(
    proxy: str, fake_anthropic: FakeAnthropic
) -> None:
    sdk(proxy).beta.messages.create(
        model="claude/claude-fake-1", max_tokens=10, messages=HELLO, betas=["interleaved-thinking-2025-05-14"]
    )
    assert fake_anthropic.last.headers["anthropic-beta"] == "interleaved-thinking-2025-05-14"
    # Claude Code asks for /v1/messages?beta=true.
    body = {"model": "claude-fake-1", "max_tokens": 10, "messages": HELLO}
    headers = {"anthropic-version": "2023-06-01", "anthropic-beta": "claude-code-20250219"}
    assert httpx.post(proxy + "/v1/messages?beta=true", json=body, headers=headers).status_code == 200
    assert fake_anthropic.last.query == "beta=true"
    assert fake_anthropic.last.headers["anthropic-version"] == "2023-06-01"
    assert fake_anthropic.last.headers["anthropic-beta"] == "claude-code-20250219"


async def test_an_async_stream(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    async with (
        async_sdk(proxy) as client,
        client.messages.stream(model="claude/claude-fake-1", max_tokens=10, messages=HELLO) as stream,
    ):
        text = "".join([part async for part in stream.text_stream])
    assert text == anthropic_upstream.REPLY


# The project's context


def test_the_context_goes_after_the_clients_system_blocks_with_cache_control_kept(
    website: str, fake_anthropic: FakeAnthropic
) -> None:
    raw = sdk(website).messages.with_raw_response.create(
        model="claude-fake-1", max_tokens=10, system=CLIENT_SYSTEM, messages=HELLO
    )
    assert raw.headers["x-contextstack-project"] == "website"
    assert int(raw.headers["x-contextstack-context-tokens"]) > 0
    system = fake_anthropic.last.json()["system"]
    assert system[:2] == CLIENT_SYSTEM
    assert len(system) == 3
    assert system[2]["type"] == "text"
    assert "Website relaunch" in system[2]["text"]
    assert "cache_control" not in system[2]
    assert fake_anthropic.last.json()["messages"] == HELLO


def test_a_string_system_becomes_a_block_before_the_context(website: str, fake_anthropic: FakeAnthropic) -> None:
    sdk(website).messages.create(model="claude-fake-1", max_tokens=10, system="Be brief.", messages=HELLO)
    system = fake_anthropic.last.json()["system"]
    assert system[0] == {"type": "text", "text": "Be brief."}
    assert "Website relaunch" in system[1]["text"]


def test_without_a_system_the_context_is_the_only_system_block(website: str, fake_anthropic: FakeAnthropic) -> None:
    sdk(website).messages.create(model="claude-fake-1", max_tokens=10, messages=HELLO)
    system = fake_anthropic.last.json()["system"]
    assert len(system) == 1
    assert "Website relaunch" in system[0]["text"]


def test_the_project_can_be_named_in_a_header(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    create_project(proxy)
    client = sdk(proxy, default_headers={"X-Contextstack-Project": "website"})
    client.messages.create(model="claude-fake-1", max_tokens=10, messages=HELLO)
    assert "Website relaunch" in fake_anthropic.last.json()["system"][0]["text"]


def test_count_tokens_counts_the_request_with_its_context(website: str, fake_anthropic: FakeAnthropic) -> None:
    client = sdk(website)
    counted = client.messages.count_tokens(model="claude-fake-1", system=CLIENT_SYSTEM, messages=HELLO)
    sent = fake_anthropic.last
    assert sent.path == "/v1/messages/count_tokens"
    assert "Website relaunch" in sent.json()["system"][2]["text"]
    assert counted.input_tokens == anthropic_upstream.count_tokens(sent.json())
    bare = sdk(website.split("/p/")[0]).messages.count_tokens(
        model="claude-fake-1", system=CLIENT_SYSTEM, messages=HELLO
    )
    assert bare.input_tokens < counted.input_tokens


# Translated for an OpenAI-compatible provider


def test_a_message_is_translated_for_an_openai_compatible_provider(proxy: str, fake_openai: FakeOpenAI) -> None:
    message = sdk(proxy).messages.create(
        model="fake/fake-small",
        max_tokens=50,
        system=CLIENT_SYSTEM,
        messages=HELLO,
        stop_sequences=["END"],
        metadata={"user_id": "someone"},
    )
    assert message.content[0].type == "text"
    assert message.content[0].text == openai_upstream.REPLY
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens == 11
    assert message.usage.output_tokens == 6
    assert message.model == "fake/fake-small"
    assert fake_openai.last.json() == {
        "model": "fake-small",
        "messages": [
            {"role": "system", "content": "You are Claude Code.\n\nFollow the repository's conventions."},
            {"role": "user", "content": QUESTION},
        ],
        "max_tokens": 50,
        "stop": ["END"],
        "user": "someone",
    }
    assert fake_openai.last.headers["authorization"] == f"Bearer {OPENAI_KEY}"


def test_a_translated_stream_arrives_as_anthropic_events(proxy: str, fake_openai: FakeOpenAI) -> None:
    with sdk(proxy).messages.stream(model="fake/fake-small", max_tokens=50, messages=HELLO) as stream:
        names = [event.type for event in stream]
        final = stream.get_final_message()
    assert final.content[0].type == "text"
    assert final.content[0].text == openai_upstream.REPLY
    assert final.usage.output_tokens == 6
    assert names[0] == "message_start"
    assert "content_block_start" in names
    assert names[-1] == "message_stop"
    assert fake_openai.last.json()["stream_options"] == {"include_usage": True}


def test_tool_use_is_translated_both_ways(proxy: str, fake_openai: FakeOpenAI) -> None:
    history: list[Any] = [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"location": "Paris"}}],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "Sunny"},
                {"type": "text", "text": "And tomorrow?"},
            ],
        },
    ]
    message = sdk(proxy).messages.create(
        model="fake/fake-small", max_tokens=50, messages=history, tools=[WEATHER], tool_choice={"type": "any"}
    )
    assert message.stop_reason == "tool_use"
    call = message.content[1]
    assert call.type == "tool_use"
    assert call.name == "get_weather"
    assert call.input == json.loads(openai_upstream.TOOL_ARGUMENTS)
    sent = fake_openai.last.json()
    assert sent["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": WEATHER["input_schema"],
                "description": "The weather in a city",
            },
        }
    ]
    assert sent["tool_choice"] == "required"
    assert sent["messages"] == [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "toolu_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"location":"Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "toolu_1", "content": "Sunny"},
        {"role": "user", "content": "And tomorrow?"},
    ]


def test_a_translated_stream_carries_tool_use(proxy: str, fake_openai: FakeOpenAI) -> None:
    with sdk(proxy).messages.stream(model="fake/fake-small", max_tokens=50, messages=HELLO, tools=[WEATHER]) as stream:
        final = stream.get_final_message()
    assert [block.type for block in final.content] == ["text", "tool_use"]
    assert final.content[1].type == "tool_use"
    assert final.content[1].input == json.loads(openai_upstream.TOOL_ARGUMENTS)
    assert final.stop_reason == "tool_use"


def test_the_context_is_translated_after_the_clients_system_text(website: str, fake_openai: FakeOpenAI) -> None:
    sdk(website).messages.create(model="fake/fake-small", max_tokens=10, system=CLIENT_SYSTEM, messages=HELLO)
    system = fake_openai.last.json()["messages"][0]
    assert system["role"] == "system"
    assert system["content"].startswith("You are Claude Code.\n\nFollow the repository's conventions.\n\n")
    assert "Website relaunch" in system["content"]


def test_count_tokens_is_counted_locally_for_an_openai_compatible_provider(
    website: str, fake_openai: FakeOpenAI
) -> None:
    with_context = sdk(website).messages.count_tokens(model="fake/fake-small", messages=HELLO)
    without = sdk(website.split("/p/")[0]).messages.count_tokens(model="fake/fake-small", messages=HELLO)
    assert 0 < without.input_tokens < with_context.input_tokens
    assert fake_openai.requests == []


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"top_k": 5}, "top_k"),
        ({"thinking": {"type": "enabled", "budget_tokens": 2000}}, "thinking"),
        ({"tools": [{"type": "web_search_20250305", "name": "web_search"}]}, "tools[0]"),
        ({"messages": [{"role": "user", "content": [{"type": "document", "source": {}}]}]}, "messages[0].content[0]"),
        ({"output_config": {"format": {"type": "json_schema"}}}, "output_config.format"),
    ],
)
def test_what_cannot_be_translated_is_a_400_that_names_it(
    proxy: str, fake_openai: FakeOpenAI, extra: dict[str, Any], named: str
) -> None:
    body = {"max_tokens": 10, "messages": HELLO, **extra}
    with pytest.raises(anthropic.BadRequestError) as caught:
        sdk(proxy).messages.create(
            model="fake/fake-small", max_tokens=10, messages=body.pop("messages"), extra_body=body
        )
    assert caught.value.body["type"] == "error"
    assert caught.value.body["error"]["type"] == "invalid_request_error"
    assert named in caught.value.body["error"]["message"]
    assert fake_openai.requests == []


def test_a_beta_that_cannot_be_translated_is_a_400_that_names_it(proxy: str, fake_openai: FakeOpenAI) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        sdk(proxy).beta.messages.create(
            model="fake/fake-small", max_tokens=10, messages=HELLO, betas=["files-api-2025-04-14"]
        )
    assert "files-api-2025-04-14" in caught.value.body["error"]["message"]


# Errors in Anthropic's shape


def test_an_unknown_model_is_a_404_that_says_which_models_exist(proxy: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.fault = Fault.answer(404)
    with pytest.raises(anthropic.NotFoundError) as caught:
        sdk(proxy).messages.create(model="fake/no-such-model", max_tokens=10, messages=HELLO)
    error = caught.value.body["error"]
    assert error["type"] == "not_found_error"
    assert "Models you can name:" in error["message"]
    assert "claude/claude-fake-1" in error["message"]
    assert "smart" in error["message"]


@pytest.mark.parametrize(
    ("content", "headers", "status", "kind"),
    [
        (b"{not json", {"content-type": "application/json"}, 400, "invalid_request_error"),
        (
            b'{"model": "claude-fake-1", "messages": "hi"}',
            {"content-type": "application/json"},
            400,
            "invalid_request_error",
        ),
        (b"x" * (16 * 1024 * 1024 + 1), {"content-type": "application/json"}, 413, "request_too_large"),
        (b"{}", {"content-type": "text/plain"}, 415, "invalid_request_error"),
    ],
)
def test_bad_requests_answer_in_anthropics_shape(
    proxy: str, content: bytes, headers: dict[str, str], status: int, kind: str
) -> None:
    response = httpx.post(proxy + "/v1/messages", content=content, headers=headers, timeout=30)
    assert response.status_code == status
    assert response.json()["type"] == "error"
    assert response.json()["error"]["type"] == kind


def test_an_unknown_path_and_a_wrong_method_answer_in_anthropics_shape(proxy: str) -> None:
    response = httpx.post(proxy + "/v1/messages/batches", json={})
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found_error"
    assert "POST /v1/messages" in response.json()["error"]["message"]
    response = httpx.get(proxy + "/v1/messages")
    assert response.status_code == 405
    assert response.json()["type"] == "error"
    response = httpx.post(proxy + "/v1/complete", json={}, headers={"anthropic-version": "2023-06-01"})
    assert response.json()["type"] == "error"


def test_an_upstream_error_keeps_its_status_and_anthropic_type(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.fault = Fault.answer(429)
    with pytest.raises(anthropic.RateLimitError) as caught:
        sdk(proxy).messages.create(model="claude-fake-1", max_tokens=10, messages=HELLO)
    assert caught.value.body["error"]["type"] == "rate_limit_error"
    assert caught.value.response.headers["retry-after"] == "3"


def test_an_error_mid_stream_is_an_anthropic_error_event(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.fault = Fault.drop_mid_stream(after_events=4)
    with (
        pytest.raises(anthropic.APIStatusError),
        sdk(proxy).messages.stream(model="claude-fake-1", max_tokens=10, messages=HELLO) as stream,
    ):
        for _ in stream:
            pass


def test_head_answers_claude_codes_probe(proxy: str) -> None:
    assert httpx.head(proxy + "/").status_code == 200


def test_the_model_list_is_in_anthropics_shape_for_an_anthropic_client(
    proxy: str, fake_anthropic: FakeAnthropic
) -> None:
    ids = [model.id for model in sdk(proxy).models.list()]
    assert "claude/claude-fake-2" in ids
    assert "fake/fake-small" in ids
    listed = httpx.get(proxy + "/v1/models", headers={"anthropic-version": "2023-06-01"}).json()
    assert listed["has_more"] is False
    assert listed["data"][0]["type"] == "model"


# Credentials, the daemon's token, per-model injection

TOKEN = "daemon-token-not-for-providers"

SUBSCRIPTION = "sk-ant-oat01-subscription-token"


@pytest.fixture
def forwarding(
    proxy_settings: Settings, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, no_provider_keys: None
) -> Iterator[str]:
    """A daemon with a token, whose Anthropic and OpenAI-compatible providers take the client's key."""
    providers = dict(proxy_settings.providers)
    # Written as ANTHROPIC_BASE_URL is, without /v1.
    root = fake_anthropic.url.removesuffix("/v1")
    providers["claude"] = ProviderConfig(kind="anthropic", base_url=root, forward_client_key=True)
    providers["fake"] = ProviderConfig(base_url=fake_openai.url, forward_client_key=True)
    settings = msgspec.structs.replace(
        proxy_settings, token=TOKEN, providers=providers, models={"claude-*haiku*": ModelProxyConfig(inject="off")}
    )
    with serving(settings) as url:
        yield url


def test_a_subscription_token_is_forwarded_with_the_daemon_token_in_its_own_header(
    forwarding: str, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.api_key = SUBSCRIPTION
    client = anthropic.Anthropic(
        base_url=forwarding, auth_token=SUBSCRIPTION, default_headers={"X-Contextstack-Token": TOKEN}, max_retries=0
    )
    client.messages.create(model="claude-fake-1", max_tokens=10, messages=HELLO)
    assert fake_anthropic.last.headers["authorization"] == f"Bearer {SUBSCRIPTION}"
    assert "x-api-key" not in fake_anthropic.last.headers
    assert TOKEN not in str(fake_anthropic.last.headers)


def test_a_clients_api_key_is_forwarded(
    forwarding: str, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI
) -> None:
    fake_anthropic.api_key = "sk-ant-the-clients-own"
    client = anthropic.Anthropic(
        base_url=forwarding,
        api_key="sk-ant-the-clients-own",
        default_headers={"X-Contextstack-Token": TOKEN},
        max_retries=0,
    )
    client.messages.create(model="claude-fake-1", max_tokens=10, messages=HELLO)  # the fake takes only that key
    assert TOKEN not in str(fake_anthropic.last.headers)
    as_api_key = {
        "x-api-key": "sk-ant-the-clients-own",
        "X-Contextstack-Token": TOKEN,
        "anthropic-version": "2023-06-01",
    }
    body = {"model": "claude-fake-1", "max_tokens": 10, "messages": HELLO}
    assert httpx.post(forwarding + "/v1/messages", json=body, headers=as_api_key).status_code == 200
    assert fake_anthropic.last.headers["x-api-key"] == "sk-ant-the-clients-own"
    assert "authorization" not in fake_anthropic.last.headers
    fake_openai.api_key = "sk-ant-the-clients-own"
    client.messages.create(model="fake/fake-small", max_tokens=10, messages=HELLO)
    assert fake_openai.last.headers["authorization"] == "Bearer sk-ant-the-clients-own"


def test_the_daemon_token_as_the_key_is_accepted_and_never_forwarded(
    forwarding: str, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.api_key = None
    client = anthropic.Anthropic(base_url=forwarding, api_key=TOKEN, max_retries=0)
    client.messages.create(model="claude-fake-1", max_tokens=10, messages=HELLO)
    assert TOKEN not in str(fake_anthropic.last.headers)


def test_without_the_token_the_guard_answers_401_in_anthropics_shape(forwarding: str) -> None:
    client = anthropic.Anthropic(base_url=forwarding, api_key="sk-ant-anything", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as caught:
        client.messages.create(model="claude-fake-1", max_tokens=10, messages=HELLO)
    assert caught.value.body["error"]["type"] == "authentication_error"
    assert httpx.head(forwarding + "/").status_code == 200  # Claude Code's probe carries no key


def test_a_forwarded_key_the_provider_refuses_is_a_401_in_anthropics_shape(
    forwarding: str, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.api_key = "sk-ant-expected"
    client = anthropic.Anthropic(
        base_url=forwarding, api_key="sk-ant-wrong", default_headers={"X-Contextstack-Token": TOKEN}, max_retries=0
    )
    with pytest.raises(anthropic.AuthenticationError) as caught:
        client.messages.create(model="claude-fake-1", max_tokens=10, messages=HELLO)
    assert "sk-ant-wrong" not in json.dumps(caught.value.body)


def test_inject_off_for_a_model_leaves_its_requests_alone(forwarding: str, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.api_key = None
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert (
        httpx.post(
            forwarding + "/api/projects", json={"name": "Website", "slug": "website"}, headers=headers
        ).status_code
        == 201
    )
    client = anthropic.Anthropic(base_url=forwarding + "/p/website", api_key=TOKEN, max_retries=0)
    client.messages.create(model="claude-haiku-fake", max_tokens=10, system="Title this.", messages=HELLO)
    assert fake_anthropic.last.json()["system"] == "Title this."
    client.messages.create(model="claude-sonnet-fake", max_tokens=10, system="Title this.", messages=HELLO)
    assert "Website" in fake_anthropic.last.json()["system"][1]["text"]


# The client going away


@pytest.mark.parametrize(
    ("model", "path"),
    [
        ("claude-fake-1", "/v1/messages"),
        ("fake/fake-small", "/v1/messages"),
        ("claude-fake-1", "/p/launch/v1/messages"),
    ],
)
def test_a_client_that_goes_away_mid_stream_cancels_the_upstream_request(
    proxy: str, fake_anthropic: FakeAnthropic, fake_openai: FakeOpenAI, model: str, path: str
) -> None:
    assert httpx.post(proxy + "/api/projects", json={"name": "Launch", "slug": "launch"}).status_code == 201
    fake = fake_anthropic if model.startswith("claude") else fake_openai
    fake.event_delay = 0.3
    body = {"model": model, "max_tokens": 10, "messages": HELLO, "stream": True}
    with httpx.stream("POST", proxy + path, json=body, timeout=10) as response:
        assert next(response.iter_bytes()).startswith(b"event: message_start")
    assert fake.disconnected.wait(timeout=5), "upstream never saw the client go"


def test_a_client_that_goes_away_before_the_answer_cancels_the_upstream_request(
    proxy: str, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.fault = Fault.slow_first_byte(5)
    body = {"model": "claude-fake-1", "max_tokens": 10, "messages": HELLO}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(proxy + "/v1/messages", json=body, timeout=httpx.Timeout(10, read=0.5))
    assert fake_anthropic.disconnected.wait(timeout=3), "the upstream request went on after its client went away"


def test_a_forwarded_key_reaches_the_provider_on_chat_completions_too(forwarding: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.api_key = "sk-the-clients-openai-key"
    body = {"model": "fake/fake-small", "messages": HELLO}
    headers = {"Authorization": "Bearer sk-the-clients-openai-key", "X-Contextstack-Token": TOKEN}
    assert httpx.post(forwarding + "/v1/chat/completions", json=body, headers=headers).status_code == 200
    assert fake_openai.last.headers["authorization"] == "Bearer sk-the-clients-openai-key"


def test_the_token_as_x_api_key_opens_the_api_and_a_refusal_speaks_the_clients_dialect(forwarding: str) -> None:
    assert httpx.get(forwarding + "/api/projects", headers={"x-api-key": TOKEN}).status_code == 200
    refused = httpx.get(forwarding + "/v1/models", headers={"anthropic-version": "2023-06-01"})
    assert refused.status_code == 401
    assert refused.json()["type"] == "error"
    assert refused.json()["error"]["type"] == "authentication_error"
    assert "X-Contextstack-Token" in refused.json()["error"]["message"]
    assert httpx.get(forwarding + "/v1/models").json()["error"]["code"] == "unauthorized"
