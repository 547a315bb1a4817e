"""The proxy records what passes through it as conversations, once each answer has ended: a stateless client's turns
make one conversation, an edit or a regenerate a branch, on every dialect, streamed and whole."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import openai
import pytest

from contextstack.app import create_asgi_app
from contextstack.settings import ProjectProxyConfig, Settings
from tests.fakes.openai_upstream import REPLY, FakeOpenAI
from tests.fakes.server import ThreadedServer
from tests.proxy.test_injection import create_project

RECORD = "X-Contextstack-Record"
CONVERSATION = "X-Contextstack-Conversation"
CLAUDE_CODE: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "fixtures" / "claude_code" / "messages_request.json").read_text()
)


def serve(settings: Settings) -> Iterator[str]:
    server = ThreadedServer(create_asgi_app(settings), lifespan="on").start()
    yield server.url
    server.stop()


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
    stored = messages(recording, conversation["id"])
    assert [m["role"] for m in stored] == ["system"] + ["user", "assistant"] * 10
    assert [m["content"] for m in stored[1::2]] == [f"Question number {turn}?" for turn in range(10)]
    answers = stored[2::2]
    assert {m["content"] for m in answers} == {REPLY}
    assert {(m["status"], m["model"], m["finish_reason"]) for m in answers} == {("complete", "fake/fake-small", "stop")}
    assert all(m["usage"] == {"prompt_tokens": 11, "completion_tokens": 6, "total_tokens": 17} for m in answers)
    assert all(m["context"]["tokens"] > 0 for m in answers)  # the project's context went in with each
    usage = httpx.get(recording + "/api/usage", params={"group": "project"}).json()
    assert usage["total"] == {
        "key": None,
        "calls": 10,
        "errors": 0,
        "prompt_tokens": 110,
        "completion_tokens": 60,
        "total_tokens": 170,
    }


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


def tree(db_path: Path) -> list[tuple[str, str | None, str, str]]:
    """(id, parent id, role, content) of every stored message, oldest first: the whole tree, every branch."""
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT id, parent_id, role, content FROM messages ORDER BY seq").fetchall()
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
