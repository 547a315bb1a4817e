"""The official `openai` SDK's Responses API through the proxy: passed through to a provider that serves
`/responses`, translated to chat completions for one that does not, streaming and not, function calls both ways;
the context placed whole every turn (`inject = "prepend"`: test_delta.py has the default, `delta`)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import msgspec
import openai
import pytest

from contextstack.settings import ProviderConfig, Settings
from tests.fakes import anthropic_upstream, openai_upstream
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.fixtures import OPENAI_KEY
from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.server import Fault
from tests.proxy.test_faults import assert_openai_error
from tests.proxy.test_injection import create_project, record_decision

PASSED = "direct/fake-small"  # a provider that serves /responses: requests pass through
TRANSLATED = "fake/fake-small"  # one that serves only chat completions: requests are translated
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a place.",
    "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
}


@pytest.fixture
def proxy_settings(proxy_settings: Settings, fake_openai: FakeOpenAI) -> Settings:
    """The proxy's providers, and `direct`: the fake OpenAI again, this time as a server of `/responses`."""
    direct = ProviderConfig(base_url=fake_openai.url, api_key=OPENAI_KEY, responses=True)
    return msgspec.structs.replace(
        proxy_settings,
        inject="prepend",
        providers={**proxy_settings.providers, "direct": direct},
        aliases={**proxy_settings.aliases, "steady": ["claude/claude-fake-1", PASSED]},
    )


def sdk(proxy: str, path: str = "/v1") -> openai.OpenAI:
    return openai.OpenAI(base_url=proxy + path, api_key="not-a-provider-key", max_retries=0)


def post(proxy: str, body: dict[str, Any], path: str = "/v1", **headers: str) -> httpx.Response:
    return httpx.post(proxy + path + "/responses", json=body, headers=headers, timeout=10)


def events(proxy: str, body: dict[str, Any], path: str = "/v1") -> list[tuple[str, dict[str, Any]]]:
    """The (event name, data) of a streamed answer, read as raw server-sent events."""
    found = []
    with httpx.stream("POST", proxy + path + "/responses", json={**body, "stream": True}, timeout=10) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        for block in response.read().decode().split("\n\n"):
            if not block.strip():
                continue
            fields = dict(line.split(": ", 1) for line in block.split("\n"))
            found.append((fields["event"], json.loads(fields["data"])))
    return found


def assert_well_ordered(stream: list[tuple[str, dict[str, Any]]]) -> None:
    """Every event names its own type, and sequence numbers count up from 0 without a gap."""
    assert [data["sequence_number"] for _, data in stream] == list(range(len(stream)))
    assert all(name == data["type"] for name, data in stream)
    assert stream[0][0] == "response.created"


# Pass-through


def test_a_response_passes_through_with_every_field(proxy: str, fake_openai: FakeOpenAI) -> None:
    raw = sdk(proxy).responses.with_raw_response.create(
        model=PASSED,
        input="Hello?",
        instructions="Be brief.",
        temperature=0.3,
        store=True,
        reasoning={"effort": "low"},
        extra_body={"vendor_option": {"keep": ["me", 1]}},
    )
    response = raw.parse()
    assert response.output_text == openai_upstream.REPLY
    assert response.id == "resp_fake1"
    assert raw.headers["x-contextstack-model"] == PASSED
    assert fake_openai.last.path == "/v1/responses"
    assert fake_openai.last.json() == {
        "model": "fake-small",
        "input": "Hello?",
        "instructions": "Be brief.",
        "temperature": 0.3,
        "store": True,
        "reasoning": {"effort": "low"},
        "vendor_option": {"keep": ["me", 1]},
    }
    assert fake_openai.last.headers["authorization"] == f"Bearer {OPENAI_KEY}"


def test_a_passed_through_stream_is_relayed_byte_for_byte(proxy: str, fake_openai: FakeOpenAI) -> None:
    body = {"model": PASSED, "input": "Hello?", "stream": True}
    with httpx.stream("POST", proxy + "/v1/responses", json=body) as response:
        relayed = response.read()
    with httpx.stream(
        "POST",
        fake_openai.url + "/responses",
        json={**body, "model": "fake-small"},
        headers={"authorization": f"Bearer {OPENAI_KEY}"},
    ) as response:
        direct = response.read()
    assert relayed == direct


