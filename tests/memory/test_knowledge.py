"""Knowledge entries over the API: the contract's paths and bodies, supersedes, bulk import and every error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import query

Client = AsyncTestClient[object]

NOTE = {"kind": "note", "title": "Times are UTC", "body": "Store ISO-8601 strings with milliseconds."}


async def create(client: Client, **body: object) -> dict[str, Any]:
    response = await client.post("/api/knowledge", json={**NOTE, **body})
    assert response.status_code == 201, response.text
    entry: dict[str, Any] = response.json()
    return entry


async def project(client: Client, slug: str) -> str:
    response = await client.post("/api/projects", json={"name": slug, "slug": slug})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def ids(client: Client, **params: object) -> list[str]:
    response = await client.get("/api/knowledge", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def rows(db_path: Path | str, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
    return query(db_path, sql, params)


def events_of(db_path: Path | str, entity: object) -> list[tuple[str, str]]:
    return [
        (t, a) for t, a in rows(db_path, "SELECT type, actor FROM events WHERE entity_id = ? ORDER BY id", (entity,))
    ]


def assert_problem(response: Any, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [error["field"] for error in response.json()["errors"]]


async def test_create_answers_the_entry_with_id_version_times_and_etag(client: Client) -> None:
    response = await client.post(
        "/api/knowledge",
        json={**NOTE, "kind": "decision", "tags": ["time", "db", "time"], "pinned": True, "source": "ADR-7"},
    )
    assert response.status_code == 201
    entry = response.json()
    assert entry["id"].startswith("kno_")
    assert entry["project_id"] is None
    assert (entry["kind"], entry["tags"], entry["pinned"], entry["source"]) == (
        "decision",
        ["time", "db"],
        True,
        "ADR-7",
    )
    assert (entry["version"], entry["supersedes"], entry["superseded_by"]) == (1, None, None)
    assert entry["created_at"] == entry["updated_at"]
    assert response.headers["etag"] == '"1"'
    fetched = await client.get(f"/api/knowledge/{entry['id']}")
    assert (fetched.json(), fetched.headers["etag"]) == (entry, '"1"')


async def test_an_entry_belongs_to_a_project_named_by_id_or_slug(client: Client) -> None:
    project_id = await project(client, "ctx")
    assert (await create(client, project="ctx"))["project_id"] == project_id
    assert (await create(client, project=project_id))["project_id"] == project_id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**NOTE, "kind": "opinion"}, "body.kind"),
        ({**NOTE, "title": ""}, "body.title"),
        ({**NOTE, "title": "x" * 301}, "body.title"),
        ({"kind": "note", "title": "no body"}, "body"),
        ({**NOTE, "body": "x" * 100_001}, "body.body"),
        ({**NOTE, "tags": "a,b"}, "body.tags"),
        ({**NOTE, "tags": [" padded"]}, "body.tags[0]"),
        ({**NOTE, "tags": ["t"] * 51}, "body.tags"),
        ({**NOTE, "pinned": "yes"}, "body.pinned"),
        ({**NOTE, "supersedes": "not-an-id"}, "body.supersedes"),
        ({**NOTE, "project": ""}, "body.project"),
        ({**NOTE, "actor": "robot"}, "body.actor"),
        ({**NOTE, "owner": "me"}, "body"),
    ],
)
async def test_bad_bodies_are_refused_naming_the_field_and_nothing_is_written(
    client: Client, body: dict[str, object], field: str
) -> None:
    response = await client.post("/api/knowledge", json=body)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"].startswith(field)
    assert await ids(client) == []


async def test_an_unknown_project_in_the_body_is_a_404_naming_it(client: Client, db_path: Path) -> None:
    assert_problem(await client.post("/api/knowledge", json={**NOTE, "project": "nope"}), 404, "body.project")
    assert rows(db_path, "SELECT count(*) FROM knowledge") == [(0,)]


async def test_unknown_entries_are_a_404_everywhere(client: Client) -> None:
    missing = "kno_01JD3XK5V0Q6X4T3N8W2ZC9RBE"
    assert (await client.get(f"/api/knowledge/{missing}")).status_code == 404
    assert (await client.patch(f"/api/knowledge/{missing}", json={"title": "x"})).status_code == 404
    assert (await client.delete(f"/api/knowledge/{missing}")).status_code == 404
    assert (await client.get("/api/knowledge/whatever")).status_code == 404


async def test_patch_changes_only_given_fields_and_bumps_the_version(client: Client, db_path: Path) -> None:
    entry = await create(client, tags=["a"])
    response = await client.patch(f"/api/knowledge/{entry['id']}", json={"title": "Times are UTC, always", "tags": []})
    assert response.status_code == 200
    updated = response.json()
    assert (updated["title"], updated["tags"], updated["body"], updated["version"]) == (
        "Times are UTC, always",
        [],
        NOTE["body"],
        2,
    )
    assert updated["updated_at"] >= entry["updated_at"]
    assert response.headers["etag"] == '"2"'
    unchanged = await client.patch(f"/api/knowledge/{entry['id']}", json={"title": "Times are UTC, always"})
    assert unchanged.json()["version"] == 2
    assert [t for t, _ in events_of(db_path, entry["id"])] == ["knowledge.created", "knowledge.updated"]


async def test_patch_moves_an_entry_between_a_project_and_global(client: Client) -> None:
    project_id = await project(client, "ctx")
    entry = await create(client)
    moved = await client.patch(f"/api/knowledge/{entry['id']}", json={"project": "ctx"})
    assert moved.json()["project_id"] == project_id
    back = await client.patch(f"/api/knowledge/{entry['id']}", json={"project": None, "source": None})
    assert back.json()["project_id"] is None
    assert_problem(await client.patch(f"/api/knowledge/{entry['id']}", json={"project": "nope"}), 404, "body.project")


@pytest.mark.parametrize(
    ("body", "field"),
    [({"kind": "rumour"}, "body.kind"), ({"title": ""}, "body.title"), ({"pinned": None}, "body.pinned")],
)
async def test_bad_patches_are_refused_naming_the_field(client: Client, body: dict[str, object], field: str) -> None:
    entry = await create(client)
    assert_problem(await client.patch(f"/api/knowledge/{entry['id']}", json=body), 400, field)
    assert (await client.get(f"/api/knowledge/{entry['id']}")).json() == entry


async def test_patch_with_a_stale_if_match_is_a_412_and_changes_nothing(client: Client) -> None:
    entry = await create(client)
    first = await client.patch(f"/api/knowledge/{entry['id']}", json={"title": "A"}, headers={"If-Match": '"1"'})
    assert first.status_code == 200
    stale = await client.patch(f"/api/knowledge/{entry['id']}", json={"title": "B"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await client.get(f"/api/knowledge/{entry['id']}")).json()["title"] == "A"
    assert (await client.delete(f"/api/knowledge/{entry['id']}", headers={"If-Match": '"1"'})).status_code == 412


async def test_the_actor_comes_from_the_header_or_the_body(client: Client, db_path: Path) -> None:
    response = await client.post("/api/knowledge", json=NOTE, headers={"X-Contextstack-Actor": "ai:gpt-4.1"})
    entry = response.json()["id"]
    await client.patch(f"/api/knowledge/{entry}", json={"title": "Y", "actor": "user"})
    await client.delete(f"/api/knowledge/{entry}")
    assert events_of(db_path, entry) == [
        ("knowledge.created", "ai:gpt-4.1"),
        ("knowledge.updated", "user"),
        ("knowledge.deleted", "api"),
    ]


async def test_a_new_entry_supersedes_an_old_one_which_stays_marked(client: Client, db_path: Path) -> None:
    await project(client, "ctx")
    old = await create(client, project="ctx", title="Use Postgres")
    new = await create(client, project="ctx", title="Use SQLite", supersedes=old["id"])
    assert new["supersedes"] == old["id"]
    replaced = (await client.get(f"/api/knowledge/{old['id']}")).json()
    assert (replaced["superseded_by"], replaced["version"]) == (new["id"], 2)
    assert events_of(db_path, old["id"])[-1][0] == "knowledge.superseded"
    assert events_of(db_path, new["id"]) == [("knowledge.created", "api")]
    assert await ids(client) == [new["id"]]
    assert await ids(client, include_superseded="true") == [old["id"], new["id"]]


async def test_superseding_across_scopes_is_refused(client: Client, db_path: Path) -> None:
    await project(client, "one")
    await project(client, "two")
    in_one = await create(client, project="one")
    global_entry = await create(client)
    for body in (
        {"project": "two", "supersedes": in_one["id"]},
        {"supersedes": in_one["id"]},
        {"project": "one", "supersedes": global_entry["id"]},
    ):
        assert_problem(await client.post("/api/knowledge", json={**NOTE, **body}), 422, "body.supersedes")
    assert rows(db_path, "SELECT count(*) FROM knowledge WHERE superseded_by IS NOT NULL") == [(0,)]
    assert len(await ids(client)) == 2


async def test_an_entry_can_be_superseded_only_once(client: Client) -> None:
    old = await create(client)
    await create(client, supersedes=old["id"])
    assert_problem(await client.post("/api/knowledge", json={**NOTE, "supersedes": old["id"]}), 409, "body.supersedes")
    missing = {**NOTE, "supersedes": "kno_01JD3XK5V0Q6X4T3N8W2ZC9RBE"}
    assert_problem(await client.post("/api/knowledge", json=missing), 404, "body.supersedes")


async def test_linked_entries_cannot_move_to_another_scope(client: Client) -> None:
    await project(client, "ctx")
    old = await create(client)
    new = await create(client, supersedes=old["id"])
    for entry in (old, new):
        assert_problem(
            await client.patch(f"/api/knowledge/{entry['id']}", json={"project": "ctx"}), 409, "body.project"
        )


async def test_deleting_the_successor_makes_the_old_entry_current_again(client: Client, db_path: Path) -> None:
    old = await create(client, title="Use Postgres")
    new = await create(client, title="Use SQLite", supersedes=old["id"])
    response = await client.delete(f"/api/knowledge/{new['id']}")
    assert response.status_code == 200
    assert response.json() == {"id": new["id"], "deleted": {"knowledge": 1}}
    restored = (await client.get(f"/api/knowledge/{old['id']}")).json()
    assert (restored["superseded_by"], restored["version"]) == (None, 3)
    assert await ids(client) == [old["id"]]
    assert [t for t, _ in events_of(db_path, new["id"])] == ["knowledge.created", "knowledge.deleted"]


async def test_deleting_the_superseded_entry_unlinks_its_successor(client: Client) -> None:
    old = await create(client)
    new = await create(client, supersedes=old["id"])
    assert (await client.delete(f"/api/knowledge/{old['id']}")).status_code == 200
    successor = (await client.get(f"/api/knowledge/{new['id']}")).json()
    assert (successor["supersedes"], successor["version"]) == (None, 2)


async def test_list_with_a_project_includes_global_entries_unless_scope_is_project(client: Client) -> None:
    await project(client, "one")
    await project(client, "two")
    mine = (await create(client, project="one"))["id"]
    theirs = (await create(client, project="two"))["id"]
    shared = (await create(client))["id"]
    assert await ids(client) == [mine, theirs, shared]
    assert await ids(client, project="one") == [mine, shared]
    assert await ids(client, project="one", scope="project") == [mine]
    assert await ids(client, scope="global") == [shared]


async def test_list_filters_by_kind_tag_and_pinned(client: Client) -> None:
    decision = (await create(client, kind="decision", tags=["db", "time"], pinned=True))["id"]
    note = (await create(client, tags=["db"]))["id"]
    assert await ids(client, kind="decision") == [decision]
    assert await ids(client, tag="db") == [decision, note]
    assert await ids(client, tag="time") == [decision]
    assert await ids(client, tag="Time") == []
    assert await ids(client, pinned="true") == [decision]
    assert await ids(client, pinned="false") == [note]


async def test_list_pages_through_every_entry_once(client: Client) -> None:
    made = [(await create(client, title=f"N{i}"))["id"] for i in range(7)]
    seen: list[str] = []
    cursor = None
    while True:
        page = (
            await client.get("/api/knowledge", params={"limit": 3, **({"cursor": cursor} if cursor else {})})
        ).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"cursor": "!!garbage"}, 400, "query.cursor"),
        ({"limit": 0}, 400, "query.limit"),
        ({"kind": "gossip"}, 400, "query.kind"),
        ({"scope": "everywhere"}, 400, "query.scope"),
        ({"scope": "project"}, 400, "query.project"),
        ({"scope": "global", "project": "ctx"}, 400, "query.scope"),
        ({"project": "nope"}, 404, "query.project"),
    ],
)
async def test_bad_list_parameters_are_refused_naming_them(
    client: Client, params: dict[str, object], status: int, field: str
) -> None:
    await project(client, "ctx")
    assert_problem(await client.get("/api/knowledge", params=params), status, field)


async def test_bulk_creates_every_item_in_order(client: Client, db_path: Path) -> None:
    await project(client, "ctx")
    items = [{**NOTE, "title": f"T{i}", "project": "ctx" if i % 2 else None} for i in range(5)]
    response = await client.post("/api/knowledge/bulk", json={"items": items, "actor": "user"})
    assert response.status_code == 201
    created = response.json()["ids"]
    assert created == await ids(client)
    assert [(await client.get(f"/api/knowledge/{i}")).json()["title"] for i in created] == [f"T{i}" for i in range(5)]
    assert rows(db_path, "SELECT DISTINCT type, actor FROM events WHERE type LIKE 'knowledge.%'") == [
        ("knowledge.created", "user")
    ]
    assert rows(db_path, "SELECT count(*) FROM events WHERE type = 'knowledge.created'") == [(5,)]


async def test_bulk_items_may_supersede_existing_entries(client: Client, db_path: Path) -> None:
    old = await create(client)
    response = await client.post("/api/knowledge/bulk", json={"items": [NOTE, {**NOTE, "supersedes": old["id"]}]})
    new = response.json()["ids"][1]
    assert (await client.get(f"/api/knowledge/{old['id']}")).json()["superseded_by"] == new
    assert events_of(db_path, old["id"])[-1][0] == "knowledge.superseded"


@pytest.mark.parametrize(
    ("bad_item", "status", "field"),
    [
        ({**NOTE, "title": ""}, 400, "body.items[3].title"),
        ({**NOTE, "kind": "gossip"}, 400, "body.items[3].kind"),
        ({**NOTE, "project": "nope"}, 404, "body.items[3].project"),
        ({**NOTE, "supersedes": "kno_01JD3XK5V0Q6X4T3N8W2ZC9RBE"}, 404, "body.items[3].supersedes"),
        ({**NOTE, "project": "ctx", "supersedes": "OLD"}, 422, "body.items[3].supersedes"),
        ({**NOTE, "supersedes": "OLD"}, 409, "body.items[3].supersedes"),
    ],
)
async def test_a_failing_bulk_item_is_named_and_nothing_is_written(
    client: Client, db_path: Path, bad_item: dict[str, object], status: int, field: str
) -> None:
    await project(client, "ctx")
    old = await create(client)
    events_before = rows(db_path, "SELECT count(*) FROM events")
    bad = {key: old["id"] if value == "OLD" else value for key, value in bad_item.items()}
    # Item 1 claims `old` first, so item 3 superseding it too is a conflict.
    items = [NOTE, {**NOTE, "supersedes": old["id"]} if "supersedes" in bad else NOTE, NOTE, bad, NOTE]
    response = await client.post("/api/knowledge/bulk", json={"items": items})
    assert_problem(response, status, field)
    assert await ids(client, include_superseded="true") == [old["id"]]
    assert rows(db_path, "SELECT superseded_by FROM knowledge") == [(None,)]
    assert rows(db_path, "SELECT count(*) FROM events") == events_before
    if isinstance(db_path, Path):  # FTS5's index, on SQLite
        assert rows(db_path, "SELECT count(*) FROM knowledge_fts WHERE knowledge_fts MATCH 'utc'") == [(1,)]


async def test_bulk_refuses_an_empty_list_and_more_than_ten_thousand_items(client: Client) -> None:
    assert_problem(await client.post("/api/knowledge/bulk", json={"items": []}), 400, "body.items")
    tiny = {"kind": "note", "title": "t", "body": ""}
    assert_problem(await client.post("/api/knowledge/bulk", json={"items": [tiny] * 10_001}), 400, "body.items")
    assert await ids(client) == []


async def test_a_bulk_body_over_16_mib_is_a_413(client: Client) -> None:
    items = [{**NOTE, "body": "x" * 100_000}] * 170
    response = await client.post("/api/knowledge/bulk", json={"items": items})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await ids(client) == []


async def test_deleting_a_project_deletes_its_knowledge_and_counts_it(client: Client, db_path: Path) -> None:
    await project(client, "ctx")
    old = await create(client, project="ctx")
    await create(client, project="ctx", supersedes=old["id"])
    shared = await create(client)
    response = await client.delete("/api/projects/ctx")
    assert response.json()["deleted"] == {"projects": 1, "knowledge": 2}
    assert await ids(client, include_superseded="true") == [shared["id"]]
    if isinstance(db_path, Path):  # FTS5's index, on SQLite
        assert rows(db_path, "SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH 'utc'") == rows(
            db_path, "SELECT seq FROM knowledge"
        )
