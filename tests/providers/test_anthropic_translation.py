"""OpenAI chat requests become Anthropic Messages requests, and Anthropic answers become OpenAI completions."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contextstack.providers.anthropic_request import DEFAULT_MAX_TOKENS, to_messages_request
from contextstack.providers.anthropic_response import StreamTranslation, to_chat_completion
from contextstack.providers.errors import ProviderError
from contextstack.providers.models import Target

TARGET = Target("anthropic", "claude-sonnet-4-5")


def translate(**request: Any) -> dict[str, Any]:
    return to_messages_request({"messages": [{"role": "user", "content": "hi"}], **request}, "claude-sonnet-4-5")


def test_system_and_developer_messages_become_the_system_prompt() -> None:
    translated = translate(
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "hi"},
            {"role": "developer", "content": [{"type": "text", "text": "Use metric units."}]},
        ]
    )
    assert translated["system"] == [
        {"type": "text", "text": "Be brief."},
        {"type": "text", "text": "Use metric units."},
    ]
    assert translated["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    assert translated["model"] == "claude-sonnet-4-5"


def test_turns_of_one_role_merge_so_roles_alternate() -> None:
    translated = translate(
        messages=[
            {"role": "user", "content": "one"},
            {"role": "user", "content": "two"},
            {"role": "assistant", "content": "three"},
            {"role": "assistant", "content": ""},
            {"role": "user", "content": "four"},
        ]
    )
    assert [turn["role"] for turn in translated["messages"]] == ["user", "assistant", "user"]
    assert translated["messages"][0]["content"] == [{"type": "text", "text": "one"}, {"type": "text", "text": "two"}]


def test_max_tokens_has_a_default_and_follows_the_request() -> None:
    assert translate()["max_tokens"] == DEFAULT_MAX_TOKENS
    assert translate(max_tokens=100)["max_tokens"] == 100
    assert translate(max_tokens=100, max_completion_tokens=50)["max_tokens"] == 50


def test_sampling_stop_stream_and_user_are_carried_and_other_fields_dropped() -> None:
    translated = translate(temperature=0.2, top_p=0.9, stop="END", stream=True, user="u-1", seed=7, logprobs=True)
    assert translated["temperature"] == 0.2
    assert translated["top_p"] == 0.9
    assert translated["stop_sequences"] == ["END"]
    assert translated["stream"] is True
    assert translated["metadata"] == {"user_id": "u-1"}
    assert "seed" not in translated
    assert "logprobs" not in translated
    assert translate(stop=["a", "b"])["stop_sequences"] == ["a", "b"]


def test_images_become_image_blocks() -> None:
    translated = translate(
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg", "detail": "low"}},
                ],
            }
        ]
    )
    assert translated["messages"][0]["content"] == [
        {"type": "text", "text": "What is this?"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
    ]


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a place",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
    },
}


def test_tools_tool_calls_and_tool_results_are_translated() -> None:
    translated = translate(
        tools=[WEATHER_TOOL],
        messages=[
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"location": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "18°C"},
            {"role": "user", "content": "Thanks"},
        ],
    )
    assert translated["tools"] == [
        {
            "name": "get_weather",
            "description": "The weather in a place",
            "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}},
        }
    ]
    assert translated["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"location": "Paris"}}],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "call_1", "content": "18°C"},
                {"type": "text", "text": "Thanks"},
            ],
        },
    ]


@pytest.mark.parametrize(
    ("tool_choice", "parallel", "expected"),
    [
        ("auto", None, {"type": "auto"}),
        ("none", None, {"type": "none"}),
        ("required", None, {"type": "any"}),
        ({"type": "function", "function": {"name": "get_weather"}}, None, {"type": "tool", "name": "get_weather"}),
        (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
        ("required", False, {"type": "any", "disable_parallel_tool_use": True}),
        (None, None, None),
    ],
)
def test_tool_choice_is_translated(tool_choice: Any, parallel: Any, expected: dict[str, Any] | None) -> None:
    translated = translate(tools=[WEATHER_TOOL], tool_choice=tool_choice, parallel_tool_calls=parallel)
    assert translated.get("tool_choice") == expected


@pytest.mark.parametrize(
    ("request_fields", "param"),
    [
        ({"n": 2}, "n"),
        ({"messages": "hi"}, "messages"),
        ({"messages": [{"role": "wizard", "content": "hi"}]}, "messages[0].role"),
        (
            {"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}]},
            "messages[0].content[0]",
        ),
        (
            {
                "messages": [
                    {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png,raw"}}]}
                ]
            },
            "messages[0].content[0].image_url.url",
        ),
        ({"messages": [{"role": "tool", "content": "x"}]}, "messages[0].tool_call_id"),
        (
            {
                "messages": [
                    {"role": "assistant", "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": "{oops"}}]}
                ]
            },
            "messages[0].tool_calls[0].function.arguments",
        ),
        ({"tools": [{"type": "code_interpreter"}]}, "tools[0]"),
        ({"tools": [WEATHER_TOOL], "tool_choice": "sometimes"}, "tool_choice"),
    ],
)
def test_requests_anthropic_cannot_take_are_refused_naming_the_field(
    request_fields: dict[str, Any], param: str
) -> None:
    with pytest.raises(ProviderError) as caught:
        translate(**request_fields)
    assert (caught.value.status, caught.value.param, caught.value.type) == (400, param, "invalid_request_error")


@given(
    st.lists(
        st.tuples(st.sampled_from(["system", "user", "assistant", "tool"]), st.text(min_size=0, max_size=5)),
        max_size=12,
    )
)
@settings(max_examples=100)
def test_translated_turns_always_alternate_and_keep_every_text(messages: list[tuple[str, str]]) -> None:
    openai_messages = [
        {"role": role, "content": text, "tool_call_id": "call_1"} if role == "tool" else {"role": role, "content": text}
        for role, text in messages
    ]
    translated = to_messages_request({"messages": openai_messages}, "m")
    roles = [turn["role"] for turn in translated["messages"]]
    assert all(a != b for a, b in itertools.pairwise(roles))
    blocks = [block for turn in translated["messages"] for block in turn["content"]]
    texts = [block["text"] for block in blocks if block["type"] == "text"]
    results = [block for block in blocks if block["type"] == "tool_result"]
    assert texts == [text for role, text in messages if role in ("user", "assistant") and text]
    assert len(results) == sum(role == "tool" for role, _ in messages)
    assert [block["text"] for block in translated.get("system", [])] == [t for r, t in messages if r == "system" and t]


def anthropic_message(**fields: Any) -> bytes:
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "Hello"}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 10, "output_tokens": 5},
        **fields,
    }
    return json.dumps(message).encode()


def test_an_answer_becomes_an_openai_completion_with_usage() -> None:
    completion = json.loads(
        to_chat_completion(
            TARGET, anthropic_message(usage={"input_tokens": 10, "output_tokens": 5, "cache_read_input_tokens": 4})
        )
    )
    assert completion["object"] == "chat.completion"
    assert completion["id"] == "msg_1"
    assert completion["model"] == "claude-sonnet-4-5"
    assert completion["choices"] == [
        {"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop", "logprobs": None}
    ]
    assert completion["usage"] == {"prompt_tokens": 14, "completion_tokens": 5, "total_tokens": 19}


def test_tool_use_becomes_tool_calls_with_json_arguments() -> None:
    content = [
        {"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"location": "Paris"}},
    ]
    completion = json.loads(to_chat_completion(TARGET, anthropic_message(content=content, stop_reason="tool_use")))
    choice = completion["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == "Checking."
    [call] = choice["message"]["tool_calls"]
    assert (call["id"], call["type"], call["function"]["name"]) == ("toolu_1", "function", "get_weather")
    assert json.loads(call["function"]["arguments"]) == {"location": "Paris"}


@pytest.mark.parametrize(
    ("stop_reason", "finish_reason"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
        ("pause_turn", "stop"),
        ("something_new", "stop"),
    ],
)
def test_stop_reasons_become_finish_reasons(stop_reason: str, finish_reason: str) -> None:
    completion = json.loads(to_chat_completion(TARGET, anthropic_message(stop_reason=stop_reason)))
    assert completion["choices"][0]["finish_reason"] == finish_reason


def test_an_answer_that_is_not_a_message_is_a_bad_gateway() -> None:
    with pytest.raises(ProviderError) as caught:
        to_chat_completion(TARGET, b'{"id": "msg_1", "content": [')
    assert (caught.value.status, caught.value.code) == (502, "upstream_malformed_response")


async def _events(*pairs: tuple[str, dict[str, Any]]):  # type: ignore[no-untyped-def]
    for name, data in pairs:
        yield name, json.dumps({"type": name, **data}).encode()


async def test_stream_events_become_chunks_and_end_with_done() -> None:
    translation = StreamTranslation(TARGET, include_usage=True)
    events = _events(
        (
            "message_start",
            {"message": {"id": "msg_1", "model": "claude-x", "usage": {"input_tokens": 9, "output_tokens": 1}}},
        ),
        ("ping", {}),
        ("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": "Hi"}}),
        ("content_block_stop", {"index": 0}),
        (
            "content_block_start",
            {"index": 1, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}},
        ),
        ("content_block_delta", {"index": 1, "delta": {"type": "input_json_delta", "partial_json": '{"a": '}}),
        ("content_block_delta", {"index": 1, "delta": {"type": "input_json_delta", "partial_json": "1}"}}),
        ("message_delta", {"delta": {"stop_reason": "tool_use"}, "usage": {"output_tokens": 4}}),
        ("message_stop", {}),
    )
    raw = b"".join([chunk async for chunk in translation.translate(events)])
    assert raw.endswith(b"data: [DONE]\n\n")
    chunks = [json.loads(line[6:]) for line in raw.split(b"\n\n") if line.startswith(b"data: {")]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert chunks[1]["choices"][0]["delta"] == {"content": "Hi"}
    assert chunks[2]["choices"][0]["delta"] == {
        "tool_calls": [{"index": 0, "id": "toolu_1", "type": "function", "function": {"name": "f", "arguments": ""}}]
    }
    arguments = "".join(c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"] for c in chunks[3:5])
    assert json.loads(arguments) == {"a": 1}
    assert chunks[5]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[6]["choices"] == []
    assert chunks[6]["usage"] == {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}
    assert {chunk["id"] for chunk in chunks} == {"msg_1"}
    assert {chunk["object"] for chunk in chunks} == {"chat.completion.chunk"}


async def test_a_stream_that_ends_before_message_stop_is_an_error() -> None:
    translation = StreamTranslation(TARGET, include_usage=False)
    events = _events(("message_start", {"message": {"id": "msg_1", "model": "claude-x"}}))
    with pytest.raises(ProviderError, match="ended the stream early"):
        _ = [chunk async for chunk in translation.translate(events)]


async def test_an_error_event_becomes_a_provider_error() -> None:
    translation = StreamTranslation(TARGET, include_usage=False)
    events = _events(("error", {"error": {"type": "overloaded_error", "message": "Overloaded"}}))
    with pytest.raises(ProviderError) as caught:
        _ = [chunk async for chunk in translation.translate(events)]
    assert (caught.value.status, caught.value.code, caught.value.retryable) == (502, "overloaded_error", True)
