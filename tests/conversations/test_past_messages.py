"""Memory across conversations: assembly ranks a project's past messages beside its knowledge, never stale."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import msgspec

from contextstack.assembly.cache import ContextCache
from contextstack.assembly.service import assemble_context
from contextstack.conversations import store
from contextstack.conversations.models import Conversation, Message
from contextstack.conversations.relevance import PastMessages
from contextstack.ids import new_id
from contextstack.plan.models import ProjectCreate
from contextstack.plan.service import create_project
from contextstack.settings import Settings
from contextstack.storage import Database, SQLiteDatabase
from tests.conversations.helpers import api, new_conversation, send
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.openai_upstream import FakeOpenAI


def _context(client: httpx.Client, query: str, **params: Any) -> dict[str, Any]:
    response = client.get("/api/projects/shop/context", params={"query": query, "format": "json", **params})
    assert response.status_code == 200, response.text
    context: dict[str, Any] = response.json()
    return context


def _included(context: dict[str, Any], kind: str) -> list[str]:
    return [item["id"] for item in context["manifest"] if item["kind"] == kind and item["included"]]


def test_a_new_conversation_with_another_model_starts_knowing_what_was_said(
    proxy: str, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic
) -> None:
    with api(proxy) as client:
        client.post("/api/projects", json={"name": "Shop"})
        yesterday = new_conversation(client, project="shop", title="Ledger storage")
        said = send(client, yesterday["id"], "We chose postgres for the ledger because of its row locks.")
        send(client, new_conversation(client, project="shop")["id"], "The shipping labels print in landscape.")
        today = new_conversation(client, project="shop", model="claude/claude-fake-1")
        turn = send(client, today["id"], "Which database holds the ledger?")
        system = fake_anthropic.last.json()["system"]
        system_text = system if isinstance(system, str) else "".join(part["text"] for part in system)
        assert "## From past conversations" in system_text
        assert "We chose postgres for the ledger because of its row locks." in system_text
        assert "_Ledger storage_" in system_text
        assert "landscape" not in system_text
        assert said["user_message"]["id"] in turn["assistant_message"]["context"]["ids"]
        # The conversation that asks is left out: its own history goes with it.
        send(client, today["id"], "And the ledger's backups?")
        sent = fake_anthropic.last.json()
        system = sent["system"]
        system_text = system if isinstance(system, str) else "".join(part["text"] for part in system)
        assert "Which database holds the ledger?" not in system_text
        assert "row locks" in system_text
        context = _context(client, "ledger database")
        items = {item["id"]: item for item in context["manifest"] if item["kind"] == "message"}
        assert items[said["user_message"]["id"]] == {
            "kind": "message",
            "id": said["user_message"]["id"],
            "title": "Ledger storage",
            "section": "messages",
            "included": True,
            "reason": "included",
        }


def test_a_fork_is_not_told_its_own_history_again(proxy: str, fake_openai: FakeOpenAI) -> None:
    with api(proxy) as client:
        client.post("/api/projects", json={"name": "Shop"})
        source = new_conversation(client, project="shop", title="Ledger storage")
        said = send(client, source["id"], "The ledger lives in postgres.")
        later = send(client, source["id"], "The ledger backups run nightly.")
        fork = client.post(
            f"/api/conversations/{source['id']}/fork", json={"message_id": said["assistant_message"]["id"]}
        ).json()
        turn = send(client, fork["id"], "Where is the ledger?")
        ids = turn["assistant_message"]["context"]["ids"]
        assert said["user_message"]["id"] not in ids  # shared history: sent as history, not as a past message
        assert later["user_message"]["id"] in ids  # said after the fork point: past, for the fork
        system = fake_openai.last.json()["messages"][0]["content"]
        assert system.count("The ledger lives in postgres.") == 0
        assert "The ledger backups run nightly." in system


def test_the_context_never_shows_stale_messages(proxy: str, fake_openai: FakeOpenAI) -> None:
    with api(proxy) as client:
        client.post("/api/projects", json={"name": "Shop"})
        client.post("/api/knowledge", json={"project": "shop", "kind": "note", "title": "Invoices", "body": "x"})
        assert _included(_context(client, "invoices refunds"), "message") == []
        conversation = new_conversation(client, project="shop")
        turn = send(client, conversation["id"], "Refunds are issued within 14 days.")
        first = _context(client, "invoices refunds")
        assert _included(first, "message") == [turn["user_message"]["id"]]
        assert len(_included(first, "knowledge")) == 1
        again = send(client, conversation["id"], "Refunds above 500 need a second approval.")
        second = _context(client, "invoices refunds")
        assert set(_included(second, "message")) == {turn["user_message"]["id"], again["user_message"]["id"]}
        renamed = client.patch(f"/api/conversations/{conversation['id']}", json={"title": "Refund policy"})
        assert renamed.status_code == 200
        assert "_Refund policy_" in _context(client, "invoices refunds")["document"]
        assert client.delete(f"/api/conversations/{conversation['id']}").status_code == 200
        gone = _context(client, "invoices refunds")
        assert _included(gone, "message") == []
        assert "Refunds" not in gone["document"]


def test_conversations_outside_the_project_are_not_in_its_context(proxy: str, fake_openai: FakeOpenAI) -> None:
    with api(proxy) as client:
        client.post("/api/projects", json={"name": "Shop"})
        client.post("/api/projects", json={"name": "Garden"})
        send(client, new_conversation(client)["id"], "Tulip bulbs go in before the frost.")
        send(client, new_conversation(client, project="garden")["id"], "Tulip bulbs need a sunny bed.")
        context = _context(client, "tulip bulbs")
        assert _included(context, "message") == []
        assert "Tulip" not in context["document"]


def test_the_budget_is_shared_by_turns_with_knowledge(proxy: str, fake_openai: FakeOpenAI) -> None:
    with api(proxy) as client:
        client.post("/api/projects", json={"name": "Shop"})
        for n in range(6):
            body = {"project": "shop", "kind": "note", "title": f"Pricing rule {n}", "body": "pricing " * 40}
            assert client.post("/api/knowledge", json=body).status_code == 201
        conversation = new_conversation(client, project="shop")
        for n in range(6):
            send(client, conversation["id"], f"Pricing remark {n}: " + "pricing " * 40)
        roomy = _context(client, "pricing", budget=20000)
        assert len(_included(roomy, "knowledge")) == 6
        assert len(_included(roomy, "message")) == 6
        tight = _context(client, "pricing", budget=400)
        knowledge, messages = _included(tight, "knowledge"), _included(tight, "message")
        assert knowledge
        assert messages
        assert abs(len(knowledge) - len(messages)) <= 1
        assert tight["tokens"] <= 400


async def _fill(db: Database, project_id: str, texts: list[str]) -> list[str]:
    ids = []
    async with db.transaction() as tx:
        conversation = Conversation(
            id=new_id("cnv"), project_id=project_id, title="Imported", model=None, leaf_id=None, forked_from=None,
            version=1, created_at=tx.created_at, updated_at=tx.created_at,
        )  # fmt: skip
        await store.insert_conversation(tx, conversation)
        parent = None
        for depth, text in enumerate(texts, 1):
            message = Message(
                id=new_id("msg"), conversation_id=conversation.id, parent_id=parent, role="user", content=text,
                tool_calls=None, model=None, provider=None, usage=None, latency_ms=None, finish_reason=None,
                status="complete", error=None, context=None, version=1, created_at=tx.created_at,
                updated_at=tx.created_at,
            )  # fmt: skip
            await store.insert_message(tx, message, depth, text)
            parent = message.id
            ids.append(message.id)
        await store.update_conversation(tx, msgspec.structs.replace(conversation, leaf_id=parent))
    return ids


async def test_the_index_finds_what_memory_finds_past_the_pooled_size(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "store.db")
    await db.open()
    try:
        project = await create_project(db, ProjectCreate(name="Shop"), "api")
        texts = [f"note {n} about shipping" for n in range(30)] + [
            "the courier contract renews in March",
            "a courier lost two parcels",
            "long " * 300 + "the courier arrives at noon " + "long " * 300,
        ]
        ids = await _fill(db, project.id, texts)
        found = {}
        for name, pooled in (("memory", 1000), ("index", 0)):
            cache = ContextCache(sources=[PastMessages(pooled=pooled)])
            context = await assemble_context(db, cache, project.id, query="couriers?", budget=3000)
            found[name] = [item.id for item in context.manifest if item.kind == "message"]
            assert set(found[name]) == set(ids[30:])
            assert "**user** in _Imported_" in context.document
            assert "… long long" in context.document
            assert "the courier arrives at noon" in context.document
        assert found["memory"] == found["index"]
    finally:
        await db.close()


def test_what_was_trimmed_from_a_long_conversation_comes_back_when_asked_about(
    serve: Callable[[Settings], str], proxy_settings: Settings, no_provider_keys: None, fake_openai: FakeOpenAI
) -> None:
    settings = msgspec.structs.replace(proxy_settings, context_windows={"fake/fake-small": 700}, context_budget=300)
    with api(serve(settings)) as client:
        client.post("/api/projects", json={"name": "Shop"})
        conversation = new_conversation(client, project="shop")
        early = send(client, conversation["id"], "The courier for Lisbon orders is Tomas Reyes.")
        for n in range(8):
            send(client, conversation["id"], f"Note {n} about the warehouse shelves " + "and pallets " * 20)
        recent = send(client, conversation["id"], "The courier van is painted blue.")
        turn = send(client, conversation["id"], "Who is the courier for Lisbon?")
        sent = fake_openai.last.json()["messages"]
        system, history = sent[0]["content"], sent[1:-1]
        assert "left out to fit" in system
        history_text = [message["content"] for message in history]
        assert "The courier for Lisbon orders is Tomas Reyes." not in history_text
        assert "The courier van is painted blue." in history_text
        # Trimmed away from the history, the early fact comes back through relevance; what is still sent does not.
        assert "## From past conversations" in system
        assert "Tomas Reyes" in system
        assert "painted blue" not in system
        ids = turn["assistant_message"]["context"]["ids"]
        assert early["user_message"]["id"] in ids
        assert recent["user_message"]["id"] not in ids
        assert turn["assistant_message"]["context"]["omitted_messages"] > 0
