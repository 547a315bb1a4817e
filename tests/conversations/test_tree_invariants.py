"""Hypothesis: any sequence of sends, edits, regenerations, forks and deletes leaves a well-formed tree."""

from __future__ import annotations

from pathlib import Path

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contextstack.storage.urls import is_postgres
from tests.conftest import query
from tests.conversations.helpers import api, branch
from tests.fakes.openai_upstream import FakeOpenAI

Step = tuple[str, int, int]
steps = st.lists(
    st.tuples(
        st.sampled_from(["new", "send", "edit", "regenerate", "fork", "delete"]), st.integers(0, 5), st.integers(0, 9)
    ),
    min_size=1,
    max_size=8,
)


def _apply(client: httpx.Client, live: list[str], step: Step) -> None:
    action, which, where = step
    if action == "new" or not live:
        live.append(client.post("/api/conversations", json={}).json()["id"])
        return
    conversation = live[which % len(live)]
    messages = branch(client, conversation)
    url = f"/api/conversations/{conversation}"
    if action == "send":
        assert client.post(f"{url}/messages", json={"content": f"say {where}"}).status_code == 201
    elif action == "edit" and messages:
        parent = messages[where % len(messages)]["id"]
        response = client.post(f"{url}/messages", json={"content": "edited", "parent_id": parent})
        assert response.status_code == 201
    elif action == "regenerate" and messages and messages[-1]["role"] == "assistant":
        assert client.post(f"{url}/regenerate", json={}).status_code == 201
    elif action == "fork" and messages:
        response = client.post(f"{url}/fork", json={"message_id": messages[where % len(messages)]["id"]})
        assert response.status_code == 201
        live.append(response.json()["id"])
    elif action == "delete":
        assert client.delete(url).status_code == 200
        live.remove(conversation)


def _check_tree(path: Path | str, client: httpx.Client) -> None:
    if not is_postgres(str(path)):  # PostgreSQL checks every foreign key as it writes
        assert query(path, "PRAGMA foreign_key_check") == []
    parents = dict(query(path, "SELECT id, parent_id FROM messages"))
    depths = dict(query(path, "SELECT id, depth FROM messages"))
    owners = {row[0] for row in query(path, "SELECT DISTINCT conversation_id FROM messages")}
    conversations = query(path, "SELECT id, leaf_id, forked_from FROM conversations")
    assert owners <= {conversation for conversation, _, _ in conversations}
    for message, parent in parents.items():
        assert (parent is None and depths[message] == 1) or depths[message] == depths[parent] + 1
    for conversation, leaf, forked_from in conversations:
        assert forked_from is None or forked_from in parents
        walked = []
        while leaf is not None:
            walked.append(leaf)
            leaf = parents[leaf]
        assert [m["id"] for m in branch(client, conversation, limit=500)] == walked[::-1]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_any_sequence_of_changes_leaves_a_well_formed_tree(
    proxy: str, fake_openai: FakeOpenAI, db_path: Path, steps: list[Step]
) -> None:
    live: list[str] = []
    with api(proxy) as client:
        for step in steps:
            _apply(client, live, step)
        _check_tree(db_path, client)