def test_the_sdks_stream_reads_a_passed_through_answer(proxy: str, fake_openai: FakeOpenAI) -> None:
    with sdk(proxy).responses.stream(model=PASSED, input="Hello?") as stream:
        text = "".join(event.delta for event in stream if event.type == "response.output_text.delta")
        final = stream.get_final_response()
    assert text == openai_upstream.REPLY
    assert final.output_text == openai_upstream.REPLY
    assert fake_openai.last.json()["stream"] is True


def test_a_function_call_passes_through_both_ways(proxy: str, fake_openai: FakeOpenAI) -> None:
    client = sdk(proxy)
    first = client.responses.create(model=PASSED, input="Weather in Paris?", tools=[WEATHER])  # type: ignore[list-item]
    [call] = first.output
    assert call.type == "function_call"
    assert (call.name, call.call_id, call.arguments) == (
        "get_weather",
        openai_upstream.CALL_ID,
        openai_upstream.TOOL_ARGUMENTS,
    )
    items: list[Any] = [
        {"role": "user", "content": "Weather in Paris?"},
        call.model_dump(exclude_none=True),
        {"type": "function_call_output", "call_id": call.call_id, "output": "Sunny, 21 °C"},
    ]
    second = client.responses.create(model=PASSED, input=items, tools=[WEATHER])  # type: ignore[list-item]
    assert second.output_text == openai_upstream.REPLY
    assert fake_openai.last.json()["input"] == items


def test_a_passed_through_stream_carries_function_call_arguments(proxy: str, fake_openai: FakeOpenAI) -> None:
    stream = events(proxy, {"model": PASSED, "input": "Weather in Paris?", "tools": [WEATHER]})
    assert_well_ordered(stream)
    deltas = "".join(data["delta"] for name, data in stream if name == "response.function_call_arguments.delta")
    assert deltas == openai_upstream.TOOL_ARGUMENTS
    assert stream[-1][1]["response"]["output"][0]["call_id"] == openai_upstream.CALL_ID


# Translated to chat completions


def test_a_response_from_a_chat_completions_provider(proxy: str, fake_openai: FakeOpenAI) -> None:
    raw = sdk(proxy).responses.with_raw_response.create(
        model=TRANSLATED, input="Hello?", instructions="Be brief.", max_output_tokens=50, temperature=0.2
    )
    response = raw.parse()
    assert response.object == "response"
    assert response.status == "completed"
    assert response.id.startswith("resp_")
    assert response.output_text == openai_upstream.REPLY
    assert response.instructions == "Be brief."
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens, response.usage.total_tokens) == (11, 6, 17)
    assert raw.headers["x-contextstack-model"] == TRANSLATED
    assert fake_openai.last.path == "/v1/chat/completions"
    assert fake_openai.last.json() == {
        "model": "fake-small",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello?"}],
        "max_tokens": 50,
        "temperature": 0.2,
    }


def test_items_become_chat_messages(proxy: str, fake_openai: FakeOpenAI) -> None:
    items = [
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "Rules."}]},
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "Look:"},
                {"type": "input_image", "image_url": "https://img.example/a.png"},
            ],
        },
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "A cat."}]},
        {"type": "reasoning", "id": "rs_1", "summary": []},
        {"role": "user", "content": "Thanks."},
    ]
    sdk(proxy).responses.create(model=TRANSLATED, input=items, store=False, include=["reasoning.encrypted_content"])  # type: ignore[arg-type]
    assert fake_openai.last.json()["messages"] == [
        {"role": "system", "content": "Rules."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Look:"},
                {"type": "image_url", "image_url": {"url": "https://img.example/a.png"}},
            ],
        },
        {"role": "assistant", "content": "A cat."},
        {"role": "user", "content": "Thanks."},
    ]
    assert "store" not in fake_openai.last.json()
    assert "include" not in fake_openai.last.json()


def test_a_translated_stream_is_the_responses_event_sequence(proxy: str, fake_openai: FakeOpenAI) -> None:
    stream = events(proxy, {"model": TRANSLATED, "input": "Hello?"})
    assert_well_ordered(stream)
    names = [name for name, _ in stream]
    deltas = len(openai_upstream.REPLY.split(" "))
    assert names == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * deltas,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    completed = stream[-1][1]["response"]
    assert completed["status"] == "completed"
    assert completed["output"][0]["content"][0]["text"] == openai_upstream.REPLY
    assert completed["usage"]["total_tokens"] == 17
    assert stream[0][1]["response"]["id"] == completed["id"]
    assert fake_openai.last.json()["stream_options"] == {"include_usage": True}


