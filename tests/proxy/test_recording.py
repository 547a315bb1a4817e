"""The proxy records what passes through it as conversations, once each answer has ended: a stateless client's turns
make one conversation, an edit or a regenerate a branch, on every dialect, streamed and whole."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import msgspec
import openai
import pytest

from contextstack.settings import ProjectProxyConfig, Settings
from tests.conftest import query, serving
from tests.fakes.anthropic_upstream import REPLY as CLAUDE_REPLY
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.openai_upstream import REPLY, FakeOpenAI
from tests.fakes.server import Fault
from tests.proxy.test_injection import create_project

RECORD = "X-Contextstack-Record"
CONVERSATION = "X-Contextstack-Conversation"
CLAUDE_CODE: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "claude_code" / "messages_request.json").read_text()
)


def serve(settings: Settings) -> Iterator[str]:
    with serving(settings) as url:
        yield url


@pytest.fixture
def recording(proxy_settings: Settings, no_provider_keys: None) -> Iterator[str]:
    """The daemon with the project `website` recorded, the rest not; its base URL (the project exists)."""
    settings = msgspec.structs.replace(
        proxy_settings, projects={"website": ProjectProxyConfig(record=True)}, record_max_message_bytes=2048
    )
    for url in serve(settings):
        create_project(url)
        yield url


def usage_calls(url: str) -> int:
    response = httpx.get(url + "/api/usage")
    assert response.status_code == 200, response.text
    calls: int = response.json()["total"]["calls"]
    return calls


def recorded(url: str, exchanges: int) -> None:
    """Wait until `exchanges` answers are recorded (recording happens after each answer has gone to the client)."""
    deadline = time.monotonic() + 15
    while usage_calls(url) < exchanges:
        assert time.monotonic() < deadline, f"{exchanges} exchanges were not recorded"
        time.sleep(0.02)


def conversations(url: str) -> list[dict[str, Any]]:
    response = httpx.get(url + "/api/conversations")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def messages(url: str, conversation_id: str, leaf: str | None = None) -> list[dict[str, Any]]:
    params = {"limit": 200} | ({"leaf": leaf} if leaf else {})
    response = httpx.get(url + f"/api/conversations/{conversation_id}/messages", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def openai_client(url: str, **headers: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url + "/p/website/v1", api_key="unused", default_headers=headers, max_retries=0)


def test_ten_turns_of_the_openai_sdk_make_one_conversation_of_ten_exchanges(
    recording: str, fake_openai: FakeOpenAI
) -> None:
    client = openai_client(recording)
    history: list[Any] = [{"role": "system", "content": "Be brief."}]
    for turn in range(10):
        history.append({"role": "user", "content": f"Question number {turn}?"})
        answer = client.chat.completions.create(model="fake/fake-small", messages=history)
        history.append(answer.choices[0].message.model_dump(exclude_none=True))
    recorded(recording, 10)
    [conversation] = conversations(recording)
    assert conversation["title"] == "Question number 0?"
    assert conversation["recorded"] is True
    stored = messages(recording, conversation["id"])
    assert [m["role"] for m in stored] == ["system"] + ["user", "assistant"] * 10
    assert [m["content"] for m in stored[1::2]] == [f"Question number {turn}?" for turn in range(10)]
    answers = stored[2::2]
    assert {m["content"] for m in answers} == {REPLY}
    assert {(m["status"], m["model"], m["finish_reason"]) for m in answers} == {("complete", "fake/fake-small", "stop")}
    assert all(m["usage"] == {"prompt_tokens": 11, "completion_tokens": 6, "total_tokens": 17} for m in answers)
    # The project's whole context went in with the first; later turns (inject = delta) only what was new, if any.
    assert answers[0]["context"]["tokens"] > 0
    assert all(m["context"] is None or m["context"]["tokens"] < answers[0]["context"]["tokens"] for m in answers[1:])
    usage = httpx.get(recording + "/api/usage", params={"group": "project"}).json()
    assert usage["total"] == {
        "key": None,
        "calls": 10,
        "errors": 0,
        "prompt_tokens": 110,
        "completion_tokens": 60,
        "total_tokens": 170,
    }


def test_conversations_that_share_only_their_system_prompt_are_apart(recording: str, fake_openai: FakeOpenAI) -> None:
    client = openai_client(recording)
    for topic in ("pricing", "hiring", "pricing"):
        ask(client, [{"role": "system", "content": "Be brief."}, {"role": "user", "content": f"Talk {topic}."}])
    recorded(recording, 3)
    listed = conversations(recording)
    assert sorted(c["title"] for c in listed) == ["Talk hiring.", "Talk pricing."]
    pricing = next(c for c in listed if c["title"] == "Talk pricing.")
    assert [m["role"] for m in messages(recording, pricing["id"])] == ["system", "user", "assistant"]


def test_a_streamed_chat_is_recorded_once_it_has_ended(recording: str, fake_openai: FakeOpenAI) -> None:
    client = openai_client(recording)
    history: list[Any] = []
    for turn in range(3):
        history.append({"role": "user", "content": f"Stream {turn}"})
        stream = client.chat.completions.create(
            model="fake/fake-small", messages=history, stream=True, stream_options={"include_usage": True}
        )
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
        history.append({"role": "assistant", "content": text})
    recorded(recording, 3)
    [conversation] = conversations(recording)
    stored = messages(recording, conversation["id"])
    assert [(m["role"], m["content"]) for m in stored] == [
        item for turn in range(3) for item in (("user", f"Stream {turn}"), ("assistant", REPLY))
    ]
    assert {m["status"] for m in stored} == {"complete"}
    assert stored[-1]["usage"]["total_tokens"] == 17


def ask(client: openai.OpenAI, history: list[Any]) -> dict[str, Any]:
    """Send the history; answer the assistant message to append to it, as an SDK user would."""
    answer = client.chat.completions.create(model="fake/fake-small", messages=history)
    return answer.choices[0].message.model_dump(exclude_none=True)


def tree(db_path: Path | str) -> list[tuple[str, str | None, str, str]]:
    """(id, parent id, role, content) of every stored message, oldest first: the whole tree, every branch."""
    rows = query(db_path, "SELECT id, parent_id, role, content FROM messages ORDER BY seq")
    return [(row[0], row[1], row[2], json.loads(row[3])) for row in rows]


def test_an_edited_message_is_a_branch_from_the_shared_parent(
    recording: str, fake_openai: FakeOpenAI, db_path: Path
) -> None:
    client = openai_client(recording)
    first: list[Any] = [{"role": "user", "content": "Plan the launch."}]
    first.append(ask(client, first))
    ask(client, [*first, {"role": "user", "content": "In May?"}])
    ask(client, [*first, {"role": "user", "content": "In June?"}])
    recorded(recording, 3)
    [conversation] = conversations(recording)
    assert [m["content"] for m in messages(recording, conversation["id"])] == [
        "Plan the launch.",
        REPLY,
        "In June?",
        REPLY,
    ]
    nodes = tree(db_path)
    assert len(nodes) == 6  # the shared question and answer once, then two branches of two
    shared_answer = nodes[1][0]
    assert sorted(content for _, parent, _, content in nodes if parent == shared_answer) == ["In June?", "In May?"]


def test_asking_the_same_history_again_is_a_regenerate(recording: str, fake_openai: FakeOpenAI, db_path: Path) -> None:
    client = openai_client(recording)
    question: list[Any] = [{"role": "user", "content": "Name the release."}]
    ask(client, question)
    ask(client, question)
    recorded(recording, 2)
    [conversation] = conversations(recording)
    nodes = tree(db_path)
    assert [(role, content) for _, _, role, content in nodes] == [
        ("user", "Name the release."),
        ("assistant", REPLY),
        ("assistant", REPLY),
    ]
    assert nodes[1][1] == nodes[2][1] == nodes[0][0]  # two answers to one question
    assert messages(recording, conversation["id"])[-1]["id"] == nodes[2][0]  # the newest is the current branch


def claude_code_turn(url: str, messages: list[Any], reminder: str) -> list[Any]:
    """A turn as Claude Code sends one: its recorded request, with a system prompt that changed since the last."""
    body = copy.deepcopy(CLAUDE_CODE["body"])
    body["model"] = "claude/claude-fake-1"
    body["system"][0]["text"] = f"x-anthropic-billing-header: cc_version=2.1.197.0df; {reminder}"
    body["messages"] = messages
    response = httpx.post(
        url + "/p/website/v1/messages?beta=true", json=body, headers=CLAUDE_CODE["headers"], timeout=30
    )
    assert response.status_code == 200, response.text
    blocks: list[dict[str, Any]] = []
    arguments: dict[int, str] = {}
    for line in response.text.splitlines():
        event = json.loads(line[6:]) if line.startswith("data: ") else {}
        if event.get("type") == "content_block_start":
            blocks.append(dict(event["content_block"]))
        elif event.get("type") == "content_block_delta" and event["delta"]["type"] == "text_delta":
            blocks[event["index"]]["text"] += event["delta"]["text"]
        elif event.get("type") == "content_block_delta" and event["delta"]["type"] == "input_json_delta":
            arguments[event["index"]] = arguments.get(event["index"], "") + event["delta"]["partial_json"]
    for index, raw in arguments.items():
        blocks[index]["input"] = json.loads(raw)
    return [{"role": "assistant", "content": blocks}]


def tool_results(answer: list[Any], text: str) -> dict[str, Any]:
    """The next user turn: the result of each tool the answer called, then what the user says."""
    calls = [block for block in answer[0]["content"] if block["type"] == "tool_use"]
    results = [{"type": "tool_result", "tool_use_id": call["id"], "content": "Sunny, 21 °C."} for call in calls]
    return {"role": "user", "content": [*results, {"type": "text", "text": text}]}


def test_a_system_prompt_that_changes_every_turn_keeps_the_conversation(
    recording: str, fake_anthropic: FakeAnthropic
) -> None:
    history: list[Any] = copy.deepcopy(CLAUDE_CODE["body"]["messages"])
    for turn in range(3):
        answer = claude_code_turn(recording, history, f"turn {turn}")
        history += [*answer, tool_results(answer, f"And then {turn}?")]
    recorded(recording, 3)
    [conversation] = conversations(recording)
    assert conversation["title"] == "hi"  # what the user wrote, not the reminder Claude Code puts before it
    stored = messages(recording, conversation["id"])
    assert [m["role"] for m in stored].count("assistant") == 3
    system = stored[0]
    assert system["role"] == "system"
    assert "turn 2" in system["content"]  # the latest system prompt is kept
    answers = [m for m in stored if m["role"] == "assistant"]
    assert {m["model"] for m in answers} == {"claude/claude-fake-1"}
    assert all(m["tool_calls"][0]["function"]["name"] == CLAUDE_CODE["body"]["tools"][0]["name"] for m in answers)
    assert [m["content"] for m in stored if m["role"] == "tool"] == ["Sunny, 21 °C."] * 2


def test_messages_whole_and_streamed_are_recorded_with_the_anthropic_sdk(
    recording: str, fake_anthropic: FakeAnthropic
) -> None:
    client = anthropic.Anthropic(base_url=recording + "/p/website", api_key="unused", max_retries=0)
    history: list[Any] = [{"role": "user", "content": "Whole, please."}]
    whole = client.messages.create(model="claude/claude-fake-1", max_tokens=100, messages=history)
    history += [{"role": "assistant", "content": whole.content}, {"role": "user", "content": "Now streamed."}]
    with client.messages.stream(model="claude/claude-fake-1", max_tokens=100, messages=history) as stream:
        streamed = stream.get_final_message()
    assert streamed.content[0].type == "text"
    recorded(recording, 2)
    [conversation] = conversations(recording)
    stored = messages(recording, conversation["id"])
    assert [(m["role"], m["content"], m["status"]) for m in stored] == [
        ("user", "Whole, please.", "complete"),
        ("assistant", CLAUDE_REPLY, "complete"),
        ("user", "Now streamed.", "complete"),
        ("assistant", CLAUDE_REPLY, "complete"),
    ]
    assert [m["usage"] for m in stored[1::2]] == [{"prompt_tokens": 15, "completion_tokens": 7, "total_tokens": 22}] * 2
    assert {m["finish_reason"] for m in stored[1::2]} == {"stop"}


def test_a_messages_request_translated_for_an_openai_compatible_model_is_recorded(
    recording: str, fake_openai: FakeOpenAI
) -> None:
    client = anthropic.Anthropic(base_url=recording + "/p/website", api_key="unused", max_retries=0)
    history: list[Any] = [{"role": "user", "content": "Translated?"}]
    first = client.messages.create(model="fake/fake-small", max_tokens=100, messages=history)
    history += [{"role": "assistant", "content": first.content}, {"role": "user", "content": "Again."}]
    with client.messages.stream(model="fake/fake-small", max_tokens=100, messages=history) as stream:
        stream.get_final_message()
    recorded(recording, 2)
    [conversation] = conversations(recording)
    assert [m["content"] for m in messages(recording, conversation["id"])] == ["Translated?", REPLY, "Again.", REPLY]


@pytest.mark.parametrize("stream", [False, True])
def test_responses_turns_resent_whole_make_one_conversation(
    recording: str, fake_openai: FakeOpenAI, stream: bool
) -> None:
    client = openai_client(recording)
    items: list[Any] = []
    for turn in range(3):
        items.append({"role": "user", "content": f"Responses {turn}"})
        if stream:
            with client.responses.stream(model="fake/fake-small", input=items, instructions="Be brief.") as events:
                response = events.get_final_response()
        else:
            response = client.responses.create(model="fake/fake-small", input=items, instructions="Be brief.")
        items += [item.model_dump(exclude_none=True) for item in response.output]
    recorded(recording, 3)
    [conversation] = conversations(recording)
    stored = messages(recording, conversation["id"])
    assert [(m["role"], m["content"]) for m in stored] == [("system", "Be brief.")] + [
        item for turn in range(3) for item in (("user", f"Responses {turn}"), ("assistant", REPLY))
    ]
    assert {m["usage"]["total_tokens"] for m in stored if m["role"] == "assistant"} == {17}


def test_a_response_continued_by_its_id_continues_its_conversation(
    proxy_settings: Settings, no_provider_keys: None, fake_openai: FakeOpenAI
) -> None:
    fake = msgspec.structs.replace(proxy_settings.providers["fake"], responses=True)  # it serves /responses itself
    settings = msgspec.structs.replace(
        proxy_settings, providers={**proxy_settings.providers, "fake": fake}, record=True
    )
    for url in serve(settings):
        client = openai.OpenAI(base_url=url + "/v1", api_key="unused", max_retries=0)
        first = client.responses.create(model="fake/fake-small", input="Start here.", instructions="Be brief.")
        client.responses.create(
            model="fake/fake-small", input="Go on.", previous_response_id=first.id, instructions="Be brief."
        )
        recorded(url, 2)
        [conversation] = conversations(url)
        assert conversation["project_id"] is None
        assert [(m["role"], m["content"]) for m in messages(url, conversation["id"])] == [
            ("system", "Be brief."),
            ("user", "Start here."),
            ("assistant", REPLY),
            ("user", "Go on."),
            ("assistant", REPLY),
        ]


def test_recording_is_off_unless_asked_and_a_request_can_turn_it_on_or_off(
    recording: str, fake_openai: FakeOpenAI, db_path: Path
) -> None:
    unrecorded = openai.OpenAI(base_url=recording + "/v1", api_key="unused", max_retries=0)
    unrecorded.chat.completions.create(model="fake/fake-small", messages=[{"role": "user", "content": "No project."}])
    openai_client(recording, **{RECORD: "off"}).chat.completions.create(
        model="fake/fake-small", messages=[{"role": "user", "content": "Not this one."}]
    )
    httpx.post(
        recording + "/p/website/v1/responses",
        json={"model": "fake/fake-small", "input": "Nor this one.", "stream": True},
        headers={RECORD: "OFF"},
    ).raise_for_status()
    turned_on = openai.OpenAI(
        base_url=recording + "/v1", api_key="unused", max_retries=0, default_headers={RECORD: "on"}
    )
    turned_on.chat.completions.create(model="fake/fake-small", messages=[{"role": "user", "content": "This one."}])
    # Recordings are written in the order their exchanges ended: with the last one in, the others would be too.
    recorded(recording, 1)
    assert [(role, content) for _, _, role, content in tree(db_path)] == [
        ("user", "This one."),
        ("assistant", REPLY),
    ]
    [conversation] = conversations(recording)
    assert conversation["project_id"] is None


def test_a_daemon_that_records_nothing_stores_nothing(proxy: str, fake_openai: FakeOpenAI, db_path: Path) -> None:
    create_project(proxy)
    client = openai_client(proxy)
    for stream in (False, True):
        client.chat.completions.create(
            model="fake/fake-small", messages=[{"role": "user", "content": "Hello?"}], stream=stream
        )
    client.responses.create(model="fake/fake-small", input="Hello?")
    anthropic.Anthropic(base_url=proxy + "/p/website", api_key="unused").messages.create(
        model="claude/claude-fake-1", max_tokens=10, messages=[{"role": "user", "content": "Hello?"}]
    )
    httpx.post(
        proxy + "/v1/chat/completions",
        json={"model": "fake/fake-small", "messages": [{"role": "user", "content": "The last."}]},
        headers={RECORD: "on"},
    ).raise_for_status()
    recorded(proxy, 1)
    assert [content for _, _, _, content in tree(db_path)] == ["The last.", REPLY]


@pytest.mark.parametrize(
    ("path", "headers", "status", "field"),
    [
        ("/v1/chat/completions", {RECORD: "yes"}, 400, "header.X-Contextstack-Record"),
        ("/v1/responses", {RECORD: "1"}, 400, "header.X-Contextstack-Record"),
        ("/v1/messages", {RECORD: "maybe"}, 400, "header.X-Contextstack-Record"),
        ("/v1/chat/completions", {CONVERSATION: "not-an-id"}, 400, "header.X-Contextstack-Conversation"),
        ("/v1/messages", {CONVERSATION: "cnv_123"}, 400, "header.X-Contextstack-Conversation"),
        ("/v1/chat/completions", {CONVERSATION: "cnv_01JD3XK5V0Q6X4T3N8W2ZC9RBE"}, 404, None),
        ("/v1/responses", {CONVERSATION: "cnv_01JD3XK5V0Q6X4T3N8W2ZC9RBE"}, 404, None),
        ("/v1/messages", {CONVERSATION: "cnv_01JD3XK5V0Q6X4T3N8W2ZC9RBE"}, 404, None),
    ],
)
def test_bad_recording_headers_get_the_dialects_own_error_before_anything_goes_upstream(
    recording: str, fake_openai: FakeOpenAI, path: str, headers: dict[str, str], status: int, field: str | None
) -> None:
    body: dict[str, Any] = {"model": "fake/fake-small", "max_tokens": 10}
    body |= {"input": "Hi"} if path.endswith("responses") else {"messages": [{"role": "user", "content": "Hi"}]}
    response = httpx.post(recording + path, json=body, headers=headers)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    if path.endswith("messages"):
        assert response.json()["type"] == "error"
        assert error["type"] == ("invalid_request_error" if status == 400 else "not_found_error")
    else:
        assert error["type"] == "invalid_request_error"
        assert error["param"] == (field or "header.X-Contextstack-Conversation")
    assert "X-Contextstack-" in error["message"]
    assert fake_openai.requests == []


def test_a_named_conversation_is_recorded_into(recording: str, fake_openai: FakeOpenAI) -> None:
    created = httpx.post(recording + "/api/conversations", json={"title": "Named outright"})
    assert created.status_code == 201, created.text
    named = created.json()["id"]
    client = openai.OpenAI(
        base_url=recording + "/v1", api_key="unused", max_retries=0, default_headers={CONVERSATION: named}
    )
    history: list[Any] = [{"role": "user", "content": "Into the named one."}]
    history.append(ask(client, history))
    ask(client, [*history, {"role": "user", "content": "Still there."}])
    recorded(recording, 2)
    [conversation] = conversations(recording)
    assert (conversation["id"], conversation["title"]) == (named, "Named outright")
    assert conversation["recorded"] is False  # made through the API: retention never purges it
    assert [m["content"] for m in messages(recording, named)] == ["Into the named one.", REPLY, "Still there.", REPLY]


def test_a_message_over_the_size_cap_is_stored_cut_and_still_recognised(
    recording: str, fake_openai: FakeOpenAI
) -> None:
    client = openai_client(recording)
    long = "All the details of the launch plan. " * 150  # 5400 bytes, over the fixture's cap of 2048
    history: list[Any] = [{"role": "user", "content": long}]
    history.append(ask(client, history))
    ask(client, [*history, {"role": "user", "content": "Short now."}])
    recorded(recording, 2)
    [conversation] = conversations(recording)
    stored = messages(recording, conversation["id"])
    assert [m["content"] for m in stored[1:]] == [REPLY, "Short now.", REPLY]
    cut = stored[0]["content"]
    assert len(cut.encode()) <= 2048
    assert cut.startswith("All the details of the launch plan.")
    assert f"this message was {len(json.dumps(long))} bytes, over record_max_message_bytes (2048)" in cut


def test_an_upstream_failure_is_recorded_as_the_error(recording: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.fault = Fault.answer(503)
    with pytest.raises(openai.InternalServerError) as failed:
        openai_client(recording).chat.completions.create(
            model="fake/fake-small", messages=[{"role": "user", "content": "Are you there?"}]
        )
    recorded(recording, 1)
    [conversation] = conversations(recording)
    question, answer = messages(recording, conversation["id"])
    assert question["content"] == "Are you there?"
    assert (answer["status"], answer["content"], answer["model"]) == ("error", "", "fake/fake-small")
    assert answer["error"]["status"] == failed.value.status_code  # what the client was answered
    assert "overloaded" in answer["error"]["message"]
    assert httpx.get(recording + "/api/usage").json()["total"]["errors"] == 1


@pytest.mark.parametrize("path", ["/p/website/v1/chat/completions", "/p/website/v1/messages"])
def test_a_stream_cut_midway_records_the_partial_answer_incomplete(
    recording: str, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic, path: str
) -> None:
    fake_openai.fault = fake_anthropic.fault = Fault.drop_mid_stream(after_events=4)
    model = "claude/claude-fake-1" if path.endswith("messages") else "fake/fake-small"
    body = {"model": model, "max_tokens": 10, "stream": True, "messages": [{"role": "user", "content": "Go."}]}
    response = httpx.post(recording + path, json=body, headers={"anthropic-version": "2023-06-01"})
    assert response.status_code == 200
    assert "error" in response.text  # the client was told, in its dialect's stream
    recorded(recording, 1)
    [conversation] = conversations(recording)
    _, answer = messages(recording, conversation["id"])
    assert answer["status"] == "incomplete"
    assert answer["content"]
    assert (CLAUDE_REPLY if path.endswith("messages") else REPLY).startswith(answer["content"])
    assert answer["error"]["status"] >= 500


def test_a_client_that_goes_away_midway_has_what_it_was_sent_recorded(recording: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.event_delay = 0.3
    body = {"model": "fake/fake-small", "messages": [{"role": "user", "content": "Slowly."}], "stream": True}
    with httpx.stream("POST", recording + "/p/website/v1/chat/completions", json=body, timeout=10) as response:
        lines = response.iter_lines()
        while "Hello" not in next(lines):
            pass
    assert fake_openai.disconnected.wait(timeout=5)
    recorded(recording, 1)
    [conversation] = conversations(recording)
    _, answer = messages(recording, conversation["id"])
    assert answer["status"] == "incomplete"
    assert answer["content"].startswith("Hello")
    assert answer["content"] != REPLY
