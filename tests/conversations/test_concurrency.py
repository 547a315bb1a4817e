"""Conversations written at once: two turns on one conversation, the same Idempotency-Key twice, a key in flight on
another daemon sharing the store (PostgreSQL), and two recorders of the same history. Nothing is half-written: each
store ends as the same requests one after another would leave it. Run with `--backend postgresql` and without."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from contextstack.conversations import store
from contextstack.conversations.recording import record_exchange
from contextstack.settings import Settings
from contextstack.storage import Database, open_database
from tests.conftest import Backend, start_daemon, stop_daemon
from tests.conversations.helpers import api, branch, new_conversation, send
from tests.conversations.test_recording_store import exchange
from tests.fakes.fixtures import OPENAI_KEY
from tests.fakes.openai_upstream import REPLY, FakeOpenAI
from tests.fakes.server import Fault

# Long enough that the second request arrives while the first waits for its answer.
THINKING = 1.0


def _at_once(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_two_turns_at_once_on_one_conversation_make_two_branches(proxy: str, fake_openai: FakeOpenAI) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client)
        first = send(client, conversation["id"], "Where do we start?")
        before = client.get(f"/api/conversations/{conversation['id']}").json()
        url = f"/api/conversations/{conversation['id']}/messages"
        fake_openai.fault = Fault.slow_first_byte(THINKING)
        answered = _at_once(
            lambda: client.post(url, json={"content": "North?"}), lambda: client.post(url, json={"content": "South?"})
        )
        assert [response.status_code for response in answered] == [201, 201], [r.text for r in answered]
        turns = [response.json() for response in answered]
        parent = first["assistant_message"]["id"]
        questions = {turn["user_message"]["id"] for turn in turns}
        for turn in turns:
            # Each question follows the answer before, or (stored a moment later) the other question.
            assert turn["user_message"]["parent_id"] in {parent} | questions - {turn["user_message"]["id"]}
            assert turn["assistant_message"]["parent_id"] == turn["user_message"]["id"]
            assert turn["assistant_message"]["content"] == REPLY
        assert parent in {turn["user_message"]["parent_id"] for turn in turns}
        now = client.get(f"/api/conversations/{conversation['id']}").json()
        assert now["leaf_id"] in {turn["assistant_message"]["id"] for turn in turns}
        assert now["version"] == before["version"] + 4  # each turn: its question, then its answer
        for turn in turns:
            leaf = turn["assistant_message"]["id"]
            walked = [m["id"] for m in branch(client, conversation["id"], leaf=leaf)]
            assert walked[:2] == [first["user_message"]["id"], parent]
            assert walked[-2:] == [turn["user_message"]["id"], leaf]


def test_the_same_key_twice_at_once_is_answered_once(proxy: str, fake_openai: FakeOpenAI) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client)
        url = f"/api/conversations/{conversation['id']}/messages"
        fake_openai.fault = Fault.slow_first_byte(THINKING)
        headers = {"Idempotency-Key": "once"}

        def later() -> httpx.Response:
            # The first request's user message is stored before it waits for the model.
            for _ in range(200):
                if branch(client, conversation["id"]):
                    break
                time.sleep(0.01)
            return client.post(url, json={"content": "Once?"}, headers=headers)

        first, second = _at_once(lambda: client.post(url, json={"content": "Once?"}, headers=headers), later)
        assert first.status_code == 201, first.text
        assert second.status_code == 409, second.text
        assert second.headers["content-type"].startswith("application/problem+json")
        fake_openai.fault = None
        again = client.post(url, json={"content": "Once?"}, headers=headers)
        assert again.status_code == 201
        assert again.json() == first.json()
        assert len(fake_openai.requests) == 1
        assert len(branch(client, conversation["id"])) == 2


def _shape(rows: list[Any]) -> list[tuple[int, str, str]]:
    """The tree as (depth, role, content) of each message, in depth order: what ids and times leave out."""
    return sorted((row["depth"], row["role"], json.loads(row["content"])) for row in rows)


async def test_two_recorders_at_once_store_what_one_after_the_other_would(db: Database, settings: Settings) -> None:
    """Recordings of a resent history at once, through two daemons' stores on PostgreSQL (on SQLite one daemon holds
    the store: through its one): the shared history is stored once, each new question and answer once, as recording
    them one after another stores them."""
    second = db if db.dialect == "sqlite" else open_database(settings.db or "", readers=1)
    if second is not db:
        await second.open()
    history: list[dict[str, Any]] = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Plan?"}]
    await record_exchange(db, settings, exchange(history, "Step one."))
    history += [{"role": "assistant", "content": "Step one."}]
    try:
        asked = [exchange([*history, {"role": "user", "content": f"Then {n}?"}], f"Answer {n}.") for n in range(6)]
        results = await asyncio.gather(
            *(record_exchange(db if n % 2 else second, settings, one) for n, one in enumerate(asked))
        )
        assert all(result is not None for result in results)
        rows = await db.fetchall("SELECT depth, role, content, conversation_id FROM messages")
    finally:
        if second is not db:
            await second.close()
    assert len({row["conversation_id"] for row in rows}) == 1
    expected = [(1, "system", "Be brief."), (2, "user", "Plan?"), (3, "assistant", "Step one.")]
    expected += [(4, "user", f"Then {n}?") for n in range(6)] + [(5, "assistant", f"Answer {n}.") for n in range(6)]
    assert _shape(rows) == sorted(expected)


async def test_a_key_taken_by_another_daemon_is_in_flight_while_its_session_lives(db: Database) -> None:
    """An Idempotency-Key's owner is its daemon's process and, on PostgreSQL, its database session: another daemon
    takes the key over only once that session has ended. On SQLite one daemon holds the store: another owner has
    stopped."""
    async with db.transaction() as tx:
        taken = await store.owner(tx, "the-first-daemon")
    async with db.transaction() as tx:
        assert await store.owner_is_running(tx, taken, "the-first-daemon")
        assert await store.owner_is_running(tx, taken, "another-daemon") == (db.dialect == "postgresql")
        assert not await store.owner_is_running(tx, "a-stopped-daemon", "another-daemon")
        ended = "the-first-daemon 2147483647 2000-01-01 00:00:00+00"
        assert not await store.owner_is_running(tx, ended, "another-daemon")


@pytest.mark.e2e
def test_a_key_in_flight_on_another_daemon_is_refused_there(
    tmp_path: Path, backend: Backend, fake_openai: FakeOpenAI
) -> None:
    """Two daemon processes on one PostgreSQL store: a retry sent to the second while the first answers the key is
    a 409 there (the first's database session is alive), and once answered it replays the first's turn."""
    if backend != "postgresql":
        pytest.skip("only PostgreSQL is shared by several daemons (a SQLite store is locked by one)")
    config = tmp_path / "config.toml"
    config.write_text(
        f'default_model = "fake/fake-small"\n\n[providers.fake]\nbase_url = "{fake_openai.url}"\napi_key = "{OPENAI_KEY}"\n'
    )
    env = {"CONTEXTSTACK_CONFIG": str(config)}
    first = start_daemon(tmp_path, env=env)
    try:
        second = start_daemon(tmp_path, env=env, db=first.db)
        try:
            with api(first.url) as client, api(second.url) as elsewhere:
                conversation = new_conversation(client)
                url = f"/api/conversations/{conversation['id']}/messages"
                fake_openai.fault = Fault.slow_first_byte(THINKING * 3)
                headers = {"Idempotency-Key": "shared"}

                def later() -> httpx.Response:
                    for _ in range(500):  # until the first daemon has stored the question
                        if branch(elsewhere, conversation["id"]):
                            break
                        time.sleep(0.01)
                    return elsewhere.post(url, json={"content": "Shared?"}, headers=headers)

                answered, refused = _at_once(
                    lambda: client.post(url, json={"content": "Shared?"}, headers=headers), later
                )
                assert answered.status_code == 201, answered.text
                assert refused.status_code == 409, refused.text
                fake_openai.fault = None
                replayed = elsewhere.post(url, json={"content": "Shared?"}, headers=headers)
                assert replayed.status_code == 201, replayed.text
                assert replayed.json() == answered.json()
                assert len(fake_openai.requests) == 1
        finally:
            stop_daemon(second)
    finally:
        stop_daemon(first)
