"""Steps over the API: instructions, acceptance criteria, dependencies, and moving between phases."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from tests.plans import Client, Json, PlanApi, assert_problem, events_of, row_counts


@pytest.fixture
def plan(client: Client) -> PlanApi:
    return PlanApi(client)


async def a_phase(plan: PlanApi, project: str | None = None) -> Json:
    project = project or (await plan.project())["id"]
    return await plan.phase((await plan.track(project))["id"])


async def test_a_step_keeps_its_instructions_and_criteria_in_order(plan: PlanApi) -> None:
    phase = await a_phase(plan)
    step = await plan.step(
        phase["id"],
        "Write the migration",
        description="The plan tables.",
        instructions="STRICT tables; one file.",
        acceptance_criteria=["positions stay contiguous", "cycles are refused", "a"],
    )
    assert step["status"] == "todo"
    assert (step["blocked_reason"], step["started_at"], step["finished_at"]) == (None, None, None)
    assert (step["project_id"], step["phase_id"]) == (phase["project_id"], phase["id"])
    assert await plan.get(f"/api/steps/{step['id']}") == step
    changed = await plan.client.patch(f"/api/steps/{step['id']}", json={"acceptance_criteria": ["only this"]})
    assert changed.json()["acceptance_criteria"] == ["only this"]
    assert changed.json()["instructions"] == "STRICT tables; one file."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "ok", "acceptance_criteria": [""]}, "body.acceptance_criteria"),
        ({"title": "ok", "acceptance_criteria": ["x"] * 101}, "body.acceptance_criteria"),
        ({"title": "ok", "acceptance_criteria": "one string"}, "body.acceptance_criteria"),
        ({"title": "ok", "instructions": "x" * 100_001}, "body.instructions"),
        ({"title": "ok", "depends_on": "stp_x"}, "body.depends_on"),
        ({"title": "ok", "depends_on": [""]}, "body.depends_on"),
        ({"title": "ok", "status": "done"}, "body"),
        ({"name": "steps have titles"}, "body"),
    ],
)
async def test_bad_step_bodies_are_a_400_naming_the_field(plan: PlanApi, db_path: Path, body: Json, field: str) -> None:
    phase = await a_phase(plan)
    before = row_counts(db_path)
    assert_problem(await plan.client.post(f"/api/phases/{phase['id']}/steps", json=body), 400, field)
    assert row_counts(db_path) == before


async def test_dependencies_are_kept_once_each_in_creation_order(plan: PlanApi) -> None:
    phase = await a_phase(plan)
    first, second = await plan.step(phase["id"], "first"), await plan.step(phase["id"], "second")
    step = await plan.step(phase["id"], "third", depends_on=[second["id"], first["id"], second["id"]])
    assert step["depends_on"] == [first["id"], second["id"]]
    assert (await plan.get(f"/api/steps/{step['id']}"))["depends_on"] == [first["id"], second["id"]]
    same = await plan.client.patch(f"/api/steps/{step['id']}", json={"depends_on": [second["id"], first["id"]]})
    assert same.json()["version"] == 1


async def test_patch_replaces_the_dependencies(plan: PlanApi) -> None:
    phase = await a_phase(plan)
    first, second = await plan.step(phase["id"], "first"), await plan.step(phase["id"], "second")
    step = await plan.step(phase["id"], "third", depends_on=[first["id"]])
    response = await plan.client.patch(f"/api/steps/{step['id']}", json={"depends_on": [second["id"]]})
    assert (response.json()["depends_on"], response.json()["version"]) == ([second["id"]], 2)
    cleared = await plan.client.patch(f"/api/steps/{step['id']}", json={"depends_on": []})
    assert (cleared.json()["depends_on"], cleared.json()["version"]) == ([], 3)


async def test_an_unknown_dependency_is_a_422_naming_depends_on(plan: PlanApi, db_path: Path) -> None:
    phase = await a_phase(plan)
    before = row_counts(db_path)
    response = await plan.client.post(
        f"/api/phases/{phase['id']}/steps", json={"title": "x", "depends_on": ["stp_nope"]}
    )
    problem = assert_problem(response, 422, "body.depends_on")
    assert "stp_nope" in problem["detail"]
    assert row_counts(db_path) == before


async def test_a_dependency_on_another_projects_step_is_a_422(plan: PlanApi, db_path: Path) -> None:
    here, there = await a_phase(plan), await a_phase(plan)
    foreign = await plan.step(there["id"], "elsewhere")
    before = row_counts(db_path)
    response = await plan.client.post(
        f"/api/phases/{here['id']}/steps", json={"title": "x", "depends_on": [foreign["id"]]}
    )
    assert "another project" in assert_problem(response, 422, "body.depends_on")["detail"]
    assert row_counts(db_path) == before
    mine = await plan.step(here["id"], "mine")
    patched = await plan.client.patch(f"/api/steps/{mine['id']}", json={"depends_on": [foreign["id"]]})
    assert_problem(patched, 422, "body.depends_on")
    assert (await plan.get(f"/api/steps/{mine['id']}"))["depends_on"] == []


async def test_a_step_cannot_depend_on_itself(plan: PlanApi) -> None:
    phase = await a_phase(plan)
    step = await plan.step(phase["id"])
    response = await plan.client.patch(f"/api/steps/{step['id']}", json={"depends_on": [step["id"]]})
    assert_problem(response, 409, "body.depends_on")


async def test_dependencies_that_close_a_cycle_are_a_409_naming_it(plan: PlanApi) -> None:
    phase = await a_phase(plan)
    a = await plan.step(phase["id"], "a")
    b = await plan.step(phase["id"], "b", depends_on=[a["id"]])
    c = await plan.step(phase["id"], "c", depends_on=[b["id"]])
    response = await plan.client.patch(f"/api/steps/{a['id']}", json={"depends_on": [c["id"]]})
    problem = assert_problem(response, 409, "body.depends_on")
    assert f"{a['id']} → {c['id']} → {b['id']} → {a['id']}" in problem["detail"]
    assert (await plan.get(f"/api/steps/{a['id']}"))["depends_on"] == []
    # Across phases and tracks of one project, the same.
    other = await plan.phase((await plan.track(phase["project_id"]))["id"])
    d = await plan.step(other["id"], "d", depends_on=[c["id"]])
    assert_problem(await plan.client.patch(f"/api/steps/{b['id']}", json={"depends_on": [d["id"]]}), 409)


async def test_deleting_a_step_drops_the_dependencies_on_it(plan: PlanApi) -> None:
    phase = await a_phase(plan)
    first = await plan.step(phase["id"], "first")
    second = await plan.step(phase["id"], "second", depends_on=[first["id"]])
    assert (await plan.client.delete(f"/api/steps/{first['id']}")).status_code == 200
    assert (await plan.get(f"/api/steps/{second['id']}"))["depends_on"] == []


async def test_a_step_moves_to_another_phase_of_the_project_keeping_both_contiguous(
    plan: PlanApi, db_path: Path
) -> None:
    source = await a_phase(plan)
    target = await plan.phase((await plan.track(source["project_id"]))["id"])
    a, b, c = [await plan.step(source["id"], name) for name in "abc"]
    x = await plan.step(target["id"], "x")
    response = await plan.client.post(f"/api/steps/{b['id']}/move", json={"position": 0, "parent": target["id"]})
    assert response.status_code == 200
    moved = response.json()
    assert (moved["phase_id"], moved["position"], moved["version"]) == (target["id"], 0, 2)
    assert await plan.names(f"/api/phases/{source['id']}/steps", "title") == ["a", "c"]
    assert await plan.names(f"/api/phases/{target['id']}/steps", "title") == ["b", "x"]
    # Appending into another phase: its position n is in range there.
    await plan.client.post(f"/api/steps/{a['id']}/move", json={"position": 2, "parent": target["id"]})
    assert await plan.names(f"/api/phases/{target['id']}/steps", "title") == ["b", "x", "a"]
    assert_problem(
        await plan.client.post(f"/api/steps/{c['id']}/move", json={"position": 4, "parent": target["id"]}),
        422,
        "body.position",
    )
    data = msgspec.json.decode(events_of(db_path, b["id"])[-1][2])
    assert data["from"] == {"phase_id": source["id"], "position": 1}
    assert data["to"] == {"phase_id": target["id"], "position": 0}
    assert x["position"] == 0


async def test_a_phase_moves_to_another_track_with_its_steps(plan: PlanApi) -> None:
    project = (await plan.project())["id"]
    source, target = await plan.track(project, "source"), await plan.track(project, "target")
    first, second = await plan.phase(source["id"], "first"), await plan.phase(source["id"], "second")
    step = await plan.step(first["id"], "travels along")
    response = await plan.client.post(f"/api/phases/{first['id']}/move", json={"position": 0, "parent": target["id"]})
    assert (response.json()["track_id"], response.json()["position"]) == (target["id"], 0)
    assert await plan.names(f"/api/tracks/{source['id']}/phases") == ["second"]
    assert await plan.names(f"/api/tracks/{target['id']}/phases") == ["first"]
    assert (await plan.get(f"/api/steps/{step['id']}"))["phase_id"] == first["id"]
    assert second["position"] == 1


async def test_a_track_names_its_own_project_as_parent_or_none(plan: PlanApi) -> None:
    project = await plan.project(slug="mine")
    a, _b = await plan.track(project["id"], "a"), await plan.track(project["id"], "b")
    response = await plan.client.post(f"/api/tracks/{a['id']}/move", json={"position": 1, "parent": "mine"})
    assert response.json()["position"] == 1
    assert await plan.names(f"/api/projects/{project['id']}/tracks") == ["b", "a"]
