"""Changing a step's status: the times it records, blocked reasons, dependencies, force, versions and events."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from tests.plans import Client, Json, PlanApi, assert_problem, events_of


@pytest.fixture
def plan(client: Client) -> PlanApi:
    return PlanApi(client)


@pytest.fixture
async def phase(plan: PlanApi) -> Json:
    project = await plan.project()
    return await plan.phase((await plan.track(project["id"]))["id"])


async def test_starting_finishing_and_reopening_record_the_times(plan: PlanApi, phase: Json) -> None:
    step = await plan.step(phase["id"])
    started = await plan.set_status(step["id"], "in_progress")
    assert (started["status"], started["version"]) == ("in_progress", 2)
    assert started["started_at"] is not None
    assert started["finished_at"] is None
    done = await plan.set_status(step["id"], "done")
    assert done["started_at"] == started["started_at"]
    assert done["finished_at"] >= done["started_at"]
    reopened = await plan.set_status(step["id"], "todo")
    assert (reopened["status"], reopened["finished_at"]) == ("todo", None)
    restarted = await plan.set_status(step["id"], "in_progress")
    assert restarted["started_at"] == started["started_at"]


async def test_finishing_a_step_never_started_starts_it_too(plan: PlanApi, phase: Json) -> None:
    step = await plan.step(phase["id"])
    done = await plan.set_status(step["id"], "done")
    assert done["started_at"] == done["finished_at"] is not None


async def test_the_answer_carries_the_new_etag(plan: PlanApi, phase: Json) -> None:
    step = await plan.step(phase["id"])
    response = await plan.client.post(f"/api/steps/{step['id']}/status", json={"status": "in_progress"})
    assert response.headers["etag"] == '"2"'


@pytest.mark.parametrize("reason", [None, "", "   "])
async def test_blocked_step_needs_a_reason(plan: PlanApi, phase: Json, reason: str | None) -> None:
    step = await plan.step(phase["id"])
    body: Json = {"status": "blocked", **({"reason": reason} if reason is not None else {})}
    response = await plan.client.post(f"/api/steps/{step['id']}/status", json=body)
    assert_problem(response, 422, "body.reason")
    assert (await plan.get(f"/api/steps/{step['id']}"))["status"] == "todo"


async def test_a_blocked_step_keeps_its_reason_until_it_is_unblocked(plan: PlanApi, phase: Json) -> None:
    step = await plan.step(phase["id"])
    blocked = await plan.set_status(step["id"], "blocked", reason="  waiting for the API key ")
    assert (blocked["status"], blocked["blocked_reason"]) == ("blocked", "waiting for the API key")
    reworded = await plan.set_status(step["id"], "blocked", reason="key arrives Monday")
    assert (reworded["blocked_reason"], reworded["version"]) == ("key arrives Monday", 3)
    unblocked = await plan.set_status(step["id"], "in_progress")
    assert unblocked["blocked_reason"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "finished"}, "body.status"),
        ({}, "body"),
        ({"status": "blocked", "reason": "x" * 2_001}, "body.reason"),
        ({"status": "done", "force": "yes"}, "body.force"),
        ({"status": "done", "why": "x"}, "body"),
    ],
)
async def test_bad_status_bodies_are_a_400_naming_the_field(plan: PlanApi, phase: Json, body: Json, field: str) -> None:
    step = await plan.step(phase["id"])
    assert_problem(await plan.client.post(f"/api/steps/{step['id']}/status", json=body), 400, field)
    assert (await plan.get(f"/api/steps/{step['id']}"))["version"] == 1


@pytest.mark.parametrize("status", ["in_progress", "done"])
async def test_starting_a_step_before_its_dependencies_are_done_is_a_409_naming_them(
    plan: PlanApi, phase: Json, status: str
) -> None:
    design = await plan.step(phase["id"], "Design")
    schema = await plan.step(phase["id"], "Schema")
    await plan.set_status(schema["id"], "done")
    review = await plan.step(phase["id"], "Review")
    await plan.set_status(review["id"], "in_progress")
    build = await plan.step(phase["id"], "Build", depends_on=[design["id"], schema["id"], review["id"]])
    response = await plan.client.post(f"/api/steps/{build['id']}/status", json={"status": status})
    problem = assert_problem(response, 409, "depends_on")
    for unfinished in (design, review):
        assert unfinished["id"] in problem["detail"]
        assert any(unfinished["id"] in error["message"] for error in problem["errors"])
    assert schema["id"] not in problem["detail"]
    assert "force" in problem["detail"]
    assert (await plan.get(f"/api/steps/{build['id']}"))["status"] == "todo"


async def test_force_starts_a_step_anyway_and_says_so_in_the_event(plan: PlanApi, phase: Json, db_path: Path) -> None:
    first = await plan.step(phase["id"])
    second = await plan.step(phase["id"], depends_on=[first["id"]])
    started = await plan.set_status(second["id"], "in_progress", force=True, reason="the spike is enough")
    assert started["status"] == "in_progress"
    event, _, data = events_of(db_path, second["id"])[-1]
    assert (event, msgspec.json.decode(data)) == (
        "step.status_changed",
        {"from": "todo", "to": "in_progress", "reason": "the spike is enough", "forced": True, "version": 2},
    )


async def test_dependencies_done_let_the_step_start(plan: PlanApi, phase: Json) -> None:
    first = await plan.step(phase["id"])
    second = await plan.step(phase["id"], depends_on=[first["id"]])
    await plan.set_status(first["id"], "done")
    assert (await plan.set_status(second["id"], "in_progress"))["status"] == "in_progress"


async def test_blocking_or_reopening_ignores_dependencies(plan: PlanApi, phase: Json) -> None:
    first = await plan.step(phase["id"])
    second = await plan.step(phase["id"], depends_on=[first["id"]])
    await plan.set_status(second["id"], "blocked", reason="needs the first")
    assert (await plan.set_status(second["id"], "todo"))["status"] == "todo"


async def test_the_same_status_again_changes_nothing(plan: PlanApi, phase: Json, db_path: Path) -> None:
    step = await plan.step(phase["id"])
    await plan.set_status(step["id"], "in_progress")
    again = await plan.set_status(step["id"], "in_progress")
    assert again["version"] == 2
    assert [event for event, _, _ in events_of(db_path, step["id"])] == ["step.created", "step.status_changed"]


async def test_every_status_change_is_an_event_by_its_actor(plan: PlanApi, phase: Json, db_path: Path) -> None:
    step = await plan.step(phase["id"])
    await plan.client.post(
        f"/api/steps/{step['id']}/status",
        json={"status": "in_progress"},
        headers={"X-Contextstack-Actor": "ai:claude-sonnet-4-5"},
    )
    await plan.set_status(step["id"], "blocked", reason="flaky CI", actor="user")
    events = events_of(db_path, step["id"])[1:]
    assert [(event, actor) for event, actor, _ in events] == [
        ("step.status_changed", "ai:claude-sonnet-4-5"),
        ("step.status_changed", "user"),
    ]
    assert msgspec.json.decode(events[1][2]) == {
        "from": "in_progress",
        "to": "blocked",
        "reason": "flaky CI",
        "forced": False,
        "version": 3,
    }


async def test_a_status_change_with_a_stale_if_match_is_a_412(plan: PlanApi, phase: Json) -> None:
    step = await plan.step(phase["id"])
    await plan.set_status(step["id"], "in_progress")
    response = await plan.client.post(
        f"/api/steps/{step['id']}/status", json={"status": "done"}, headers={"If-Match": '"1"'}
    )
    assert_problem(response, 412)
    assert (await plan.get(f"/api/steps/{step['id']}"))["status"] == "in_progress"


async def test_the_status_never_changes_through_patch(plan: PlanApi, phase: Json) -> None:
    step = await plan.step(phase["id"])
    assert_problem(await plan.client.patch(f"/api/steps/{step['id']}", json={"status": "done"}), 400, "body")