async def test_the_async_sdk_streams_a_translated_answer(proxy: str, fake_openai: FakeOpenAI) -> None:
    async with openai.AsyncOpenAI(base_url=proxy + "/v1", api_key="unused", max_retries=0) as client:
        stream = await client.responses.create(model=TRANSLATED, input="Hello?", stream=True)
        received = [event async for event in stream]
    text = "".join(event.delta for event in received if event.type == "response.output_text.delta")
    assert text == openai_upstream.REPLY
    assert received[-1].type == "response.completed"


def test_a_translated_function_call_goes_both_ways(proxy: str, fake_openai: FakeOpenAI) -> None:
    client = sdk(proxy)
    first = client.responses.create(model=TRANSLATED, input="Weather in Paris?", tools=[WEATHER], tool_choice="auto")  # type: ignore[list-item]
    message, call = first.output  # the fake says something, then calls the tool
    assert message.type == "message"
    assert first.output_text == openai_upstream.REPLY
    assert call.type == "function_call"
    assert (call.name, call.call_id, call.arguments) == (
        "get_weather",
        openai_upstream.CALL_ID,
        openai_upstream.TOOL_ARGUMENTS,
    )
    sent = fake_openai.last.json()
    assert sent["tools"] == [
        {"type": "function", "function": {key: WEATHER[key] for key in ("name", "description", "parameters")}}
    ]
    assert sent["tool_choice"] == "auto"
    second = client.responses.create(
        model=TRANSLATED,
        input=[
            {"role": "user", "content": "Weather in Paris?"},
            {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
            {"type": "function_call_output", "call_id": call.call_id, "output": "Sunny, 21 °C"},
        ],
        tools=[WEATHER],  # type: ignore[list-item]
    )
    assert second.output_text == openai_upstream.REPLY
    assert fake_openai.last.json()["messages"][1:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": openai_upstream.CALL_ID,
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": openai_upstream.TOOL_ARGUMENTS},
                }
            ],
        },
        {"role": "tool", "tool_call_id": openai_upstream.CALL_ID, "content": "Sunny, 21 °C"},
    ]


def test_a_translated_stream_streams_function_call_arguments(proxy: str, fake_openai: FakeOpenAI) -> None:
    stream = events(proxy, {"model": TRANSLATED, "input": "Weather in Paris?", "tools": [WEATHER]})
    assert_well_ordered(stream)
    names = [name for name, _ in stream]
    # The fake says something first (a message item), then calls the tool (a function call item).
    text = "".join(data["delta"] for name, data in stream if name == "response.output_text.delta")
    assert text == openai_upstream.REPLY
    calling = [i for i, (name, data) in enumerate(stream) if data.get("item", {}).get("type") == "function_call"]
    assert names[calling[0] :] == [
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert names[:2] == ["response.created", "response.in_progress"]
    added = stream[calling[0]][1]["item"]
    assert (added["type"], added["call_id"], added["name"]) == ("function_call", openai_upstream.CALL_ID, "get_weather")
    deltas = "".join(data["delta"] for name, data in stream if name == "response.function_call_arguments.delta")
    assert deltas == openai_upstream.TOOL_ARGUMENTS
    assert stream[-1][1]["response"]["output"][-1]["arguments"] == openai_upstream.TOOL_ARGUMENTS


def test_the_sdk_collects_a_translated_function_call_stream(proxy: str, fake_openai: FakeOpenAI) -> None:
    with sdk(proxy).responses.stream(model=TRANSLATED, input="Weather?", tools=[WEATHER]) as stream:  # type: ignore[list-item]
        final = stream.get_final_response()
    [call] = [item for item in final.output if item.type == "function_call"]
    assert json.loads(call.arguments) == json.loads(openai_upstream.TOOL_ARGUMENTS)


def test_an_anthropic_model_answers_in_responses_shape(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    response = sdk(proxy).responses.create(model="claude/claude-fake-1", input="Hello?", tools=[WEATHER])  # type: ignore[list-item]
    message, call = response.output
    assert message.type == "message"
    assert response.output_text == anthropic_upstream.REPLY
    assert call.type == "function_call"
    assert json.loads(call.arguments) == anthropic_upstream.TOOL_INPUT
    assert fake_anthropic.last.path == "/v1/messages"
    with sdk(proxy).responses.stream(model="claude/claude-fake-1", input="Hello?") as stream:
        assert stream.get_final_response().output_text == anthropic_upstream.REPLY


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"previous_response_id": "resp_1"}, "previous_response_id"),
        ({"conversation": "conv_1"}, "conversation"),
        ({"background": True}, "background"),
        ({"tools": [WEATHER, {"type": "web_search"}]}, "tools[1].type"),
        ({"tool_choice": {"type": "file_search"}}, "tool_choice"),
        ({"input": [{"type": "item_reference", "id": "msg_1"}]}, "input[0].type"),
        (
            {"input": [{"role": "user", "content": [{"type": "input_file", "file_id": "file_1"}]}]},
            "input[0].content[0].type",
        ),
    ],
)
def test_what_a_chat_completions_provider_cannot_take_is_a_400_naming_it(
    proxy: str, fake_openai: FakeOpenAI, body: dict[str, Any], param: str
) -> None:
    error = assert_openai_error(post(proxy, {"model": TRANSLATED, "input": "Hi", **body}), 400)
    assert error["param"] == param
    assert "cannot be translated" in error["message"]
    assert fake_openai.requests == []
    passed = post(proxy, {"model": PASSED, "input": "Hi", **body})
    assert passed.status_code == 200, passed.text  # the provider that serves /responses gets it as it is


