"""Conversation search: words matched by their stem, which words each hit matched, and (with embeddings from the
fake provider, a real HTTP server: tests/fakes/embeddings_upstream.py) past messages found by meaning, in search
and in the context a turn assembles. `caught_up` waits until `/health` says every message is embedded (a wait,
not a timed assertion)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import msgspec
import pytest

from contextstack.settings import MemoryConfig, ProviderConfig, Settings
from tests.conversations.helpers import api, new_conversation, send
from tests.fakes.embeddings_upstream import FakeEmbeddings
from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.server import Fault


@pytest.fixture
def fake_embeddings() -> Iterator[FakeEmbeddings]:
    with FakeEmbeddings() as server:
        yield server


def with_embeddings(settings: Settings, fake: FakeEmbeddings, model: str = "emb/embed") -> Settings:
    providers = {**settings.providers, "emb": ProviderConfig(base_url=fake.url, connect_timeout=1.0, read_timeout=5.0)}
    return msgspec.structs.replace(
        settings, providers=providers, memory=MemoryConfig(embedding_model=model, embedding_time_limit=30)
    )


def search(client: httpx.Client, q: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/conversations/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def caught_up(client: httpx.Client) -> dict[str, Any]:
    """The embeddings' status once every entry and message has its vector (waits up to 30 s)."""
    for _ in range(600):
        status: dict[str, Any] = client.get("/health").json()["embeddings"]
        if status["state"] == "idle" and status["waiting"] == 0:
            return status
        time.sleep(0.05)
    raise AssertionError(f"the worker did not catch up: {status}")


def test_a_word_finds_the_other_words_of_its_stem_and_each_hit_says_what_it_matched(
    proxy: str, fake_openai: FakeOpenAI
) -> None:
    with api(proxy) as client:
        couriers = new_conversation(client, title="Couriers of the north")
        said = send(client, couriers["id"], "The courier delivered the parcels late.")
        other = new_conversation(client, title="Invoices")
        parcel = send(client, other["id"], "One parcel went missing in March.")
        [hit] = search(client, "couriers ")
        assert hit["conversation"]["id"] == couriers["id"]
        assert hit["matched"] == ["couriers"]
        assert hit["found_by"] == ["words"]
        assert "<mark>Couriers</mark>" in hit["snippet"] or "<mark>courier</mark>" in hit["snippet"]
        # Any word matches (the default), those matching more words first; with match=all, every word must.
        found = search(client, "courier parcels ")
        assert [hit["conversation"]["id"] for hit in found] == [couriers["id"], other["id"]]
        assert found[0]["message_id"] == said["user_message"]["id"]
        assert found[0]["matched"] == ["courier", "parcels"]
        assert "<mark>courier</mark>" in found[0]["snippet"]
        assert "<mark>parcels</mark>" in found[0]["snippet"]
        assert found[1] | {"score": None} == found[1] | {
            "message_id": parcel["user_message"]["id"],
            "matched": ["parcels"],
            "score": None,
        }
        assert "<mark>parcel</mark>" in found[1]["snippet"]
        assert [hit["conversation"]["id"] for hit in search(client, "courier parcels ", match="all")] == [
            couriers["id"]
        ]
        # A title's words are matched by their stem too.
        [titled] = search(client, "invoice ")
        assert titled["message_id"] is None
        assert titled["snippet"] == "<mark>Invoices</mark>"


@pytest.mark.parametrize("q", ['"unclosed', "NEAR(a b)", "courier*", "a AND OR NOT", "c:1 ^x", "'; DROP TABLE--"])
def test_any_text_is_searched_as_words(proxy: str, fake_openai: FakeOpenAI, q: str) -> None:
    with api(proxy) as client:
        send(client, new_conversation(client)["id"], "The courier came at noon.")
        response = client.get("/api/conversations/search", params={"q": q})
        assert response.status_code == 200, response.text


def test_bad_parameters_are_a_400_naming_them(proxy: str) -> None:
    with api(proxy) as client:
        for params, field in (({"match": "some"}, "match"), ({"mode": "vibes"}, "mode"), ({"mode": "meaning"}, "mode")):
            response = client.get("/api/conversations/search", params={"q": "x", **params})
            assert response.status_code == 400, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert field in response.text


