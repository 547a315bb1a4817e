"""GET /api/projects/{project}/status: progress, and the steps in progress, blocked, next and recently done."""

from __future__ import annotations

import pytest

from contextstack.execution.models import StatusReport
from contextstack.execution.service import get_status
from contextstack.storage import Database
from tests.plans import Client, Json, PlanApi, assert_problem


@pytest.fixture
def plan(client: Client) -> PlanApi:
    return PlanApi(client)


async def build(plan: PlanApi) -> dict[str, Json]:
    """Track A: A1 [s1 done, s2 in progress, s3 after s2], A2 [s4 blocked, s5]; track B: B1 [s6 after s1, s7 done], B2 []."""
    await plan.project(slug="ctx")
    a, b = await plan.track("ctx", "A"), await plan.track("ctx", "B")
    a1, a2 = await plan.phase(a["id"], "A1"), await plan.phase(a["id"], "A2")
    b1, _ = await plan.phase(b["id"], "B1"), await plan.phase(b["id"], "B2")
    s = {"a": a, "b": b}
    s["s1"] = await plan.step(a1["id"], "s1")
    s["s2"] = await plan.step(
        a1["id"], "s2", instructions="Use STRICT tables.", acceptance_criteria=["migrates", "tests pass"]
    )
    s["s3"] = await plan.step(a1["id"], "s3", depends_on=[s["s2"]["id"]])
    s["s4"] = await plan.step(a2["id"], "s4")
    s["s5"] = await plan.step(a2["id"], "s5")
    s["s6"] = await plan.step(b1["id"], "s6", depends_on=[s["s1"]["id"]])
    s["s7"] = await plan.step(b1["id"], "s7")
    await plan.set_status(s["s1"]["id"], "done")
    await plan.set_status(s["s2"]["id"], "in_progress")
    await plan.set_status(s["s4"]["id"], "blocked", reason="waiting for the API key")
    await plan.set_status(s["s7"]["id"], "done")
    return s


def counts(todo: int, in_progress: int, blocked: int, done: int, percent: float) -> Json:
    total = todo + in_progress + blocked + done
    return {
        "todo": todo,
        "in_progress": in_progress,
        "blocked": blocked,
        "done": done,
        "total": total,
        "percent_done": percent,
    }


def titles(steps: list[Json]) -> list[str]:
    return [step["title"] for step in steps]


async def test_counts_and_percent_done_per_project_track_and_phase(plan: PlanApi) -> None:
    await build(plan)
    status = await plan.get("/api/projects/ctx/status")
    assert status["project"]["slug"] == "ctx"
    assert status["counts"] == counts(3, 1, 1, 2, 28.6)
    (a, b) = status["tracks"]
    assert (a["name"], a["position"], a["counts"]) == ("A", 0, counts(2, 1, 1, 1, 20.0))
    assert [(phase["name"], phase["counts"]) for phase in a["phases"]] == [
        ("A1", counts(1, 1, 0, 1, 33.3)),
        ("A2", counts(1, 0, 1, 0, 0.0)),
    ]
    assert b["counts"] == counts(1, 0, 0, 1, 50.0)
    assert [(phase["name"], phase["counts"]) for phase in b["phases"]] == [
        ("B1", counts(1, 0, 0, 1, 50.0)),
        ("B2", counts(0, 0, 0, 0, 0.0)),
    ]


async def test_steps_in_progress_come_with_their_instructions_and_where_they_are(plan: PlanApi) -> None:
    steps = await build(plan)
    (current,) = (await plan.get("/api/projects/ctx/status"))["in_progress"]
    assert current["id"] == steps["s2"]["id"]
    assert (current["instructions"], current["acceptance_criteria"]) == (
        "Use STRICT tables.",
        ["migrates", "tests pass"],
    )
    assert (current["track_id"], current["track_name"], current["phase_name"]) == (steps["a"]["id"], "A", "A1")
    assert current["started_at"] is not None


async def test_blocked_steps_come_with_their_reasons(plan: PlanApi) -> None:
    await build(plan)
    (blocked,) = (await plan.get("/api/projects/ctx/status"))["blocked"]
    assert (blocked["title"], blocked["blocked_reason"], blocked["phase_name"]) == (
        "s4",
        "waiting for the API key",
        "A2",
    )


async def test_next_steps_are_startable_todos_in_plan_order(plan: PlanApi) -> None:
    steps = await build(plan)
    # s3 waits for s2 (in progress); s5 and s6 can start, A before B.
    assert titles((await plan.get("/api/projects/ctx/status"))["next_steps"]) == ["s5", "s6"]
    assert titles((await plan.get("/api/projects/ctx/status", next=1))["next_steps"]) == ["s5"]
    assert (await plan.get("/api/projects/ctx/status", next=0))["next_steps"] == []
    await plan.client.post(f"/api/tracks/{steps['b']['id']}/move", json={"position": 0})
    await plan.set_status(steps["s2"]["id"], "done")
    assert titles((await plan.get("/api/projects/ctx/status"))["next_steps"]) == ["s6", "s3", "s5"]


async def test_next_steps_are_capped_at_five_by_default(plan: PlanApi) -> None:
    await plan.project(slug="many")
    phase = await plan.phase((await plan.track("many"))["id"])
    for i in range(7):
        await plan.step(phase["id"], f"s{i}")
    assert titles((await plan.get("/api/projects/many/status"))["next_steps"]) == [f"s{i}" for i in range(5)]


async def test_recently_done_steps_come_newest_first(plan: PlanApi) -> None:
    steps = await build(plan)
    status = await plan.get("/api/projects/ctx/status")
    assert titles(status["recently_done"]) == ["s7", "s1"]
    assert status["recently_done"][0]["finished_at"] >= status["recently_done"][1]["finished_at"]
    assert titles((await plan.get("/api/projects/ctx/status", recent=1))["recently_done"]) == ["s7"]
    await plan.set_status(steps["s7"]["id"], "todo")
    assert titles((await plan.get("/api/projects/ctx/status"))["recently_done"]) == ["s1"]


async def test_an_empty_project_has_nothing_to_do_and_zero_percent(plan: PlanApi) -> None:
    await plan.project(slug="empty")
    status = await plan.get("/api/projects/empty/status")
    assert status["counts"] == counts(0, 0, 0, 0, 0.0)
    assert [status[key] for key in ("tracks", "in_progress", "blocked", "next_steps", "recently_done")] == [[]] * 5


@pytest.mark.parametrize(
    ("params", "field"),
    [({"next": -1}, "query.next"), ({"next": 101}, "query.next"), ({"recent": "many"}, "query.recent")],
)
async def test_bad_status_parameters_are_a_400_naming_them(plan: PlanApi, params: Json, field: str) -> None:
    await plan.project(slug="ctx")
    assert_problem(await plan.client.get("/api/projects/ctx/status", params=params), 400, field)


async def test_get_status_is_a_service_other_layers_can_call(plan: PlanApi, db: Database) -> None:
    await build(plan)
    # The client fixture's store and the db fixture's are the same file.
    report = await get_status(db, "ctx", next_limit=1, recent_limit=1)
    assert isinstance(report, StatusReport)
    assert [step.title for step in report.next_steps] == ["s5"]
    assert [step.title for step in report.recently_done] == ["s7"]
    assert report.in_progress[0].acceptance_criteria == ["migrates", "tests pass"]
