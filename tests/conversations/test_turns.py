"""Turns through the real app over HTTP, to fake providers: any model, whole or streamed, failures stored."""

from __future__ import annotations

import pytest

from tests.conversations.helpers import api, branch, new_conversation, send, sse_events
from tests.fakes import anthropic_upstream, openai_upstream
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.server import Fault


def test_a_conversation_goes_on_with_another_provider_that_receives_the_earlier_turns(
    proxy: str, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic
) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client, model="fake/fake-small")
        first = send(client, conversation["id"], "Which database do we use?")
        assert first["assistant_message"]["content"] == openai_upstream.REPLY
        assert first["assistant_message"]["model"] == "fake/fake-small"
        assert first["assistant_message"]["usage"] == {"prompt_tokens": 11, "completion_tokens": 6, "total_tokens": 17}
        second = send(client, conversation["id"], "And why?", model="claude/claude-fake-1")
        assert second["assistant_message"]["content"] == anthropic_upstream.REPLY
        assert second["assistant_message"]["provider"] == "claude"
        assert second["user_message"]["parent_id"] == first["assistant_message"]["id"]
        sent = fake_anthropic.last.json()["messages"]
        assert [
            (m["role"], m["content"] if isinstance(m["content"], str) else m["content"][0]["text"]) for m in sent
        ] == [
            ("user", "Which database do we use?"),
            ("assistant", openai_upstream.REPLY),
            ("user", "And why?"),
        ]
        messages = branch(client, conversation["id"])
        assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
        stored = client.get(f"/api/conversations/{conversation['id']}").json()
        assert stored["title"] == "Which database do we use?"
        assert stored["leaf_id"] == second["assistant_message"]["id"]


def test_a_streamed_turn_sends_deltas_then_the_stored_ids(proxy: str, fake_openai: FakeOpenAI) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client)
        response = client.post(
            f"/api/conversations/{conversation['id']}/messages", json={"content": "Hi", "stream": True}
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/event-stream")
        events = sse_events(response.text)
        deltas = [data["content"] for name, data in events if name == "delta"]
        assert "".join(deltas) == openai_upstream.REPLY
        name, done = events[-1]
        assert name == "done"
        assert done["status"] == "complete"
        assert done["usage"]["total_tokens"] == 17
        messages = branch(client, conversation["id"])
        assert [m["id"] for m in messages] == [done["user_message_id"], done["assistant_message_id"]]
        assert messages[1]["content"] == openai_upstream.REPLY


def test_an_upstream_failure_stores_the_user_message_and_the_error(proxy: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.fault = Fault.answer(500)
    with api(proxy) as client:
        conversation = new_conversation(client)
        response = client.post(f"/api/conversations/{conversation['id']}/messages", json={"content": "Hi"})
        assert response.status_code == 502
        assert response.headers["content-type"].startswith("application/problem+json")
        messages = branch(client, conversation["id"])
        assert [(m["role"], m["status"]) for m in messages] == [("user", "complete"), ("assistant", "error")]
        assert messages[1]["error"]["status"] == 502
        assert messages[0]["id"] in response.json()["detail"]


def test_a_stream_cut_midway_keeps_the_partial_answer_incomplete(proxy: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.fault = Fault.drop_mid_stream(after_events=3)
    with api(proxy) as client:
        conversation = new_conversation(client)
        response = client.post(
            f"/api/conversations/{conversation['id']}/messages", json={"content": "Hi", "stream": True}
        )
        assert response.status_code == 200
        events = sse_events(response.text)
        name, done = events[-1]
        assert name == "done"
        assert done["status"] == "incomplete"
        assert done["error"]["status"] == 502
        partial = "".join(data["content"] for name, data in events if name == "delta")
        assert partial
        assert openai_upstream.REPLY.startswith(partial)
        assert partial != openai_upstream.REPLY
        answer = branch(client, conversation["id"])[-1]
        assert (answer["status"], answer["content"]) == ("incomplete", partial)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"content": ""}, 422, "body.content"),
        ({"content": []}, 422, "body.content"),
        ({"content": "Hi", "budget": -1}, 400, "body.budget"),
        ({"content": "Hi", "parent_id": "msg_00000000000000000000000000"}, 404, "body.parent_id"),
    ],
)
def test_a_bad_turn_is_refused_and_names_the_field(
    proxy: str, body: dict[str, object], status: int, field: str
) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client)
        response = client.post(f"/api/conversations/{conversation['id']}/messages", json=body)
        assert response.status_code == status, response.text
        assert field in [error["field"] for error in response.json()["errors"]]
        assert branch(client, conversation["id"]) == []


def test_a_turn_with_image_parts_keeps_them_as_sent(proxy: str, fake_openai: FakeOpenAI) -> None:
    parts = [
        {"type": "text", "text": "What is in this picture?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]
    with api(proxy) as client:
        conversation = new_conversation(client)
        turn = send(client, conversation["id"], parts)
        assert turn["user_message"]["content"] == parts
        assert fake_openai.last.json()["messages"][-1]["content"] == parts
        assert client.get(f"/api/conversations/{conversation['id']}").json()["title"] == "What is in this picture?"


def test_an_error_event_midway_keeps_the_partial_answer(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.stream_error = True
    with api(proxy) as client:
        conversation = new_conversation(client, model="claude/claude-fake-1")
        response = client.post(
            f"/api/conversations/{conversation['id']}/messages", json={"content": "Hi", "stream": True}
        )
        name, done = sse_events(response.text)[-1]
        assert (name, done["status"]) == ("done", "incomplete")
        assert "Overloaded" in done["error"]["message"]
        answer = branch(client, conversation["id"])[-1]
        assert answer["status"] == "incomplete"
        assert answer["content"]