# Errors, fallback, the guard's and the proxy's limits


@pytest.mark.parametrize("model", [PASSED, TRANSLATED])
@pytest.mark.parametrize(
    ("upstream_status", "status", "exception"),
    [(400, 400, openai.BadRequestError), (429, 429, openai.RateLimitError), (503, 502, openai.InternalServerError)],
)
def test_an_upstream_error_reaches_the_sdk_in_openai_shape(
    proxy: str, fake_openai: FakeOpenAI, model: str, upstream_status: int, status: int, exception: type[Exception]
) -> None:
    fake_openai.fault = Fault.answer(upstream_status)
    assert_openai_error(post(proxy, {"model": model, "input": "Hi"}), status)
    with pytest.raises(exception):
        sdk(proxy).responses.create(model=model, input="Hi")


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (b"{not json", "body"),
        (b"[1]", "body"),
        (b'{"model": 4, "input": "hi"}', "model"),
        (b'{"model": "fake/fake-small", "input": 5}', "input"),
        (b'{"model": "fake/fake-small", "input": ["hi"]}', "input"),
        (b'{"model": "fake/fake-small", "input": "hi", "instructions": 3}', "instructions"),
    ],
)
def test_a_bad_body_is_refused_in_openai_shape_and_nothing_is_sent(
    proxy: str, fake_openai: FakeOpenAI, body: bytes, param: str
) -> None:
    response = httpx.post(proxy + "/v1/responses", content=body, headers={"content-type": "application/json"})
    assert assert_openai_error(response, 400)["param"] == param
    assert fake_openai.requests == []


def test_an_unknown_project_is_a_404_and_nothing_is_sent(proxy: str, fake_openai: FakeOpenAI) -> None:
    error = assert_openai_error(post(proxy, {"model": PASSED, "input": "Hi"}, "/p/nowhere/v1"), 404)
    assert "nowhere" in error["message"]
    assert fake_openai.requests == []


def test_a_connection_dropped_mid_stream_ends_a_passed_through_stream_with_an_error_event(
    proxy: str, fake_openai: FakeOpenAI
) -> None:
    fake_openai.fault = Fault.drop_mid_stream(after_events=3)
    stream = events(proxy, {"model": PASSED, "input": "Hello?"})
    assert_well_ordered(stream)
    name, error = stream[-1]
    assert name == "error"
    assert error["code"] == "upstream_unreachable"
    assert error["sequence_number"] == 3


