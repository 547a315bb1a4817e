"""What conversations give back: search, export, usage totals, the project's context and a history that fits."""

from __future__ import annotations

from collections.abc import Callable

import msgspec
import pytest

from contextstack.settings import Settings
from tests.conversations.helpers import api, branch, new_conversation, send
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.openai_upstream import FakeOpenAI


def test_search_finds_titles_and_messages_one_hit_per_conversation(proxy: str) -> None:
    with api(proxy) as client:
        client.post("/api/projects", json={"name": "Shop"})
        titled = new_conversation(client, title="Postgres migration plan", project="shop")
        said = new_conversation(client, project="shop")
        send(client, said["id"], "We chose postgres for the ledger")
        send(client, said["id"], "postgres again")
        elsewhere = new_conversation(client)
        send(client, elsewhere["id"], "postgres outside the project")
        found = client.get("/api/conversations/search", params={"q": "postgr", "project": "shop"}).json()["items"]
        assert sorted(hit["conversation"]["id"] for hit in found) == sorted([titled["id"], said["id"]])
        by_id = {hit["conversation"]["id"]: hit for hit in found}
        assert by_id[titled["id"]]["message_id"] is None
        assert "<mark>Postgres</mark>" in by_id[titled["id"]]["snippet"]
        assert by_id[said["id"]]["message_id"] is not None
        everywhere = client.get("/api/conversations/search", params={"q": "postgres"}).json()["items"]
        assert len(everywhere) == 3


@pytest.mark.parametrize("q", ["", "   ", '"', "AND OR NOT", "*", "col:x", "(", "NEAR(a b)", "é'\u0000"])
def test_any_search_text_is_safe(proxy: str, q: str) -> None:
    with api(proxy) as client:
        response = client.get("/api/conversations/search", params={"q": q})
        assert response.status_code == 200
        assert response.json()["items"] == []


def test_export_as_json_and_markdown(proxy: str) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client, title="Notes")
        turn = send(client, conversation["id"], "Remember the ledger")
        exported = client.get(f"/api/conversations/{conversation['id']}/export").json()
        assert [m["id"] for m in exported["messages"]] == [turn["user_message"]["id"], turn["assistant_message"]["id"]]
        markdown = client.get(f"/api/conversations/{conversation['id']}/export", params={"format": "markdown"})
        assert markdown.headers["content-type"].startswith("text/markdown")
        assert markdown.text.startswith("# Notes\n")
        assert "## user\n\nRemember the ledger" in markdown.text
        assert "## assistant (fake/fake-small)" in markdown.text


def test_usage_totals_calls_and_tokens_per_model_and_project(
    proxy: str, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic
) -> None:
    with api(proxy) as client:
        client.post("/api/projects", json={"name": "Shop"})
        shop = new_conversation(client, project="shop")
        send(client, shop["id"], "One")
        send(client, shop["id"], "Two", model="claude/claude-fake-1")
        send(client, new_conversation(client)["id"], "Three")
        by_model = client.get("/api/usage", params={"group": "model"}).json()
        rows = {row["key"]: row for row in by_model["items"]}
        assert rows["fake/fake-small"]["calls"] == 2
        assert rows["fake/fake-small"]["total_tokens"] == 34
        assert rows["claude/claude-fake-1"]["calls"] == 1
        assert by_model["total"]["calls"] == 3
        shop_only = client.get("/api/usage", params={"group": "project", "project": "shop"}).json()
        assert [row["calls"] for row in shop_only["items"]] == [2]
        by_day = client.get("/api/usage").json()["items"]
        assert len(by_day) == 1
        assert by_day[0]["calls"] == 3
        assert client.get("/api/usage", params={"since": "2999-01-01"}).json()["total"]["calls"] == 0


def test_the_projects_context_goes_with_each_turn(proxy: str, fake_openai: FakeOpenAI) -> None:
    with api(proxy) as client:
        client.post("/api/projects", json={"name": "Shop", "instructions": "Answer in French."})
        conversation = new_conversation(client, project="shop")
        turn = send(client, conversation["id"], "Hello")
        system = fake_openai.last.json()["messages"][0]
        assert system["role"] == "system"
        assert "Answer in French." in system["content"]
        context = turn["assistant_message"]["context"]
        assert context["tokens"] > 0
        assert len(context["hash"]) == 64
        assert context["omitted_messages"] == 0


def test_history_is_trimmed_to_the_window_oldest_turns_first(
    serve: Callable[[Settings], str], proxy_settings: Settings, no_provider_keys: None, fake_openai: FakeOpenAI
) -> None:
    settings = msgspec.structs.replace(proxy_settings, context_windows={"fake/fake-small": 400})
    with api(serve(settings)) as client:
        conversation = new_conversation(client)
        for n in range(6):
            send(client, conversation["id"], f"message {n} " + "word " * 30)
        sent = fake_openai.last.json()["messages"]
        assert sent[0]["role"] == "system"
        assert "left out to fit" in sent[0]["content"]
        assert sent[-1]["content"].startswith("message 5")
        kept_users = [m["content"][:9] for m in sent if m["role"] == "user"]
        assert "message 0" not in kept_users
        answer = branch(client, conversation["id"])[-1]
        assert answer["context"]["omitted_messages"] == 10 - (len(sent) - 2) > 0


def test_a_long_messages_snippet_is_the_passage_around_its_matches(proxy: str) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client, title="Notes")
        text = "filler " * 30 + "the ledger moved to Postgres, then the ledger grew" + " tail" * 30
        turn = send(client, conversation["id"], text)
        found = client.get("/api/conversations/search", params={"q": "ledger"}).json()["items"]
        assert [hit["message_id"] for hit in found] == [turn["user_message"]["id"]]
        assert found[0]["snippet"] == (
            "…filler filler filler the <mark>ledger</mark> moved to Postgres, then the <mark>ledger</mark> "
            "grew tail tail tail tail…"
        )
        titled = client.get("/api/conversations/search", params={"q": "not"}).json()["items"]
        assert titled[0]["snippet"] == "<mark>Notes</mark>"