def test_a_message_is_found_by_meaning_with_no_word_in_common(
    serve: Callable[[Settings], str],
    proxy_settings: Settings,
    no_provider_keys: None,
    fake_openai: FakeOpenAI,
    fake_embeddings: FakeEmbeddings,
) -> None:
    with api(serve(with_embeddings(proxy_settings, fake_embeddings))) as client:
        client.post("/api/projects", json={"name": "Shop"})
        garage = new_conversation(client, project="shop", title="Garage")
        sedan = send(client, garage["id"], "The sedan sits in bay four.")
        send(client, new_conversation(client, project="shop", title="Lunch")["id"], "Lunch is at noon on Fridays.")
        status = caught_up(client)
        assert status["messages"] == status["messages_embedded"] == 4  # two users' messages, two answers
        assert search(client, "automobile ", mode="words") == []
        [first, *_] = search(client, "automobile ", mode="meaning")
        assert first["conversation"]["id"] == garage["id"]
        assert first["message_id"] == sedan["user_message"]["id"]
        assert first["found_by"] == ["meaning"]
        assert first["matched"] == []
        assert first["score"] > 0.3
        [hybrid, *_] = search(client, "automobile ")
        assert (hybrid["conversation"]["id"], hybrid["found_by"]) == (garage["id"], ["meaning"])
        [both, *_] = search(client, "sedan ")
        assert (both["conversation"]["id"], both["found_by"]) == (garage["id"], ["words", "meaning"])
        assert search(client, "automobile ", mode="meaning", project="shop")[0]["conversation"]["id"] == garage["id"]
        # A new conversation's context holds the past message found by meaning.
        today = new_conversation(client, project="shop")
        turn = send(client, today["id"], "Where is the automobile?")
        system = fake_openai.last.json()["messages"][0]["content"]
        assert "The sedan sits in bay four." in system
        assert sedan["user_message"]["id"] in turn["assistant_message"]["context"]["ids"]
        # A deleted conversation's messages are found no more.
        assert client.delete(f"/api/conversations/{garage['id']}").status_code == 200
        caught_up(client)
        assert all(hit["conversation"]["id"] != garage["id"] for hit in search(client, "automobile ", mode="meaning"))


def test_a_change_of_model_re_embeds_the_messages(
    serve: Callable[[Settings], str],
    proxy_settings: Settings,
    no_provider_keys: None,
    fake_openai: FakeOpenAI,
    fake_embeddings: FakeEmbeddings,
) -> None:
    with api(serve(with_embeddings(proxy_settings, fake_embeddings))) as client:
        garage = new_conversation(client, title="Garage")
        send(client, garage["id"], "The sedan sits in bay four.")
        assert caught_up(client)["dimension"] == 64
    fake_embeddings.texts.clear()
    with api(serve(with_embeddings(proxy_settings, fake_embeddings, model="emb/embed-wide"))) as client:
        status = caught_up(client)
        assert (status["model"], status["dimension"]) == ("emb/embed-wide", 128)
        assert status["messages"] == status["messages_embedded"] == 2
        assert "The sedan sits in bay four." in fake_embeddings.texts
        assert search(client, "automobile ", mode="meaning")[0]["conversation"]["id"] == garage["id"]


def test_an_embedder_that_is_down_leaves_search_and_turns_to_words(
    serve: Callable[[Settings], str],
    proxy_settings: Settings,
    no_provider_keys: None,
    fake_openai: FakeOpenAI,
    fake_embeddings: FakeEmbeddings,
) -> None:
    fake_embeddings.fault = Fault.answer(503)
    with api(serve(with_embeddings(proxy_settings, fake_embeddings))) as client:
        client.post("/api/projects", json={"name": "Shop"})
        garage = new_conversation(client, project="shop", title="Garage")
        send(client, garage["id"], "The sedan sits in bay four.")
        turn = send(client, new_conversation(client, project="shop")["id"], "Which bay has the sedan?")
        assert turn["assistant_message"]["status"] == "complete"
        status: dict[str, Any] = client.get("/health").json()["embeddings"]
        assert status["messages_embedded"] == 0
        assert [hit["conversation"]["id"] for hit in search(client, "sedan ", project="shop")][-1] == garage["id"]
        response = client.get("/api/conversations/search", params={"q": "automobile", "mode": "meaning"})
        assert response.status_code == 502, response.text
        assert response.json()["title"] == "Embeddings unavailable"
        fake_embeddings.fault = None
        assert caught_up(client)["messages_embedded"] == 4  # and the worker catches up once it answers again
