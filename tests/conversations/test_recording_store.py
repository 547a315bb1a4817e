"""Recording into a real store: retention purges recorded conversations past `record_retention_days` (and only those),
closing waits for recordings under way, and any history recorded turn by turn makes one well-formed tree."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from contextstack import clock
from contextstack.conversations.models import ConversationCreate
from contextstack.conversations.recording import Exchange, Recorder, purge_recordings, record_exchange
from contextstack.conversations.service import create_conversation, list_conversations
from contextstack.plan.models import ProjectCreate
from contextstack.plan.service import create_project
from contextstack.providers.models import Target
from contextstack.runtime import Runtime
from contextstack.settings import Settings
from contextstack.storage import Database, SQLiteDatabase
from tests.conftest import query

TARGET = Target("fake", "fake-small")


def completion(text: str) -> bytes:
    choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    return json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "choices": [choice], "usage": usage}).encode()


def exchange(history: list[dict[str, Any]], answer: str = "Noted.") -> Exchange:
    request = json.dumps({"model": "fake/fake-small", "messages": history}).encode()
    return Exchange(
        dialect="chat", request=request, project=None, conversation_id=None, target=TARGET, body=completion(answer)
    )


def days_from_now(days: float) -> str:
    moment = datetime.fromisoformat(clock.now().replace("Z", "+00:00")) + timedelta(days=days)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def test_retention_purges_recorded_conversations_idle_past_it_and_nothing_else(
    db: Database, settings: Settings
) -> None:
    kept = msgspec.structs.replace(settings, record_retention_days=30)
    recorded = await record_exchange(db, kept, exchange([{"role": "user", "content": "Remember this."}]))
    assert recorded is not None
    made = await create_conversation(db, ConversationCreate(title="Made through the API"), "user")
    assert await purge_recordings(db, kept, at=days_from_now(29)) == 0
    assert (
        await purge_recordings(db, msgspec.structs.replace(kept, record_retention_days=None), at=days_from_now(99)) == 0
    )
    assert await purge_recordings(db, kept, at=days_from_now(31)) == 1
    assert [c.id for c in (await list_conversations(db)).items] == [made.id]
    assert await db.fetchone("SELECT 1 FROM messages") is None


async def test_a_later_exchange_keeps_a_recorded_conversation(db: Database, settings: Settings) -> None:
    kept = msgspec.structs.replace(settings, record_retention_days=1)
    history = [{"role": "user", "content": "First."}]
    await record_exchange(db, kept, exchange(history))
    await _age(db, days=2)
    later = await record_exchange(
        db, kept, exchange([*history, {"role": "assistant", "content": "Noted."}, {"role": "user", "content": "More."}])
    )
    assert later is not None
    assert await purge_recordings(db, kept) == 0  # its last exchange was just now
    await _age(db, days=2)
    assert await purge_recordings(db, kept) == 1


async def _age(db: Database, *, days: int) -> None:
    """Move every conversation's last activity `days` back, as if that long had passed."""
    async with db.transaction() as tx:
        for row in await tx.fetchall("SELECT id, updated_at FROM conversations"):
            moment = datetime.fromisoformat(row[1].replace("Z", "+00:00")) - timedelta(days=days)
            await tx.execute(
                "UPDATE conversations SET updated_at = ? WHERE id = ?",
                (moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"), row[0]),
            )


async def test_a_daemon_purges_what_retention_expired_when_it_starts(settings: Settings, db_path: Path) -> None:
    first = Runtime(settings)
    await first.open()
    try:
        await record_exchange(first.db, settings, exchange([{"role": "user", "content": "Long ago."}]))
        await _age(first.db, days=10)
    finally:
        await first.close()
    again = Runtime(msgspec.structs.replace(settings, record_retention_days=7))
    await again.open()
    try:
        assert (await list_conversations(again.db)).items == []
    finally:
        await again.close()


async def test_closing_waits_for_the_recordings_under_way(db_path: Path, settings: Settings) -> None:
    runtime = Runtime(settings)
    await runtime.open()
    for n in range(20):
        runtime.recorder.record(exchange([{"role": "user", "content": f"Question {n}?"}]))
    await runtime.close()
    assert query(db_path, "SELECT count(*) FROM messages WHERE role = 'assistant'") == [(20,)]


# Any sequence of turns, edits and regenerates, resent whole as a stateless client does, makes well-formed trees: one
# conversation, and one more each time the first message is edited (nothing before it is shared but the system
# prompt, which every conversation opens with); each the latest system prompt at its root.

_step = st.one_of(
    st.tuples(st.just("next"), st.sampled_from(["a", "b", "c"])),
    st.tuples(st.just("edit"), st.sampled_from(["a", "b", "c"])),
    st.tuples(st.just("regenerate"), st.just("")),
    st.tuples(st.just("system"), st.sampled_from(["v1", "v2"])),
)


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(_step, min_size=1, max_size=8))
async def test_a_stateless_client_makes_well_formed_trees(tmp_path: Path, steps: list[tuple[str, str]]) -> None:
    path = tmp_path / f"tree-{abs(hash(tuple(steps)))}.db"
    path.unlink(missing_ok=True)
    settings = Settings(db=str(path))
    db = SQLiteDatabase(path, readers=1)
    await db.open()
    try:
        system = "v0"
        history: list[dict[str, Any]] = []
        turns = 0
        openings: set[str] = set()  # a first message never sent before starts a conversation
        for kind, word in steps:
            if kind == "system":
                system = word
                continue
            if kind == "regenerate" and history:
                history = history[:-1]
            else:
                if kind == "edit" and history:
                    history = history[:-2]
                history.append({"role": "user", "content": f"{kind} {word} {len(history)}"})
            openings.add(history[0]["content"])
            asked = [{"role": "system", "content": system}, *history]
            await record_exchange(db, settings, exchange(asked, answer=f"answer {turns}"))
            history.append({"role": "assistant", "content": f"answer {turns}"})
            turns += 1
        rows = await db.fetchall("SELECT id, parent_id, depth, conversation_id, role, content FROM messages")
        assert sum(row["role"] == "assistant" for row in rows) == turns  # every exchange recorded once
        listed = (await list_conversations(db)).items
        assert len(listed) == len(openings)
        by_id = {row["id"]: row for row in rows}
        for conversation in listed:
            own = [row for row in rows if row["conversation_id"] == conversation.id]
            assert [row["role"] for row in own if row["parent_id"] is None] == ["system"]
            for row in own:
                if row["parent_id"] is not None:
                    assert by_id[row["parent_id"]]["conversation_id"] == conversation.id
                    assert row["depth"] == by_id[row["parent_id"]]["depth"] + 1
        if turns:
            branch = [by_id[listed[0].leaf_id]]
            while branch[-1]["parent_id"] is not None:
                branch.append(by_id[branch[-1]["parent_id"]])
            assert [json.loads(row["content"]) for row in reversed(branch)] == [
                system_sent(steps),
                *[m["content"] for m in history],
            ]
    finally:
        await db.close()


