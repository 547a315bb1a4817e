"""Global knowledge an AI changes during its burst on a project is kept by that burst's checkpoint: diffed, restored
and undone with the project, while global knowledge nobody in the burst touched is left alone."""

from __future__ import annotations

from typing import Any

from tests.checkpoints.test_checkpoints import ok, small_project
from tests.checkpoints.test_undo import AI, Client

PERSON = {"X-Contextstack-Actor": "user"}


async def global_entry(client: Client, title: str, headers: dict[str, str] = PERSON) -> Any:
    body = {"kind": "convention", "title": title, "body": "everywhere"}
    return await ok(await client.post("/api/knowledge", json=body, headers=headers), 201)


async def burst_checkpoint(client: Client) -> Any:
    listed = await ok(await client.get("/api/projects/shop/checkpoints", params={"trigger": "ai_burst"}))
    assert len(listed["items"]) == 1
    return listed["items"][0]


async def test_the_bursts_checkpoint_keeps_the_global_entries_it_changed_and_a_restore_puts_them_back(
    client: Client,
) -> None:
    _, _, _, step = await small_project(client)
    edited = await global_entry(client, "Tabs")
    untouched = await global_entry(client, "Untouched")
    await ok(await client.patch(f"/api/steps/{step['id']}", json={"title": "AI title"}, headers=AI))  # the burst
    await ok(await client.patch(f"/api/knowledge/{edited['id']}", json={"title": "Spaces"}, headers=AI))
    created = await global_entry(client, "AI's global rule", headers=AI)
    await ok(await client.patch(f"/api/knowledge/{untouched['id']}", json={"body": "a person's edit"}))

    checkpoint = await burst_checkpoint(client)
    assert checkpoint["counts"]["global_knowledge"] == 1  # the entry it changed; the one it created was none
    diff = await ok(await client.get(f"/api/checkpoints/{checkpoint['id']}/diff"))
    assert [(item["id"], item["title"]) for item in diff["added"]] == [(created["id"], "AI's global rule")]
    changed = {item["id"]: item["fields"] for item in diff["changed"]}
    assert changed[edited["id"]]["title"] == {"before": "Tabs", "after": "Spaces"}
    assert untouched["id"] not in changed  # a person's change to an entry the burst never touched is not its

    restored = await ok(await client.post(f"/api/checkpoints/{checkpoint['id']}/restore"))
    assert (await ok(await client.get(f"/api/knowledge/{edited['id']}")))["title"] == "Tabs"
    assert (await client.get(f"/api/knowledge/{created['id']}")).status_code == 404
    assert (await ok(await client.get(f"/api/knowledge/{untouched['id']}")))["body"] == "a person's edit"
    assert (await ok(await client.get(f"/api/steps/{step['id']}")))["title"] == "Write the schema"
    found = await ok(await client.get("/api/knowledge/search", params={"q": "spaces"}))
    assert found["items"] == []  # the index follows the restore

    # The restore took a checkpoint of what it replaced, global entries included: restoring that undoes it.
    await ok(await client.post(f"/api/checkpoints/{restored['checkpoint_before_restore']}/restore"))
    assert (await ok(await client.get(f"/api/knowledge/{edited['id']}")))["title"] == "Spaces"
    assert (await ok(await client.get(f"/api/knowledge/{created['id']}")))["title"] == "AI's global rule"


async def test_undo_reverts_the_global_entries_of_the_burst_and_a_persons_later_edit_is_a_conflict(
    client: Client,
) -> None:
    _, _, _, step = await small_project(client)
    edited = await global_entry(client, "Tabs")
    deleted = await global_entry(client, "Doomed")
    await ok(await client.patch(f"/api/steps/{step['id']}", json={"title": "AI title"}, headers=AI))
    await ok(await client.patch(f"/api/knowledge/{edited['id']}", json={"title": "Spaces"}, headers=AI))
    await ok(await client.patch(f"/api/steps/{step['id']}", json={"description": "more"}, headers=AI))
    await ok(await client.delete(f"/api/knowledge/{deleted['id']}", headers=AI))
    await ok(await client.patch(f"/api/knowledge/{edited['id']}", json={"body": "a person's word"}))

    refused = await client.post("/api/projects/shop/undo", json={})
    assert refused.status_code == 409
    assert [error["field"] for error in refused.json()["errors"]] == [edited["id"]]

    undone = await ok(await client.post("/api/projects/shop/undo", json={"force": True}))
    assert undone["counts"] == {"added": 1, "removed": 0, "changed": 2}
    assert (await ok(await client.get(f"/api/knowledge/{edited['id']}")))["title"] == "Tabs"
    assert (await ok(await client.get(f"/api/knowledge/{deleted['id']}")))["title"] == "Doomed"  # back, same id
    again = await ok(await client.post("/api/projects/shop/undo"))
    assert again["counts"] == {"added": 0, "removed": 0, "changed": 0}


async def test_global_knowledge_a_person_changes_is_in_no_checkpoint(client: Client) -> None:
    await small_project(client)
    entry = await global_entry(client, "Tabs")
    taken = await ok(await client.post("/api/projects/shop/checkpoints", json={"label": "mine"}), 201)
    await ok(await client.patch(f"/api/knowledge/{entry['id']}", json={"title": "Spaces"}))
    assert "global_knowledge" not in taken["counts"]
    diff = await ok(await client.get(f"/api/checkpoints/{taken['id']}/diff"))
    assert diff == {"added": [], "removed": [], "changed": []}
    await ok(await client.post(f"/api/checkpoints/{taken['id']}/restore"))
    assert (await ok(await client.get(f"/api/knowledge/{entry['id']}")))["title"] == "Spaces"
