"""The message tree: forks share history, regenerated and edited messages are branches, deletes keep what forks need."""

from __future__ import annotations

import httpx

from tests.conversations.helpers import api, branch, new_conversation, send
from tests.fakes import anthropic_upstream
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.openai_upstream import FakeOpenAI


def _fork(client: httpx.Client, conversation_id: str, message_id: str) -> dict[str, object]:
    response = client.post(f"/api/conversations/{conversation_id}/fork", json={"message_id": message_id})
    assert response.status_code == 201, response.text
    fork: dict[str, object] = response.json()
    return fork


def test_a_fork_shares_the_history_up_to_its_message(proxy: str, fake_openai: FakeOpenAI) -> None:
    with api(proxy) as client:
        original = new_conversation(client)
        first = send(client, original["id"], "One")
        send(client, original["id"], "Two")
        fork = _fork(client, original["id"], first["assistant_message"]["id"])
        assert fork["forked_from"] == first["assistant_message"]["id"]
        assert [m["id"] for m in branch(client, str(fork["id"]))] == [
            first["user_message"]["id"],
            first["assistant_message"]["id"],
        ]
        send(client, str(fork["id"]), "Three instead")
        sent = [m["content"] for m in fake_openai.last.json()["messages"]]
        assert sent == ["One", first["assistant_message"]["content"], "Three instead"]
        assert [m["content"] for m in branch(client, original["id"]) if m["role"] == "user"] == ["One", "Two"]


def test_a_fork_from_a_message_of_another_conversation_is_refused(proxy: str) -> None:
    with api(proxy) as client:
        one, other = new_conversation(client), new_conversation(client)
        turn = send(client, one["id"], "Mine")
        response = client.post(
            f"/api/conversations/{other['id']}/fork", json={"message_id": turn["user_message"]["id"]}
        )
        assert response.status_code == 404
        assert response.json()["errors"][0]["field"] == "body.message_id"


def test_a_regenerated_answer_is_a_sibling_and_the_old_branch_stays_readable(
    proxy: str, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic
) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client)
        turn = send(client, conversation["id"], "Answer twice")
        again = client.post(
            f"/api/conversations/{conversation['id']}/regenerate", json={"model": "claude/claude-fake-1"}
        )
        assert again.status_code == 201, again.text
        regenerated = again.json()
        assert regenerated["user_message"]["id"] == turn["user_message"]["id"]
        assert regenerated["assistant_message"]["parent_id"] == turn["user_message"]["id"]
        assert regenerated["assistant_message"]["content"] == anthropic_upstream.REPLY
        current = branch(client, conversation["id"])
        assert [m["id"] for m in current] == [turn["user_message"]["id"], regenerated["assistant_message"]["id"]]
        old = branch(client, conversation["id"], leaf=turn["assistant_message"]["id"])
        assert old[-1]["id"] == turn["assistant_message"]["id"]


def test_a_user_message_cannot_be_regenerated(proxy: str) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client)
        turn = send(client, conversation["id"], "Hi")
        response = client.post(
            f"/api/conversations/{conversation['id']}/regenerate", json={"message_id": turn["user_message"]["id"]}
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "body.message_id"


def test_an_edited_message_branches_from_its_parent(proxy: str, fake_openai: FakeOpenAI) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client)
        first = send(client, conversation["id"], "One")
        send(client, conversation["id"], "Two")
        edited = send(client, conversation["id"], "Two, edited", parent_id=first["assistant_message"]["id"])
        assert edited["user_message"]["parent_id"] == first["assistant_message"]["id"]
        assert [m["content"] for m in branch(client, conversation["id"]) if m["role"] == "user"] == [
            "One",
            "Two, edited",
        ]


def test_deleting_a_forked_from_conversation_keeps_what_the_fork_shares(proxy: str) -> None:
    with api(proxy) as client:
        original = new_conversation(client)
        first = send(client, original["id"], "Shared")
        send(client, original["id"], "Only in the original")
        fork = _fork(client, original["id"], first["assistant_message"]["id"])
        send(client, str(fork["id"]), "Only in the fork")
        before = branch(client, str(fork["id"]))
        deleted = client.delete(f"/api/conversations/{original['id']}")
        assert deleted.status_code == 200, deleted.text
        assert deleted.json()["deleted"] == {"conversations": 1, "messages": 2}
        assert client.get(f"/api/conversations/{original['id']}").status_code == 404
        assert (
            branch(client, str(fork["id"])) == [{**m, "conversation_id": fork["id"]} for m in before[:2]] + before[2:]
        )
        assert client.delete(f"/api/conversations/{fork['id']}").json()["deleted"] == {
            "conversations": 1,
            "messages": 4,
        }


def test_deleting_a_projects_conversations_says_how_many(proxy: str) -> None:
    with api(proxy) as client:
        project = client.post("/api/projects", json={"name": "Shop"}).json()
        for _ in range(2):
            send(client, new_conversation(client, project="shop")["id"], "Hi")
        kept = new_conversation(client)
        response = client.delete("/api/conversations", params={"project": "shop"})
        assert response.status_code == 200, response.text
        assert response.json() == {"id": project["id"], "deleted": {"conversations": 2, "messages": 4}}
        assert [c["id"] for c in client.get("/api/conversations").json()["items"]] == [kept["id"]]


def test_rename_needs_the_current_version(proxy: str) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client, title="Old")
        url = f"/api/conversations/{conversation['id']}"
        renamed = client.patch(url, json={"title": "New"}, headers={"If-Match": '"1"'})
        assert renamed.status_code == 200
        assert renamed.headers["etag"] == '"2"'
        assert renamed.json()["title"] == "New"
        assert client.patch(url, json={"title": "Newer"}, headers={"If-Match": '"1"'}).status_code == 412


def test_lists_are_newest_first_in_pages(proxy: str) -> None:
    with api(proxy) as client:
        made = [new_conversation(client, title=f"c{n}")["id"] for n in range(5)]
        seen, cursor = [], None
        while True:
            page = client.get("/api/conversations", params={"limit": 2, **({"cursor": cursor} if cursor else {})})
            seen += [c["id"] for c in page.json()["items"]]
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
        assert seen == made[::-1]


def test_messages_come_in_pages(proxy: str) -> None:
    with api(proxy) as client:
        conversation = new_conversation(client)
        for n in range(3):
            send(client, conversation["id"], f"m{n}")
        first = client.get(f"/api/conversations/{conversation['id']}/messages", params={"limit": 4}).json()
        rest = client.get(
            f"/api/conversations/{conversation['id']}/messages", params={"limit": 4, "cursor": first["next_cursor"]}
        ).json()
        assert len(first["items"]) == 4
        assert len(rest["items"]) == 2
        assert rest["next_cursor"] is None
        assert [m["id"] for m in first["items"] + rest["items"]] == [
            m["id"] for m in branch(client, conversation["id"])
        ]
