"""Import with `keep_ids`: a project moved to another store and back keeps every id; a taken id is a 409."""

from __future__ import annotations

from tests.portability.sample import Client, build_project, export, post

RENEWED = ("version", "created_at", "updated_at")


async def test_keep_ids_brings_a_project_back_with_every_id(client: Client) -> None:
    await build_project(client)
    original = await export(client, "ctx")
    refused = await client.post("/api/projects/import", json={"export": original, "keep_ids": True})
    assert refused.status_code == 409, refused.text
    assert refused.json()["errors"][0]["field"] == "body.keep_ids"

    assert (await client.delete("/api/projects/ctx")).status_code == 200
    imported = await post(client, "/api/projects/import", {"export": original, "keep_ids": True})
    assert imported["project"]["id"] == original["project"]["id"]
    again = await export(client, "ctx")
    for field in RENEWED:
        again["project"].pop(field)
        original["project"].pop(field)
    assert again == original


async def test_without_keep_ids_an_import_still_gets_new_ids(client: Client) -> None:
    await build_project(client)
    original = await export(client, "ctx")
    imported = await post(client, "/api/projects/import", {"export": original})
    assert imported["project"]["id"] != original["project"]["id"]
