"""What tracks, phases and steps share over the API: create, read, change, move, delete, list, and their errors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tests.plans import Client, Json, PlanApi, assert_problem, events_of, row_counts


@dataclass(frozen=True)
class Level:
    kind: str
    prefix: str
    field: str
    collection: str
    item: str

    async def parent(self, plan: PlanApi, project: Json) -> str:
        """A new parent for items of this level in `project` (the project itself for tracks)."""
        if self.kind == "track":
            return str(project["id"])
        track = await plan.track(project["id"])
        if self.kind == "phase":
            return str(track["id"])
        return str((await plan.phase(track["id"]))["id"])

    async def create(self, plan: PlanApi, parent: str, name: str, **body: Any) -> Json:
        response = await plan.client.post(self.collection.format(parent), json={self.field: name, **body})
        assert response.status_code == 201, response.text
        created: Json = response.json()
        return created

    async def names(self, plan: PlanApi, parent: str) -> list[str]:
        return await plan.names(self.collection.format(parent), self.field)


TRACK = Level("track", "trk_", "name", "/api/projects/{}/tracks", "/api/tracks/{}")
PHASE = Level("phase", "phs_", "name", "/api/tracks/{}/phases", "/api/phases/{}")
STEP = Level("step", "stp_", "title", "/api/phases/{}/steps", "/api/steps/{}")
LEVELS = pytest.mark.parametrize("level", [TRACK, PHASE, STEP], ids=lambda level: level.kind)


@pytest.fixture
def plan(client: Client) -> PlanApi:
    return PlanApi(client)


async def build(level: Level, plan: PlanApi, *names: str) -> tuple[str, list[Json]]:
    """A parent (in a new project) holding items with these names, in order."""
    parent = await level.parent(plan, await plan.project())
    return parent, [await level.create(plan, parent, name) for name in names]


@LEVELS
async def test_create_appends_and_answers_id_version_times_and_etag(level: Level, plan: PlanApi) -> None:
    parent = await level.parent(plan, await plan.project())
    response = await plan.client.post(level.collection.format(parent), json={level.field: "A", "description": "d"})
    assert response.status_code == 201
    item = response.json()
    assert item["id"].startswith(level.prefix)
    assert (item[level.field], item["description"], item["position"], item["version"]) == ("A", "d", 0, 1)
    assert item["created_at"] == item["updated_at"]
    assert response.headers["etag"] == '"1"'
    await level.create(plan, parent, "B")
    assert await level.names(plan, parent) == ["A", "B"]
    fetched = await plan.client.get(level.item.format(item["id"]))
    assert fetched.json() == item
    assert fetched.headers["etag"] == '"1"'


@LEVELS
async def test_create_at_a_position_inserts_and_shifts_the_rest(level: Level, plan: PlanApi) -> None:
    parent, _ = await build(level, plan, "A", "B", "C")
    assert (await level.create(plan, parent, "first", position=0))["position"] == 0
    assert (await level.create(plan, parent, "middle", position=2))["position"] == 2
    assert (await level.create(plan, parent, "last", position=5))["position"] == 5
    assert await level.names(plan, parent) == ["first", "A", "middle", "B", "C", "last"]


@LEVELS
async def test_create_past_the_end_is_a_422_naming_the_position(level: Level, plan: PlanApi, db_path: Path) -> None:
    parent, _ = await build(level, plan, "A")
    before = row_counts(db_path)
    response = await plan.client.post(level.collection.format(parent), json={level.field: "B", "position": 2})
    problem = assert_problem(response, 422, "body.position")
    assert "0..1" in problem["detail"]
    assert row_counts(db_path) == before


@LEVELS
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"NAME": ""}, "body.NAME"),
        ({"NAME": "x" * 201}, "body.NAME"),
        ({"NAME": "ok", "description": "x" * 20_001}, "body.description"),
        ({"NAME": "ok", "position": -1}, "body.position"),
        ({"NAME": "ok", "position": "first"}, "body.position"),
        ({"NAME": "ok", "actor": "robot"}, "body.actor"),
        ({"NAME": "ok", "colour": "red"}, "body"),
        ({"NAME": "ok", "status": "done"}, "body"),
        ({}, "body"),
    ],
)
async def test_bad_bodies_are_a_400_naming_the_field_and_write_nothing(
    level: Level, plan: PlanApi, db_path: Path, body: Json, field: str
) -> None:
    parent = await level.parent(plan, await plan.project())
    before = row_counts(db_path)
    body = {(level.field if key == "NAME" else key): value for key, value in body.items()}
    response = await plan.client.post(level.collection.format(parent), json=body)
    assert_problem(response, 400, field.replace("NAME", level.field))
    assert row_counts(db_path) == before


@LEVELS
async def test_list_pages_through_every_item_once_in_position_order(level: Level, plan: PlanApi) -> None:
    parent, _ = await build(level, plan, "A", "B", "C", "D", "E")
    await level.create(plan, parent, "first", position=0)
    seen: list[str] = []
    cursor = None
    while True:
        params: Json = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await plan.get(level.collection.format(parent), **params)
        seen += [item[level.field] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["first", "A", "B", "C", "D", "E"]


@LEVELS
@pytest.mark.parametrize("params", [{"cursor": "!!garbage"}, {"limit": 0}, {"limit": 501}])
async def test_bad_list_parameters_are_a_400(level: Level, plan: PlanApi, params: Json) -> None:
    parent, _ = await build(level, plan, "A")
    assert_problem(await plan.client.get(level.collection.format(parent), params=params), 400, "query")


@LEVELS
async def test_patch_changes_only_given_fields_and_bumps_the_version(level: Level, plan: PlanApi) -> None:
    _, (item,) = await build(level, plan, "A")
    response = await plan.client.patch(level.item.format(item["id"]), json={"description": "now described"})
    assert response.status_code == 200
    updated = response.json()
    assert (updated[level.field], updated["description"], updated["version"]) == ("A", "now described", 2)
    assert response.headers["etag"] == '"2"'
    unchanged = await plan.client.patch(level.item.format(item["id"]), json={"description": "now described"})
    assert unchanged.json()["version"] == 2


@LEVELS
async def test_patch_with_a_stale_if_match_is_a_412_and_changes_nothing(level: Level, plan: PlanApi) -> None:
    _, (item,) = await build(level, plan, "A")
    path = level.item.format(item["id"])
    assert (await plan.client.patch(path, json={level.field: "B"}, headers={"If-Match": '"1"'})).status_code == 200
    stale = await plan.client.patch(path, json={level.field: "C"}, headers={"If-Match": '"1"'})
    assert_problem(stale, 412)
    assert (await plan.get(path))[level.field] == "B"


@LEVELS
@pytest.mark.parametrize(("body", "field"), [({"NAME": ""}, "body.NAME"), ({"position": 0}, "body")])
async def test_bad_patches_are_a_400_naming_the_field(level: Level, plan: PlanApi, body: Json, field: str) -> None:
    _, (item,) = await build(level, plan, "A")
    body = {(level.field if key == "NAME" else key): value for key, value in body.items()}
    response = await plan.client.patch(level.item.format(item["id"]), json=body)
    assert_problem(response, 400, field.replace("NAME", level.field))


@LEVELS
async def test_move_within_the_parent_reorders_without_gaps(level: Level, plan: PlanApi) -> None:
    parent, (a, b, _c, d) = await build(level, plan, "A", "B", "C", "D")
    response = await plan.client.post(level.item.format(d["id"]) + "/move", json={"position": 0})
    assert response.status_code == 200
    moved = response.json()
    assert (moved["position"], moved["version"]) == (0, 2)
    assert response.headers["etag"] == '"2"'
    assert await level.names(plan, parent) == ["D", "A", "B", "C"]
    await plan.client.post(level.item.format(a["id"]) + "/move", json={"position": 3})
    assert await level.names(plan, parent) == ["D", "B", "C", "A"]
    # Siblings shift without a new version: their own content did not change.
    assert (await plan.get(level.item.format(b["id"])))["version"] == 1


@LEVELS
async def test_a_move_to_where_it_already_is_changes_nothing(level: Level, plan: PlanApi, db_path: Path) -> None:
    _, (a, _b) = await build(level, plan, "A", "B")
    response = await plan.client.post(level.item.format(a["id"]) + "/move", json={"position": 0})
    assert response.json()["version"] == 1
    assert [event for event, _, _ in events_of(db_path, a["id"])] == [f"{level.kind}.created"]


@LEVELS
@pytest.mark.parametrize("position", [2, 3, 1_000_000])
async def test_a_move_out_of_range_is_a_422_and_moves_nothing(level: Level, plan: PlanApi, position: int) -> None:
    parent, (a, _b) = await build(level, plan, "A", "B")
    response = await plan.client.post(level.item.format(a["id"]) + "/move", json={"position": position})
    problem = assert_problem(response, 422, "body.position")
    assert "0..1" in problem["detail"]
    assert await level.names(plan, parent) == ["A", "B"]


@LEVELS
@pytest.mark.parametrize(("body", "field"), [({"position": -1}, "body.position"), ({}, "body"), ({"to": 1}, "body")])
async def test_bad_move_bodies_are_a_400(level: Level, plan: PlanApi, body: Json, field: str) -> None:
    _, (a,) = await build(level, plan, "A")
    assert_problem(await plan.client.post(level.item.format(a["id"]) + "/move", json=body), 400, field)


@LEVELS
async def test_a_move_with_a_stale_if_match_is_a_412(level: Level, plan: PlanApi) -> None:
    parent, (a, _b) = await build(level, plan, "A", "B")
    response = await plan.client.post(
        level.item.format(a["id"]) + "/move", json={"position": 1}, headers={"If-Match": '"7"'}
    )
    assert_problem(response, 412)
    assert await level.names(plan, parent) == ["A", "B"]


@LEVELS
async def test_a_move_into_another_project_is_a_422_naming_the_parent(level: Level, plan: PlanApi) -> None:
    parent, (a, _b) = await build(level, plan, "A", "B")
    elsewhere = await level.parent(plan, await plan.project("Elsewhere"))
    response = await plan.client.post(level.item.format(a["id"]) + "/move", json={"position": 0, "parent": elsewhere})
    assert_problem(response, 422, "body.parent")
    assert await level.names(plan, parent) == ["A", "B"]
    assert await level.names(plan, elsewhere) == []


@LEVELS
async def test_a_move_to_an_unknown_parent_is_a_422_naming_the_parent(level: Level, plan: PlanApi) -> None:
    parent, (a,) = await build(level, plan, "A")
    response = await plan.client.post(level.item.format(a["id"]) + "/move", json={"position": 0, "parent": "nope"})
    assert_problem(response, 422, "body.parent")
    assert await level.names(plan, parent) == ["A"]


@LEVELS
async def test_delete_closes_the_gap_and_says_what_went(level: Level, plan: PlanApi, db_path: Path) -> None:
    parent, (_a, b, _c) = await build(level, plan, "A", "B", "C")
    response = await plan.client.delete(level.item.format(b["id"]))
    assert response.status_code == 200
    assert response.json() == {"id": b["id"], "deleted": {f"{level.kind}s": 1}}
    assert await level.names(plan, parent) == ["A", "C"]
    assert_problem(await plan.client.get(level.item.format(b["id"])), 404)
    assert [event for event, _, _ in events_of(db_path, b["id"])] == [f"{level.kind}.created", f"{level.kind}.deleted"]


@LEVELS
async def test_delete_with_a_stale_if_match_is_a_412_and_deletes_nothing(level: Level, plan: PlanApi) -> None:
    parent, (a,) = await build(level, plan, "A")
    assert_problem(await plan.client.delete(level.item.format(a["id"]), headers={"If-Match": '"2"'}), 412)
    assert await level.names(plan, parent) == ["A"]


@LEVELS
async def test_every_change_is_an_event_by_its_actor(level: Level, plan: PlanApi, db_path: Path) -> None:
    parent = await level.parent(plan, await plan.project())
    response = await plan.client.post(
        level.collection.format(parent), json={level.field: "A"}, headers={"X-Contextstack-Actor": "ai:gpt-4.1"}
    )
    item = response.json()
    await level.create(plan, parent, "B")
    path = level.item.format(item["id"])
    await plan.client.patch(path, json={level.field: "A2", "actor": "user"})
    await plan.client.post(path + "/move", json={"position": 1, "actor": "ai:claude"})
    await plan.client.delete(path)
    events = events_of(db_path, item["id"])
    assert [(event, actor) for event, actor, _ in events] == [
        (f"{level.kind}.created", "ai:gpt-4.1"),
        (f"{level.kind}.updated", "user"),
        (f"{level.kind}.moved", "ai:claude"),
        (f"{level.kind}.deleted", "api"),
    ]
    updated, moved = (msgspec.json.decode(data) for _, _, data in events[1:3])
    assert updated == {level.field: "A2", "version": 2}
    parent_key = {"track": "project_id", "phase": "track_id", "step": "phase_id"}[level.kind]
    assert moved == {
        "from": {parent_key: parent, "position": 0},
        "to": {parent_key: parent, "position": 1},
        "version": 3,
    }


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/projects/nope/tracks"),
        ("get", "/api/projects/nope/tracks"),
        ("get", "/api/projects/nope/plan"),
        ("get", "/api/projects/nope/status"),
        *[
            (method, f"/api/{kind}/{prefix}_01ABCDEFGHJKMNPQRSTVWXYZ00{suffix}")
            for kind, prefix in (("tracks", "trk"), ("phases", "phs"), ("steps", "stp"))
            for method, suffix in (("get", ""), ("patch", ""), ("delete", ""), ("post", "/move"))
        ],
        ("post", "/api/tracks/nope/phases"),
        ("get", "/api/tracks/nope/phases"),
        ("post", "/api/phases/nope/steps"),
        ("get", "/api/phases/nope/steps"),
        ("post", "/api/steps/nope/status"),
    ],
)
async def test_unknown_ids_are_a_404_everywhere(plan: PlanApi, method: str, path: str) -> None:
    body = {
        "tracks": {"name": "x"},
        "phases": {"name": "x"},
        "steps": {"title": "x"},
        "move": {"position": 0},
        "status": {"status": "done"},
    }
    payload = next((value for key, value in body.items() if path.endswith(key)), {"name": "x"})
    if path.startswith("/api/steps/") and method == "patch":
        payload = {"title": "x"}
    kwargs: Json = {"json": payload} if method in ("post", "patch") else {}
    response = await getattr(plan.client, method)(path, **kwargs)
    assert_problem(response, 404)
