"""Checkpoints over the API: take, list, read, diff, restore, delete; shared blobs and their garbage collection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from tests.conftest import query
from tests.plans import PlanApi

Client = AsyncTestClient[object]
Json = dict[str, Any]


async def ok(response: Any, status: int = 200) -> Json:
    assert response.status_code == status, response.text
    answer: Json = response.json()
    return answer


async def small_project(client: Client) -> tuple[PlanApi, Json, Json, Json]:
    api = PlanApi(client)
    project = await api.project("Shop", slug="shop")
    track = await api.track("shop", "Core")
    phase = await api.phase(track["id"], "Start")
    step = await api.step(phase["id"], "Write the schema")
    return api, project, phase, step


async def checkpoint(client: Client, project: str = "shop", **body: Any) -> Json:
    return await ok(await client.post(f"/api/projects/{project}/checkpoints", json=body), 201)


async def test_a_checkpoint_counts_what_it_holds_and_is_listed_newest_first(client: Client) -> None:
    await small_project(client)
    first = await checkpoint(client, label="start", reason="before the AI")
    assert first["id"].startswith("chk_")
    assert first["counts"] == {"phase": 1, "project": 1, "step": 1, "track": 1}
    assert (first["label"], first["reason"], first["trigger"], first["automatic"]) == (
        "start",
        "before the AI",
        "manual",
        False,
    )
    second = await checkpoint(client)
    listed = await ok(await client.get("/api/projects/shop/checkpoints"))
    assert [item["id"] for item in listed["items"]] == [second["id"], first["id"]]
    response = await client.get(f"/api/checkpoints/{first['id']}")
    assert (await ok(response)) == first
    assert response.headers["etag"] == '"1"'


async def test_diff_lists_added_removed_and_changed_fields(client: Client, db_path: Path) -> None:
    api, _, phase, step = await small_project(client)
    taken = await checkpoint(client)
    empty = await ok(await client.get(f"/api/checkpoints/{taken['id']}/diff"))
    assert empty == {"added": [], "removed": [], "changed": []}
    added = await api.step(phase["id"], "Seed data")
    await ok(await client.patch(f"/api/steps/{step['id']}", json={"title": "Write the schema v2"}))
    entry = await ok(
        await client.post(
            "/api/knowledge", json={"kind": "decision", "title": "SQLite", "body": "x", "project": "shop"}
        ),
        201,
    )
    diff = await ok(await client.get(f"/api/checkpoints/{taken['id']}/diff", params={"against": "now"}))
    assert {(item["kind"], item["id"]) for item in diff["added"]} == {("step", added["id"]), ("knowledge", entry["id"])}
    assert diff["removed"] == []
    assert diff["changed"] == [
        {
            "kind": "step",
            "id": step["id"],
            "title": "Write the schema v2",
            "fields": {"title": {"before": "Write the schema", "after": "Write the schema v2"}},
        }
    ]
    later = await checkpoint(client)
    between = await ok(await client.get(f"/api/checkpoints/{taken['id']}/diff", params={"against": later["id"]}))
    assert between == diff


async def test_restore_brings_back_the_state_with_new_versions(client: Client) -> None:
    api, project, phase, step = await small_project(client)
    entry = await ok(
        await client.post(
            "/api/knowledge", json={"kind": "decision", "title": "Use SQLite", "body": "WAL mode", "project": "shop"}
        ),
        201,
    )
    taken = await checkpoint(client)
    await ok(await client.patch(f"/api/steps/{step['id']}", json={"title": "Something else"}))
    stale = (await client.get(f"/api/steps/{step['id']}")).headers["etag"]
    await ok(await client.delete(f"/api/knowledge/{entry['id']}"))
    await api.step(phase["id"], "Added later")

    restored = await ok(await client.post(f"/api/checkpoints/{taken['id']}/restore"))
    assert restored["counts"] == {"added": 1, "removed": 1, "changed": 1}
    assert restored["project"]["id"] == project["id"]
    before = await ok(await client.get(f"/api/checkpoints/{restored['checkpoint_before_restore']}"))
    assert (before["trigger"], before["automatic"]) == ("restore", True)

    again = await ok(await client.get(f"/api/steps/{step['id']}"))
    assert again["title"] == "Write the schema"
    assert again["version"] > int(stale.strip('"'))
    refused = await client.patch(f"/api/steps/{step['id']}", json={"title": "x"}, headers={"If-Match": stale})
    assert refused.status_code == 412
    back = await ok(await client.get(f"/api/knowledge/{entry['id']}"))
    assert back["version"] > entry["version"]
    hits = await ok(await client.get("/api/knowledge/search", params={"q": "WAL", "project": "shop"}))
    assert [hit["entry"]["id"] for hit in hits["items"]] == [entry["id"]]
    assert [s["title"] for s in (await api.get(f"/api/phases/{phase['id']}/steps"))["items"]] == ["Write the schema"]

    undone = await ok(await client.post(f"/api/checkpoints/{restored['checkpoint_before_restore']}/restore"))
    assert undone["counts"] == {"added": 1, "removed": 1, "changed": 1}
    activity = await ok(await client.get("/api/projects/shop/activity", params={"limit": 100}))
    assert {"checkpoint.created", "project.restored"} <= {event["type"] for event in activity["items"]}


async def test_a_deleted_project_comes_back_from_its_last_checkpoint(client: Client) -> None:
    _, project, _, step = await small_project(client)
    await ok(await client.delete("/api/projects/shop"))
    assert (await client.get("/api/projects/shop")).status_code == 404
    listed = await ok(await client.get(f"/api/projects/{project['id']}/checkpoints"))
    last = listed["items"][0]
    assert (last["trigger"], last["project_slug"]) == ("delete", "shop")
    restored = await ok(await client.post(f"/api/checkpoints/{last['id']}/restore"))
    assert restored["checkpoint_before_restore"] is None
    assert (await ok(await client.get(f"/api/steps/{step['id']}")))["title"] == "Write the schema"
    assert (await ok(await client.get("/api/projects/shop")))["version"] > project["version"]


async def test_unknown_checkpoints_and_foreign_diffs_are_refused(client: Client) -> None:
    await small_project(client)
    taken = await checkpoint(client)
    assert (await client.get("/api/checkpoints/chk_nope")).status_code == 404
    assert (await client.post("/api/checkpoints/chk_nope/restore")).status_code == 404
    assert (await client.post("/api/projects/nope/checkpoints", json={})).status_code == 404
    missing = await client.get(f"/api/checkpoints/{taken['id']}/diff", params={"against": "chk_nope"})
    assert missing.status_code == 404
    assert missing.json()["errors"] == [{"field": "query.against", "message": "no such checkpoint"}]
    await PlanApi(client).project("Other", slug="other")
    other = await checkpoint(client, "other")
    foreign = await client.get(f"/api/checkpoints/{taken['id']}/diff", params={"against": other["id"]})
    assert foreign.status_code == 422


def blob_count(db_path: Path | str) -> int:
    return int(query(db_path, "SELECT count(*) FROM checkpoint_blobs")[0][0])


async def test_checkpoints_share_blobs_and_deleting_them_collects_the_rest(client: Client, db_path: Path) -> None:
    api, _, phase, _ = await small_project(client)
    first = await checkpoint(client)
    one = blob_count(db_path)
    second = await checkpoint(client)
    assert blob_count(db_path) == one
    await api.step(phase["id"], "One more")
    third = await checkpoint(client)
    assert one < blob_count(db_path) <= one + 4  # the new step and its bucket (and the empty bucket it left)
    deleted = await ok(await client.delete(f"/api/checkpoints/{third['id']}"))
    assert deleted["id"] == third["id"]
    assert blob_count(db_path) == one
    await ok(await client.delete(f"/api/checkpoints/{first['id']}"))
    assert blob_count(db_path) == one
    await ok(await client.delete(f"/api/checkpoints/{second['id']}"))
    assert blob_count(db_path) == 0
    assert (await client.get(f"/api/checkpoints/{second['id']}")).status_code == 404
