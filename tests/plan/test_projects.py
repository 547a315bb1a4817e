"""Projects over the API: the contract's paths and bodies, versions, ETags and every error."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import query

Client = AsyncTestClient[object]


async def create(client: Client, **body: object) -> dict[str, object]:
    response = await client.post("/api/projects", json={"name": "Contextstack", **body})
    assert response.status_code == 201, response.text
    project: dict[str, object] = response.json()
    return project


def events_of(db_path: Path | str, entity: object) -> list[tuple[str, str]]:
    """(type, actor) of the entity's events, read straight from the store."""
    return query(db_path, "SELECT type, actor FROM events WHERE entity_id = ? ORDER BY id", (entity,))


async def test_create_answers_the_project_with_id_version_times_and_etag(client: Client) -> None:
    response = await client.post(
        "/api/projects", json={"name": "My App (v2)", "description": "d", "instructions": "Be terse."}
    )
    assert response.status_code == 201
    project = response.json()
    assert project["id"].startswith("prj_")
    assert project["slug"] == "my-app-v2"
    assert project["version"] == 1
    assert project["status"] == "active"
    assert project["created_at"] == project["updated_at"]
    assert response.headers["etag"] == '"1"'


async def test_a_project_is_found_by_id_and_by_slug(client: Client) -> None:
    project = await create(client, slug="ctx")
    for ref in (project["id"], "ctx"):
        response = await client.get(f"/api/projects/{ref}")
        assert response.status_code == 200
        assert response.json()["id"] == project["id"]


async def test_generated_slugs_never_collide(client: Client) -> None:
    slugs = [(await create(client, name="Same Name"))["slug"] for _ in range(3)]
    assert slugs == ["same-name", "same-name-2", "same-name-3"]


async def test_generated_slugs_fit_the_slug_limit_however_long_the_name(client: Client) -> None:
    name = "a very long project name " * 4  # its slug is cut to 63 characters
    slugs = [(await client.post("/api/projects", json={"name": name})).json()["slug"] for _ in range(11)]
    assert len(set(slugs)) == 11
    assert all(len(slug) <= 63 for slug in slugs), slugs
    assert slugs[1].endswith("-2")
    assert slugs[10].endswith("-11")
    for slug in slugs:  # each is a slug the API itself accepts
        response = await client.patch(f"/api/projects/{slug}", json={"slug": slug})
        assert response.status_code == 200, response.text


async def test_a_duplicate_explicit_slug_is_a_409_naming_the_field(client: Client) -> None:
    await create(client, slug="taken")
    response = await client.post("/api/projects", json={"name": "Other", "slug": "taken"})
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "body.slug"
    assert len((await client.get("/api/projects")).json()["items"]) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "body.name"),
        ({"name": "x" * 201}, "body.name"),
        ({"name": "ok", "slug": "Has Spaces"}, "body.slug"),
        ({"name": "ok", "slug": "prj_looks_like_an_id"}, "body.slug"),
        ({"name": "ok", "description": "x" * 20_001}, "body.description"),
        ({"name": "ok", "owner": "me"}, "body"),
        ({"name": "ok", "actor": "robot"}, "body.actor"),
        ({}, "body"),
    ],
)
async def test_bad_project_bodies_are_refused_and_nothing_is_written(
    client: Client, body: dict[str, object], field: str
) -> None:
    response = await client.post("/api/projects", json=body)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"].startswith(field)
    assert (await client.get("/api/projects")).json()["items"] == []


async def test_patch_changes_only_given_fields_and_bumps_the_version(client: Client) -> None:
    project = await create(client, description="before")
    response = await client.patch(f"/api/projects/{project['id']}", json={"description": "after"})
    assert response.status_code == 200
    updated = response.json()
    assert (updated["description"], updated["name"], updated["version"]) == ("after", "Contextstack", 2)
    assert response.headers["etag"] == '"2"'


async def test_patch_with_a_stale_if_match_is_a_412_and_changes_nothing(client: Client) -> None:
    project = await create(client)
    first = await client.patch(f"/api/projects/{project['id']}", json={"name": "A"}, headers={"If-Match": '"1"'})
    assert first.status_code == 200
    stale = await client.patch(f"/api/projects/{project['id']}", json={"name": "B"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412
    assert (await client.get(f"/api/projects/{project['id']}")).json()["name"] == "A"


async def test_two_concurrent_editors_with_the_same_version_cannot_both_win(client: Client) -> None:
    project = await create(client)
    results = await asyncio.gather(
        *(
            client.patch(f"/api/projects/{project['id']}", json={"name": f"N{i}"}, headers={"If-Match": '"1"'})
            for i in range(5)
        )
    )
    assert sorted(r.status_code for r in results) == [200, 412, 412, 412, 412]
    assert (await client.get(f"/api/projects/{project['id']}")).json()["version"] == 2


async def test_the_actor_comes_from_the_header_or_the_body(client: Client, db_path: Path) -> None:
    response = await client.post("/api/projects", json={"name": "X"}, headers={"X-Contextstack-Actor": "ai:gpt-4.1"})
    project = response.json()["id"]
    await client.patch(f"/api/projects/{project}", json={"name": "Y", "actor": "user"})
    assert events_of(db_path, project) == [("project.created", "ai:gpt-4.1"), ("project.updated", "user")]


async def test_a_bad_actor_header_is_a_400(client: Client) -> None:
    response = await client.post("/api/projects", json={"name": "X"}, headers={"X-Contextstack-Actor": "somebody"})
    assert response.status_code == 400
    assert (await client.get("/api/projects")).json()["items"] == []


async def test_unknown_project_is_a_404_everywhere(client: Client) -> None:
    assert (await client.get("/api/projects/nope")).status_code == 404
    assert (await client.patch("/api/projects/nope", json={"name": "x"})).status_code == 404
    assert (await client.delete("/api/projects/nope")).status_code == 404


async def test_delete_removes_the_project_and_says_so(client: Client, db_path: Path) -> None:
    project = await create(client)
    response = await client.delete(f"/api/projects/{project['slug']}")
    assert response.status_code == 200
    assert response.json() == {"id": project["id"], "deleted": {"projects": 1}}
    assert (await client.get(f"/api/projects/{project['id']}")).status_code == 404
    assert [event for event, _ in events_of(db_path, project["id"])] == ["project.created", "project.deleted"]


async def test_list_pages_through_every_project_once(client: Client) -> None:
    made = [(await create(client, name=f"P{i}"))["id"] for i in range(7)]
    seen: list[object] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/projects", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made


@pytest.mark.parametrize("params", [{"cursor": "!!garbage"}, {"limit": 0}, {"limit": 501}, {"status": "gone"}])
async def test_bad_list_parameters_are_a_400(client: Client, params: dict[str, object]) -> None:
    assert (await client.get("/api/projects", params=params)).status_code == 400