def system_sent(steps: list[tuple[str, str]]) -> str:
    """The system prompt of the last exchange the steps made."""
    system = sent = "v0"
    for kind, word in steps:
        if kind == "system":
            system = word
        else:
            sent = system
    return sent


async def test_the_next_turn_knows_a_recorded_history_as_its_own_from_the_moment_it_is_committed(
    db: Database, settings: Settings, db_path: Path | str
) -> None:
    """The proxy leaves a request's own history out of its context's past messages: it must know that history by
    the time the next turn can find it in the store, not some moments later."""
    await create_project(db, ProjectCreate(name="Shop", slug="shop"), "user")
    recorder = Recorder(db, settings)
    first = [{"role": "user", "content": "Which courier do we use?"}]
    turn = msgspec.structs.replace(exchange(first, answer="Parcelforce."), project="shop")
    following = json.dumps(
        {"messages": [*first, {"role": "assistant", "content": "Parcelforce."}, {"role": "user", "content": "Why?"}]}
    ).encode()
    known_at_commit: list[frozenset[str]] = []
    db.on_commit(
        lambda events: known_at_commit.extend(
            recorder.resent("chat", following, "shop") for event in events if event.type == "conversation.created"
        )
    )
    recorder.record(turn)
    await recorder.settled()
    stored = [row[0] for row in query(db_path, "SELECT id FROM messages")]
    assert len(stored) == 2
    assert known_at_commit == [frozenset(stored)]
