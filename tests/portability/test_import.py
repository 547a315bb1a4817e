"""Importing an export: as a new project or over an existing one, all or nothing, refusing what it cannot read."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import query
from tests.plans import assert_problem
from tests.portability.sample import Client, Json, build_project, export, normalised, post


def store_rows(db_path: Path | str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an import writes (the event log included), read straight from the store."""
    return {
        table: query(db_path, f"SELECT * FROM {table} ORDER BY 1, 2")
        for table in ("projects", "tracks", "phases", "steps", "step_dependencies", "knowledge", "events")
    }


async def test_import_as_new_gives_the_same_export_up_to_ids(client: Client) -> None:
    await build_project(client)
    original = await export(client, "ctx")
    response = await client.post("/api/projects/import", json={"export": original})
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["mode"] == "new"
    assert answer["counts"] == {"tracks": 2, "phases": 2, "steps": 4, "dependencies": 2, "knowledge": 3}
    project = answer["project"]
    assert (project["slug"], project["version"]) == ("ctx-2", 1)
    assert project["id"] != original["project"]["id"]
    copied = await export(client, project["slug"])
    assert normalised(copied) == normalised(original)
    ids = {track["id"] for track in copied["tracks"]} | {entry["id"] for entry in copied["knowledge"]}
    assert not ids & ({track["id"] for track in original["tracks"]} | {e["id"] for e in original["knowledge"]})


async def test_import_keeps_statuses_and_times_exactly(client: Client) -> None:
    await build_project(client)
    original = await export(client, "ctx")
    project = (await post(client, "/api/projects/import", {"export": original, "slug": "copy"}))["project"]
    status = (await client.get("/api/projects/copy/status")).json()
    assert [step["title"] for step in status["in_progress"]] == ["SQLite store"]
    assert [step["blocked_reason"] for step in status["blocked"]] == ["waiting on review"]
    copied = await export(client, project["id"])
    pairs = zip(original["tracks"][1]["phases"][0]["steps"], copied["tracks"][1]["phases"][0]["steps"], strict=True)
    for before, after in pairs:
        for field in ("started_at", "finished_at", "created_at", "updated_at", "version"):
            assert after[field] == before[field]


async def test_import_takes_the_name_from_the_body(client: Client) -> None:
    await build_project(client)
    body = {"export": await export(client, "ctx"), "name": "A copy"}
    project = (await post(client, "/api/projects/import", body))["project"]
    assert project["name"] == "A copy"


async def test_import_as_new_with_a_taken_slug_is_409(client: Client, db_path: Path) -> None:
    await build_project(client)
    body = {"export": await export(client, "ctx"), "slug": "ctx"}
    before = store_rows(db_path)
    assert_problem(await client.post("/api/projects/import", json=body), 409, "body.slug")
    assert store_rows(db_path) == before


async def test_replace_swaps_the_content_and_keeps_the_project(client: Client) -> None:
    await build_project(client)
    original = await export(client, "ctx")
    target = await post(client, "/api/projects", {"name": "Target", "instructions": "old"})
    track = await post(client, "/api/projects/target/tracks", {"name": "Old track"})
    await post(client, f"/api/tracks/{track['id']}/phases", {"name": "Old phase"})
    await post(client, "/api/knowledge", {"kind": "note", "title": "Old note", "body": "x", "project": "target"})
    response = await client.post(
        "/api/projects/import", json={"export": original, "mode": "replace", "project": "target"}
    )
    assert response.status_code == 201, response.text
    project = response.json()["project"]
    assert (project["id"], project["slug"]) == (target["id"], "target")
    assert project["version"] == target["version"] + 1
    assert project["instructions"] == original["project"]["instructions"]
    replaced = await export(client, "target")
    assert normalised(replaced) == normalised(original)
    assert await export(client, "ctx") == original
    events = (await client.get("/api/projects/target/activity", params={"type": "project.imported"})).json()["items"]
    assert [event["data"]["mode"] for event in events] == ["replace"]
    assert events[0]["data"]["counts"]["steps"] == 4


async def test_replacing_a_project_with_its_own_export_restores_it(client: Client) -> None:
    built = await build_project(client)
    original = await export(client, "ctx")
    await post(client, f"/api/steps/{built['steps']['errors']['id']}/status", {"status": "done"})
    await client.delete(f"/api/steps/{built['steps']['release']['id']}")
    await post(client, "/api/projects/import", {"export": original, "mode": "replace", "project": "ctx"})
    assert normalised(await export(client, "ctx")) == normalised(original)


def broken(document: Json, path: str, value: Any) -> Json:
    """A copy of `document` with the value at `path` (dotted keys and list indexes) replaced."""
    changed = copy.deepcopy(document)
    *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
    target: Any = changed
    for part in parents:
        target = target[part]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return changed


DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("format", "something.else", "body.export.format"),
        ("format_version", 2, "body.export.format_version"),
        ("format_version", "1", "body.export.format_version"),
        ("format_version", DELETE, "body.export.format_version"),
        (
            "tracks.1.phases.0.steps.0.depends_on",
            ["stp_missing"],
            "body.export.tracks[1].phases[0].steps[0].depends_on[0]",
        ),
        (
            "tracks.0.phases.0.steps.0.depends_on.1",
            "stp_missing",
            "body.export.tracks[0].phases[0].steps[0].depends_on[1]",
        ),
        ("tracks.1.phases.0.steps.2.blocked_reason", None, "body.export.tracks[1].phases[0].steps[2].blocked_reason"),
        ("tracks.1.phases.0.steps.0.finished_at", None, "body.export.tracks[1].phases[0].steps[0].finished_at"),
        ("tracks.1.phases.0.steps.1.position", 5, "body.export.tracks[1].phases[0].steps[1].position"),
        ("tracks.1.phases.0.steps.1.status", "paused", "body.export.tracks[1].phases[0].steps[1].status"),
        ("tracks.1.phases.0.steps.1.surprise", 1, "body.export.tracks[1].phases[0].steps[1].surprise"),
        ("tracks.0.name", "", "body.export.tracks[0].name"),
        ("tracks.0.phases", DELETE, "body.export.tracks[0].phases"),
        ("knowledge", DELETE, "body.export.knowledge"),
        ("tracks.1.id", 7, "body.export.tracks[1].id"),
        ("knowledge.0.superseded_by", "kno_missing", "body.export.knowledge[0].superseded_by"),
        ("knowledge.1.kind", "rumour", "body.export.knowledge[1].kind"),
        ("project.slug", "Not A Slug", "body.export.project.slug"),
    ],
)
async def test_a_broken_export_is_422_naming_the_field_and_writes_nothing(
    client: Client, db_path: Path, path: str, value: Any, field: str
) -> None:
    await build_project(client)
    document = broken(await export(client, "ctx"), path, value)
    before = store_rows(db_path)
    for body in ({"export": document}, {"export": document, "mode": "replace", "project": "ctx"}):
        problem = assert_problem(await client.post("/api/projects/import", json=body), 422, field)
        assert problem["detail"]
    assert store_rows(db_path) == before


async def test_an_unknown_version_says_which_versions_are_read(client: Client) -> None:
    await build_project(client)
    document = {**await export(client, "ctx"), "format_version": 7, "something_new": True}
    problem = assert_problem(await client.post("/api/projects/import", json={"export": document}), 422)
    assert problem["errors"] == [{"field": "body.export.format_version", "message": "unsupported; expected 1"}]
    assert "format_version 7" in problem["detail"]


async def test_dependency_cycles_are_refused(client: Client, db_path: Path) -> None:
    built = await build_project(client)
    document = await export(client, "ctx")
    store = document["tracks"][1]["phases"][0]["steps"][1]
    store["depends_on"] = [built["steps"]["release"]["id"]]
    before = store_rows(db_path)
    problem = assert_problem(await client.post("/api/projects/import", json={"export": document}), 422)
    assert "cycle" in problem["detail"]
    assert problem["errors"][0]["field"].endswith(".depends_on")
    assert store_rows(db_path) == before


async def test_a_step_depending_on_itself_is_refused(client: Client) -> None:
    await build_project(client)
    document = await export(client, "ctx")
    store = document["tracks"][1]["phases"][0]["steps"][1]
    store["depends_on"] = [store["id"]]
    problem = assert_problem(await client.post("/api/projects/import", json={"export": document}), 422)
    assert problem["errors"] == [
        {"field": "body.export.tracks[1].phases[0].steps[1].depends_on[0]", "message": "a step cannot depend on itself"}
    ]


async def test_repeated_ids_are_refused(client: Client) -> None:
    await build_project(client)
    document = await export(client, "ctx")
    document["tracks"][1]["id"] = document["tracks"][0]["id"]
    assert_problem(
        await client.post("/api/projects/import", json={"export": document}), 422, "body.export.tracks[1].id"
    )


@pytest.mark.parametrize(
    ("extra", "status", "field"),
    [
        ({"mode": "replace"}, 422, "body.project"),
        ({"mode": "replace", "project": "nope"}, 404, "body.project"),
        ({"mode": "replace", "project": "ctx", "slug": "other"}, 422, "body.slug"),
        ({"project": "ctx"}, 422, "body.project"),
        ({"mode": "merge"}, 400, "body.mode"),
        ({"slug": "Bad Slug"}, 400, "body.slug"),
        ({"surprise": 1}, 400, "body"),
    ],
)
async def test_bad_import_requests_are_refused(
    client: Client, db_path: Path, extra: Json, status: int, field: str
) -> None:
    await build_project(client)
    body = {"export": await export(client, "ctx"), **extra}
    before = store_rows(db_path)
    assert_problem(await client.post("/api/projects/import", json=body), status, field)
    assert store_rows(db_path) == before


async def test_importing_an_unknown_project_to_replace_is_404(client: Client) -> None:
    await build_project(client)
    body = {"export": await export(client, "ctx"), "mode": "replace", "project": "missing"}
    problem = assert_problem(await client.post("/api/projects/import", json=body), 404, "body.project")
    assert "missing" in problem["detail"]
