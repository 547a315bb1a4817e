"""The whole plan in one call, and deleting a project, track or phase with everything beneath it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec
import pytest

from contextstack.plan import service as plan_service
from contextstack.plan.models import PhaseCreate, ProjectCreate, StepCreate, TrackCreate
from contextstack.plan.service import create_project, delete_project
from contextstack.plan.steps import create_step
from contextstack.storage import Database
from tests.plans import Client, Json, PlanApi, assert_problem, events_of, row_counts


@pytest.fixture
def plan(client: Client) -> PlanApi:
    return PlanApi(client)


async def small_plan(plan: PlanApi, slug: str = "ctx") -> Json:
    """Two tracks; the first with two phases of two and one steps, the second with an empty phase."""
    project = await plan.project(slug=slug)
    build, ship = await plan.track(slug, "Build"), await plan.track(slug, "Ship")
    design, code = await plan.phase(build["id"], "Design"), await plan.phase(build["id"], "Code")
    await plan.phase(ship["id"], "Release")
    sketch = await plan.step(design["id"], "Sketch")
    await plan.step(design["id"], "Review", depends_on=[sketch["id"]])
    await plan.step(code["id"], "Write", position=0)
    return project


async def test_the_plan_is_the_whole_tree_in_position_order(plan: PlanApi) -> None:
    project = await small_plan(plan)
    answer = await plan.get("/api/projects/ctx/plan")
    assert answer["project"] == await plan.get(f"/api/projects/{project['id']}")
    tree = [
        (track["name"], [(phase["name"], [step["title"] for step in phase["steps"]]) for phase in track["phases"]])
        for track in answer["tracks"]
    ]
    assert tree == [("Build", [("Design", ["Sketch", "Review"]), ("Code", ["Write"])]), ("Ship", [("Release", [])])]
    review = answer["tracks"][0]["phases"][0]["steps"][1]
    assert review["depends_on"] == [answer["tracks"][0]["phases"][0]["steps"][0]["id"]]
    assert review == await plan.get(f"/api/steps/{review['id']}")


async def test_the_plan_of_an_empty_project_has_no_tracks(plan: PlanApi) -> None:
    await plan.project(slug="empty")
    assert (await plan.get("/api/projects/empty/plan"))["tracks"] == []


async def test_the_plan_follows_moves(plan: PlanApi) -> None:
    await small_plan(plan)
    tracks = (await plan.get("/api/projects/ctx/plan"))["tracks"]
    await plan.client.post(f"/api/tracks/{tracks[1]['id']}/move", json={"position": 0})
    write = tracks[0]["phases"][1]["steps"][0]
    await plan.client.post(
        f"/api/steps/{write['id']}/move", json={"position": 0, "parent": tracks[1]["phases"][0]["id"]}
    )
    answer = await plan.get("/api/projects/ctx/plan")
    assert [track["name"] for track in answer["tracks"]] == ["Ship", "Build"]
    assert [step["title"] for step in answer["tracks"][0]["phases"][0]["steps"]] == ["Write"]
    assert answer["tracks"][1]["phases"][1]["steps"] == []


async def test_concurrent_creates_moves_and_deletes_keep_positions_contiguous(plan: PlanApi) -> None:
    await plan.project(slug="busy")
    phase = await plan.phase((await plan.track("busy"))["id"])
    steps = [await plan.step(phase["id"], f"s{i}") for i in range(6)]
    await asyncio.gather(
        *(
            plan.client.post(f"/api/phases/{phase['id']}/steps", json={"title": f"n{i}", "position": 0})
            for i in range(4)
        ),
        *(plan.client.post(f"/api/steps/{step['id']}/move", json={"position": 5 - i}) for i, step in enumerate(steps)),
        plan.client.delete(f"/api/steps/{steps[0]['id']}"),
    )
    names = await plan.names(f"/api/phases/{phase['id']}/steps", "title")
    assert sorted(names) == sorted([f"n{i}" for i in range(4)] + [f"s{i}" for i in range(1, 6)])


async def test_deleting_a_project_removes_its_plan_and_says_how_much(plan: PlanApi, db_path: Path) -> None:
    project = await small_plan(plan)
    await small_plan(plan, slug="other")
    before = row_counts(db_path)
    response = await plan.client.delete("/api/projects/ctx")
    assert response.json() == {
        "id": project["id"],
        "deleted": {"projects": 1, "tracks": 2, "phases": 3, "steps": 3},
    }
    after = row_counts(db_path)
    assert {table: before[table] - after[table] for table in after} == {
        "projects": 1,
        "tracks": 2,
        "phases": 3,
        "steps": 3,
        "step_dependencies": 1,
        "events": -1,
    }
    assert_problem(await plan.client.get("/api/projects/ctx/plan"), 404)
    assert len((await plan.get("/api/projects/other/plan"))["tracks"]) == 2


async def test_deleting_a_track_removes_its_phases_and_steps_and_says_how_much(plan: PlanApi, db_path: Path) -> None:
    await small_plan(plan)
    build, ship = (await plan.get("/api/projects/ctx/plan"))["tracks"]
    response = await plan.client.delete(f"/api/tracks/{build['id']}")
    assert response.json() == {"id": build["id"], "deleted": {"tracks": 1, "phases": 2, "steps": 3}}
    assert row_counts(db_path) | {"events": 0} == {
        "projects": 1,
        "tracks": 1,
        "phases": 1,
        "steps": 0,
        "step_dependencies": 0,
        "events": 0,
    }
    assert (await plan.get(f"/api/tracks/{ship['id']}"))["position"] == 0
    event, _, data = events_of(db_path, build["id"])[-1]
    assert (event, msgspec.json.decode(data)) == (
        "track.deleted",
        {"name": "Build", "deleted": {"tracks": 1, "phases": 2, "steps": 3}},
    )


async def test_deleting_a_phase_removes_its_steps_and_says_how_much(plan: PlanApi, db_path: Path) -> None:
    await small_plan(plan)
    design, code = (await plan.get("/api/projects/ctx/plan"))["tracks"][0]["phases"]
    response = await plan.client.delete(f"/api/phases/{design['id']}")
    assert response.json() == {"id": design["id"], "deleted": {"phases": 1, "steps": 2}}
    assert row_counts(db_path)["steps"] == 1
    assert (await plan.get(f"/api/phases/{code['id']}"))["position"] == 0


async def test_each_delete_is_one_transaction_with_one_event(db: Database) -> None:
    committed: list[list[str]] = []
    db.on_commit(lambda events: committed.append([event.type for event in events]))
    project = await create_project(db, ProjectCreate(name="P"), "api")
    tracks = [await plan_service.create_track(db, project.id, TrackCreate(name=f"T{i}"), "api") for i in range(3)]
    phases = [await plan_service.create_phase(db, track.id, PhaseCreate(name="P"), "api") for track in tracks]
    for phase in phases:
        for i in range(2):
            await create_step(db, phase.id, StepCreate(title=f"S{i}"), "api")
    committed.clear()

    deleted = await plan_service.delete_phase(db, phases[0].id, "api")
    assert (deleted.deleted, committed) == ({"phases": 1, "steps": 2}, [["phase.deleted"]])
    deleted = await plan_service.delete_track(db, tracks[1].id, "api")
    assert (deleted.deleted, committed[-1]) == ({"tracks": 1, "phases": 1, "steps": 2}, ["track.deleted"])
    deleted = await delete_project(db, project.id, "api")
    assert deleted.deleted == {"projects": 1, "tracks": 2, "phases": 1, "steps": 2}
    assert committed == [["phase.deleted"], ["track.deleted"], ["project.deleted"]]
    for table in ("tracks", "phases", "steps", "step_dependencies"):
        row = await db.fetchone(f"SELECT count(*) FROM {table}")
        assert row is not None
        assert row[0] == 0, table
