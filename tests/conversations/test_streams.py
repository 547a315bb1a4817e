"""Streamed turns whose client goes away, and turns retried with an Idempotency-Key."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from contextstack import clock
from contextstack.conversations.models import TurnCreate
from contextstack.conversations.turns import body_hash
from contextstack.settings import Settings
from tests.conftest import execute
from tests.conversations.helpers import api, branch, new_conversation, sse_events
from tests.fakes import openai_upstream
from tests.fakes.openai_upstream import FakeOpenAI


def _wait_for(check: object, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.02)
    raise AssertionError("timed out")


def test_a_client_that_goes_away_cancels_the_upstream_call_and_keeps_what_arrived(
    proxy: str, fake_openai: FakeOpenAI
) -> None:
    fake_openai.event_delay = 0.3
    with api(proxy) as client:
        conversation = new_conversation(client)
        url = f"/api/conversations/{conversation['id']}/messages"
        with client.stream("POST", url, json={"content": "Tell me", "stream": True}) as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                if line.startswith("data:"):
                    break  # the first delta: then the client goes away
        assert fake_openai.disconnected.wait(5), "the upstream call was not cancelled"

        def answer_stored() -> bool:
            return len(branch(client, conversation["id"])) == 2

        _wait_for(answer_stored)
        answer = branch(client, conversation["id"])[-1]
        assert answer["status"] == "incomplete"
        assert answer["content"]
        assert openai_upstream.REPLY.startswith(answer["content"])
        assert answer["content"] != openai_upstream.REPLY


def test_a_retried_turn_with_the_same_key_happens_once(proxy: str, fake_openai: FakeOpenAI) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client)
        headers = {"Idempotency-Key": "turn-1"}
        url = f"/api/conversations/{conversation['id']}/messages"
        first = client.post(url, json={"content": "Once"}, headers=headers)
        again = client.post(url, json={"content": "Once"}, headers=headers)
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert len(fake_openai.requests) == 1
        assert len(branch(client, conversation["id"])) == 2
        streamed = client.post(url, json={"content": "Once", "stream": True}, headers=headers)
        assert streamed.status_code == 422  # another body: `stream` differs


def test_the_same_key_with_another_body_is_refused(proxy: str, fake_openai: FakeOpenAI) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client)
        headers = {"Idempotency-Key": "turn-2"}
        url = f"/api/conversations/{conversation['id']}/messages"
        assert client.post(url, json={"content": "One"}, headers=headers).status_code == 201
        refused = client.post(url, json={"content": "Two"}, headers=headers)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "header.Idempotency-Key"
        assert len(branch(client, conversation["id"])) == 2


def test_a_retry_while_the_first_is_answered_is_a_conflict(proxy: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.event_delay = 0.1
    with api(proxy) as client, api(proxy) as other:
        conversation = new_conversation(client)
        headers = {"Idempotency-Key": "turn-3"}
        url = f"/api/conversations/{conversation['id']}/messages"
        body = {"content": "Slowly", "stream": True}
        with client.stream("POST", url, json=body, headers=headers) as response:
            lines = response.iter_lines()
            next(line for line in lines if line.startswith("data:"))
            assert other.post(url, json=body, headers=headers).status_code == 409
            rest = "\n".join(lines)
        assert '"status":"complete"' in rest
        replay = other.post(url, json=body, headers=headers)
        assert replay.status_code == 200
        events = sse_events(replay.text)
        assert "".join(data["content"] for name, data in events if name == "delta") == openai_upstream.REPLY
        assert events[-1][0] == "done"
        assert len(fake_openai.requests) == 1


@pytest.mark.parametrize(("model", "status"), [("no-such-model", 404), (None, 422)])
def test_a_model_that_cannot_be_routed_is_refused_before_anything_is_stored(
    serve: Callable[[Settings], str], proxy_settings: Settings, no_provider_keys: None, model: str | None, status: int
) -> None:
    with api(serve(msgspec.structs.replace(proxy_settings, default_model=None))) as client:
        conversation = new_conversation(client)
        response = client.post(
            f"/api/conversations/{conversation['id']}/messages", json={"content": "Hi", "model": model}
        )
        assert response.status_code == status
        assert response.json()["errors"][0]["field"] == "body.model"
        assert branch(client, conversation["id"]) == []


def test_a_turn_in_an_unknown_conversation_is_not_found(proxy: str) -> None:
    with api(proxy) as client:
        response = client.post("/api/conversations/cnv_00000000000000000000000000/messages", json={"content": "x"})
        assert response.status_code == 404


def test_a_key_left_in_flight_by_a_stopped_daemon_is_answered(
    proxy: str, fake_openai: FakeOpenAI, db_path: Path
) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client)
        execute(
            db_path,
            "INSERT INTO idempotency_keys (key, conversation_id, body_hash, state, owner, created_at) "
            "VALUES ('left', ?, ?, 'in_flight', 'a-stopped-daemon', ?)",
            (conversation["id"], body_hash(conversation["id"], TurnCreate(content="Again?")), clock.now()),
        )
        url = f"/api/conversations/{conversation['id']}/messages"
        response = client.post(url, json={"content": "Again?"}, headers={"Idempotency-Key": "left"})
        assert response.status_code == 201, response.text
        assert (
            client.post(url, json={"content": "Again?"}, headers={"Idempotency-Key": "left"}).json() == response.json()
        )
        assert len(fake_openai.requests) == 1
