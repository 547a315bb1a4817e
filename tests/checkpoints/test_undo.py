"""Automatic checkpoints before an AI's burst, and undo of that burst: only the burst, conflicts refused."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from contextstack.app import create_asgi_app
from contextstack.settings import Settings
from tests.checkpoints.test_checkpoints import ok, small_project

Client = AsyncTestClient[object]
AI = {"X-Contextstack-Actor": "ai:openai/gpt-4.1-mini"}


async def export(client: Client) -> Any:
    return await ok(await client.get("/api/projects/shop/export"))


def without_versions(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_versions(v) for k, v in value.items() if k not in ("version", "updated_at")}
    if isinstance(value, list):
        return [without_versions(v) for v in value]
    return value


async def test_an_ai_burst_is_checkpointed_once_and_undone(client: Client) -> None:
    _, _, phase, step = await small_project(client)
    before = without_versions(await export(client))
    await ok(
        await client.post(f"/api/phases/{phase['id']}/steps", json={"title": "AI step", "position": 0}, headers=AI), 201
    )
    await ok(await client.patch(f"/api/steps/{step['id']}", json={"description": "AI was here"}, headers=AI))
    entry = await ok(
        await client.post(
            "/api/knowledge", json={"kind": "note", "title": "AI note", "body": "b", "project": "shop"}, headers=AI
        ),
        201,
    )
    bursts = await ok(await client.get("/api/projects/shop/checkpoints", params={"trigger": "ai_burst"}))
    assert len(bursts["items"]) == 1
    assert bursts["items"][0]["actor"] == AI["X-Contextstack-Actor"]

    undone = await ok(await client.post("/api/projects/shop/undo"))
    assert undone["undone"] == bursts["items"][0]["id"]
    assert undone["counts"]["removed"] == 2
    assert without_versions(await export(client)) == before
    assert (await client.get(f"/api/knowledge/{entry['id']}")).status_code == 404
    activity = await ok(await client.get("/api/projects/shop/activity", params={"limit": 100}))
    assert "project.undone" in {event["type"] for event in activity["items"]}


async def test_undo_keeps_a_persons_unrelated_change_and_refuses_a_conflicting_one(client: Client) -> None:
    api, _, phase, step = await small_project(client)
    other = await api.step(phase["id"], "Person's step")
    await ok(await client.patch(f"/api/steps/{step['id']}", json={"title": "AI title"}, headers=AI))
    await ok(await client.patch(f"/api/steps/{other['id']}", json={"title": "Person's edit"}))

    undone = await ok(await client.post("/api/projects/shop/undo"))
    assert undone["counts"]["changed"] == 1
    assert (await ok(await client.get(f"/api/steps/{step['id']}")))["title"] == "Write the schema"
    assert (await ok(await client.get(f"/api/steps/{other['id']}")))["title"] == "Person's edit"

    await ok(await client.patch(f"/api/steps/{step['id']}", json={"title": "AI again"}, headers=AI))
    await ok(await client.patch(f"/api/steps/{step['id']}", json={"title": "Person fixed it"}))
    refused = await client.post("/api/projects/shop/undo", json={})
    assert refused.status_code == 409
    assert [error["field"] for error in refused.json()["errors"]] == [step["id"]]
    assert (await ok(await client.get(f"/api/steps/{step['id']}")))["title"] == "Person fixed it"
    forced = await ok(await client.post("/api/projects/shop/undo", json={"force": True}))
    assert forced["counts"]["changed"] == 1
    assert (await ok(await client.get(f"/api/steps/{step['id']}")))["title"] == "Write the schema"


async def test_undo_without_an_ai_burst_is_not_found(client: Client) -> None:
    await small_project(client)
    assert (await client.post("/api/projects/shop/undo")).status_code == 404


async def test_a_burst_ends_after_the_quiet_time_and_old_automatic_checkpoints_go(tmp_path: Path) -> None:
    settings = Settings(db=str(tmp_path / "quiet.db"), readers=1, ai_burst_quiet=0.05, checkpoint_keep=2)
    async with AsyncTestClient(app=create_asgi_app(settings), base_url="http://127.0.0.1:8765") as client:
        _, _, _, step = await small_project(client)
        for n in range(4):
            await ok(await client.patch(f"/api/steps/{step['id']}", json={"title": f"AI {n}"}, headers=AI))
            await ok(await client.patch(f"/api/steps/{step['id']}", json={"description": f"AI {n}"}, headers=AI))
            await asyncio.sleep(0.1)
        labelled = await ok(await client.post("/api/projects/shop/checkpoints", json={"label": "mine"}), 201)
        await ok(await client.patch(f"/api/steps/{step['id']}", json={"title": "AI 5"}, headers=AI))
        listed = await ok(await client.get("/api/projects/shop/checkpoints"))
        assert [item["trigger"] for item in listed["items"]] == ["ai_burst", "manual", "ai_burst"]
        assert listed["items"][1]["id"] == labelled["id"]


async def test_an_import_replacing_a_project_is_checkpointed_first(client: Client) -> None:
    _, _, _, step = await small_project(client)
    exported = await export(client)
    await ok(await client.patch(f"/api/steps/{step['id']}", json={"title": "Changed before the import"}))
    await ok(
        await client.post("/api/projects/import", json={"export": exported, "mode": "replace", "project": "shop"}), 201
    )
    listed = await ok(await client.get("/api/projects/shop/checkpoints", params={"trigger": "import"}))
    assert len(listed["items"]) == 1
    diff = await ok(await client.get(f"/api/checkpoints/{listed['items'][0]['id']}/diff"))
    # The import gave the plan new ids: what the checkpoint kept is gone, under its old ids.
    assert {item["title"] for item in diff["removed"]} == {"Core", "Start", "Changed before the import"}
    assert {item["title"] for item in diff["added"]} == {"Core", "Start", "Write the schema"}


async def test_undo_brings_back_what_an_ai_deleted_with_everything_under_it(client: Client) -> None:
    _, project, phase, step = await small_project(client)
    before = without_versions(await export(client))
    track = (await ok(await client.get(f"/api/phases/{phase['id']}")))["track_id"]
    await ok(await client.delete(f"/api/tracks/{track}", headers=AI))
    assert (await client.get(f"/api/steps/{step['id']}")).status_code == 404
    await ok(await client.post("/api/projects/shop/undo"))
    assert without_versions(await export(client)) == before
    assert project["id"] == (await ok(await client.get("/api/projects/shop")))["id"]