def test_a_connection_dropped_mid_stream_fails_a_translated_response(proxy: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.fault = Fault.drop_mid_stream(after_events=3)
    stream = events(proxy, {"model": TRANSLATED, "input": "Hello?"})
    assert_well_ordered(stream)
    name, failed = stream[-1]
    assert name == "response.failed"
    assert failed["response"]["status"] == "failed"
    assert failed["response"]["error"]["code"] == "upstream_unreachable"


def test_a_malformed_chat_stream_fails_the_translated_response(proxy: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.fault = Fault.malformed()
    name, failed = events(proxy, {"model": TRANSLATED, "input": "Hello?"})[-1]
    assert name == "response.failed"
    assert failed["response"]["error"]["code"] == "upstream_malformed_response"


def test_an_alias_falls_back_to_its_next_model(
    proxy: str, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.fault = Fault.answer(529)
    raw = sdk(proxy).responses.with_raw_response.create(model="steady", input="Hello?")
    assert raw.parse().output_text == openai_upstream.REPLY
    assert raw.headers["x-contextstack-model"] == PASSED
    assert fake_openai.last.path == "/v1/responses"


@pytest.mark.parametrize("path", ["/v1", "/p/launch/v1"])
def test_a_client_that_goes_away_cancels_the_upstream_request(proxy: str, fake_openai: FakeOpenAI, path: str) -> None:
    assert httpx.post(proxy + "/api/projects", json={"name": "Launch", "slug": "launch"}).status_code == 201
    fake_openai.event_delay = 0.3
    for model in (PASSED, TRANSLATED):
        fake_openai.disconnected.clear()
        body = {"model": model, "input": "Hello?", "stream": True}
        with httpx.stream("POST", proxy + path + "/responses", json=body, timeout=10) as response:
            assert next(response.iter_bytes()).startswith(b"event: ")
        assert fake_openai.disconnected.wait(timeout=5), f"upstream never saw the client go ({model})"


# Where the context goes


@pytest.fixture
def project(proxy: str) -> dict[str, Any]:
    created = create_project(proxy)
    record_decision(proxy)
    return created


def context_item(item: dict[str, Any]) -> str:
    assert item["type"] == "message"
    assert item["role"] == "developer"
    [part] = item["content"]
    assert part["type"] == "input_text"
    text: str = part["text"]
    assert "Website relaunch" in text
    assert "Build the site with Astro" in text
    return text


def test_a_string_input_gets_the_context_before_it(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    response = post(proxy, {"model": PASSED, "input": "Which framework?", "instructions": "Be brief."}, "/p/website/v1")
    assert response.status_code == 200, response.text
    sent = fake_openai.last.json()
    assert sent["instructions"] == "Be brief."
    context_item(sent["input"][0])
    assert sent["input"][1:] == [{"type": "message", "role": "user", "content": "Which framework?"}]
    assert response.headers["x-contextstack-project"] == "website"
    assert int(response.headers["x-contextstack-context-tokens"]) > 0


def test_the_context_goes_after_the_clients_own_developer_items(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    items = [
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "System prompt."}]},
        {"role": "system", "content": "More rules."},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Which framework?"}]},
        {"type": "message", "role": "developer", "content": "A later note."},
    ]
    post(proxy, {"model": PASSED, "input": items}, **{"X-Contextstack-Project": "website"})
    sent = fake_openai.last.json()["input"]
    assert sent[:2] == items[:2]
    context_item(sent[2])
    assert sent[3:] == items[2:]


def test_a_translated_request_gets_the_context_after_instructions(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    post(proxy, {"model": TRANSLATED, "input": "Which framework?", "instructions": "Be brief."}, "/p/website/v1")
    system, context, user = fake_openai.last.json()["messages"]
    assert system == {"role": "system", "content": "Be brief."}
    assert context["role"] == "system"
    assert "Build the site with Astro" in context["content"]
    assert user == {"role": "user", "content": "Which framework?"}


def test_a_continued_response_gets_no_second_copy(proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI) -> None:
    body = {"model": PASSED, "input": "And the CSS?", "previous_response_id": "resp_fake1", "store": True}
    response = post(proxy, body, "/p/website/v1")
    assert response.status_code == 200, response.text
    assert fake_openai.last.json() == {**body, "model": "fake-small"}
    assert response.headers["x-contextstack-context-tokens"] == "0"


def test_a_request_in_a_conversation_gets_the_context_in_its_instructions(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    body = {"model": PASSED, "input": "Which framework?", "conversation": "conv_1", "instructions": "Be brief."}
    post(proxy, body, "/p/website/v1")
    sent = fake_openai.last.json()
    assert sent["input"] == "Which framework?"
    assert sent["instructions"].startswith("Be brief.\n\n")
    assert "Build the site with Astro" in sent["instructions"]


def test_injection_can_be_turned_off_per_request(proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI) -> None:
    post(proxy, {"model": PASSED, "input": "Hi"}, "/p/website/v1", **{"X-Contextstack-Inject": "off"})
    assert fake_openai.last.json()["input"] == "Hi"


def test_the_sdk_through_a_project_url_streams_with_the_context(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    with sdk(proxy, "/p/website/v1").responses.stream(model=TRANSLATED, input="Which framework?") as stream:
        assert stream.get_final_response().output_text == openai_upstream.REPLY
    assert "Build the site with Astro" in fake_openai.last.json()["messages"][0]["content"]
