"""The NUL character (U+0000), which PostgreSQL's text cannot hold: a title with one is refused (422) on both
backends; a message with one is kept whole (its content is JSON, where it is escaped), its searchable text and the
title made from it without it."""

from __future__ import annotations

import json

import pytest

from contextstack.conversations.recording import record_exchange
from contextstack.conversations.service import list_conversations
from contextstack.settings import Settings
from contextstack.storage import Database
from tests.conversations.helpers import api, new_conversation, send
from tests.conversations.test_recording_store import exchange
from tests.fakes.openai_upstream import FakeOpenAI


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/conversations", {"title": "Plans\u0000"}),
        ("PATCH", "/api/conversations/{id}", {"title": "\u0000"}),
        ("POST", "/api/conversations/{id}/fork", {"message_id": "{message}", "title": "A\u0000B"}),
    ],
)
def test_a_title_with_nul_is_refused_and_nothing_changes(
    proxy: str, fake_openai: FakeOpenAI, method: str, path: str, body: dict[str, str]
) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client, title="Kept")
        turn = send(client, conversation["id"], "Hello")
        filled = {key: value.replace("{message}", turn["user_message"]["id"]) for key, value in body.items()}
        response = client.request(method, path.format(id=conversation["id"]), json=filled)
        assert response.status_code == 422, response.text
        assert response.json()["errors"] == [{"field": "body.title", "message": "contains U+0000"}]
        listed = client.get("/api/conversations").json()["items"]
        assert [(c["id"], c["title"], c["version"]) for c in listed] == [
            (conversation["id"], "Kept", client.get(f"/api/conversations/{conversation['id']}").json()["version"])
        ]


def test_a_message_with_nul_is_kept_whole_and_found_by_its_words(proxy: str, fake_openai: FakeOpenAI) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client)
        turn = send(client, conversation["id"], "Binary\u0000garbage from a tool")
        assert turn["user_message"]["content"] == "Binary\u0000garbage from a tool"
        assert client.get(f"/api/conversations/{conversation['id']}").json()["title"] == "Binarygarbage from a tool"
        hits = client.get("/api/conversations/search", params={"q": "garbage tool"}).json()["items"]
        assert [hit["message_id"] for hit in hits] == [turn["user_message"]["id"]]
        export = client.get(f"/api/conversations/{conversation['id']}/export").json()
        assert export["messages"][0]["content"] == "Binary\u0000garbage from a tool"


async def test_a_recorded_exchange_with_nul_is_recorded(db: Database, settings: Settings) -> None:
    recorded = await record_exchange(db, settings, exchange([{"role": "user", "content": "Dump\u0000 this"}]))
    assert recorded is not None
    [conversation] = (await list_conversations(db)).items
    assert conversation.title == "Dump this"
    first = await db.fetchone("SELECT content, text FROM messages ORDER BY seq LIMIT 1")
    assert first is not None
    assert (json.loads(first[0]), first[1]) == ("Dump\u0000 this", "Dump this")
