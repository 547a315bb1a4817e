"""GET /api/projects/{project}/activity: a project's log, newest first, paged, filtered; and its errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient

from contextstack.events import service
from contextstack.ids import new_id
from contextstack.storage import Database

Client = AsyncTestClient[object]

TYPES = ["step.created", "step.status_changed", "steps.reordered", "knowledge.created", "knowledge.updated"]
ACTORS = ["user", "api", "ai:gpt-4.1", "ai:claude"]


async def create(client: Client, slug: str) -> dict[str, Any]:
    response = await client.post("/api/projects", json={"name": slug.title(), "slug": slug})
    assert response.status_code == 201, response.text
    project: dict[str, Any] = response.json()
    return project


async def log(db: Database, project_id: str, *events: tuple[str, str]) -> list[str]:
    """Record (type, actor) events for a project, one transaction each, as other features do; their times."""
    times = []
    for type, actor in events:
        async with db.transaction() as tx:
            await tx.record_event(type, actor=actor, project_id=project_id, entity_id=new_id("stp"), data={"n": 1})
            times.append(tx.created_at)
        await asyncio.sleep(0.002)  # times have millisecond resolution: keep each event's distinct
    return times


async def activity(client: Client, project: str, **params: object) -> dict[str, Any]:
    response = await client.get(f"/api/projects/{project}/activity", params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def test_activity_lists_a_projects_changes_newest_first(client: Client) -> None:
    project = await create(client, "alpha")
    await client.patch("/api/projects/alpha", json={"name": "A1"}, headers={"X-Contextstack-Actor": "ai:gpt-4.1"})
    await client.patch("/api/projects/alpha", json={"description": "d"}, headers={"X-Contextstack-Actor": "user"})
    await create(client, "other")
    page = await activity(client, "alpha")
    assert [(e["type"], e["actor"]) for e in page["items"]] == [
        ("project.updated", "user"),
        ("project.updated", "ai:gpt-4.1"),
        ("project.created", "api"),
    ]
    assert page["next_cursor"] is None
    newest = page["items"][0]
    assert newest["project_id"] == newest["entity_id"] == project["id"]
    assert newest["data"] == {"description": "d", "version": 3}
    assert set(newest) == {"id", "created_at", "project_id", "actor", "type", "entity_id", "data"}
    assert (await activity(client, project["id"])) == page


async def test_activity_pages_through_every_event_once(client: Client) -> None:
    await create(client, "alpha")
    for n in range(6):
        await client.patch("/api/projects/alpha", json={"name": f"A{n}"})
    seen: list[int] = []
    cursor = None
    while True:
        page = await activity(client, "alpha", limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [event["id"] for event in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen)) == 7


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "step.created"}, [("step.created", "user"), ("step.created", "ai:gpt-4.1")]),
        (
            {"type": "step."},
            [("step.status_changed", "ai:claude"), ("step.created", "user"), ("step.created", "ai:gpt-4.1")],
        ),
        ({"type": "knowledge.,steps.reordered"}, [("knowledge.updated", "user"), ("steps.reordered", "api")]),
        ({"actor": "user"}, [("knowledge.updated", "user"), ("step.created", "user")]),
        ({"actor": "ai:"}, [("step.status_changed", "ai:claude"), ("step.created", "ai:gpt-4.1")]),
        ({"actor": "ai:claude"}, [("step.status_changed", "ai:claude")]),
        ({"type": "step.", "actor": "user"}, [("step.created", "user")]),
        ({"type": "project.deleted"}, []),
    ],
)
async def test_activity_filters_by_type_or_prefix_and_by_actor(
    client: Client, db: Database, params: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    project = await create(client, "alpha")
    await log(
        db,
        project["id"],
        ("step.created", "ai:gpt-4.1"),
        ("steps.reordered", "api"),
        ("step.created", "user"),
        ("step.status_changed", "ai:claude"),
        ("knowledge.updated", "user"),
    )
    page = await activity(client, "alpha", **params)
    assert [(e["type"], e["actor"]) for e in page["items"]] == expected


async def test_activity_filters_by_time(client: Client, db: Database) -> None:
    project = await create(client, "alpha")
    times = await log(db, project["id"], *[("step.created", "api")] * 4)
    page = await activity(client, "alpha", type="step.", since=times[1], until=times[3])
    assert [e["created_at"] for e in page["items"]] == list(reversed(times[1:3]))
    everything = await activity(client, "alpha", since="2000-01-01", until="2999-01-01T00:00:00+02:00")
    assert len(everything["items"]) == 5


async def test_a_deleted_projects_activity_stays_readable_by_its_id(client: Client) -> None:
    project = await create(client, "alpha")
    await client.delete("/api/projects/alpha")
    page = await activity(client, project["id"])
    assert [e["type"] for e in page["items"]] == ["project.deleted", "project.created"]
    assert (await client.get("/api/projects/alpha/activity")).status_code == 404


async def test_activity_of_an_unknown_project_is_a_404(client: Client) -> None:
    response = await client.get("/api/projects/nope/activity")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "nope" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "query.limit"),
        ({"limit": 501}, "query.limit"),
        ({"cursor": "!!garbage"}, "query.cursor"),
        ({"type": "Step.Created"}, "query.type"),
        ({"type": "step..created"}, "query.type"),
        ({"type": ","}, "query.type"),
        ({"type": ",".join(["step."] * 21)}, "query.type"),
        ({"actor": "robot"}, "query.actor"),
        ({"since": "yesterday"}, "query.since"),
        ({"until": "2026-13-01"}, "query.until"),
        ({"until": "9999-12-31T23:00:00-05:00"}, "query.until"),
        ({"actor": "ai:gpt\n"}, "query.actor"),
    ],
)
async def test_bad_activity_parameters_are_a_400_naming_the_parameter(
    client: Client, params: dict[str, object], field: str
) -> None:
    await create(client, "alpha")
    response = await client.get("/api/projects/alpha/activity", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == [field]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    events=st.lists(st.tuples(st.sampled_from(TYPES), st.sampled_from(ACTORS)), max_size=25),
    types=st.none() | st.lists(st.sampled_from([*TYPES, "step.", "knowledge.", "steps."]), min_size=1, max_size=3),
    actor=st.none() | st.sampled_from([*ACTORS, "ai:"]),
    limit=st.integers(min_value=1, max_value=7),
)
async def test_paging_with_any_filter_yields_exactly_the_matching_events_newest_first(
    db: Database, events: list[tuple[str, str]], types: list[str] | None, actor: str | None, limit: int
) -> None:
    project_id = new_id("prj")
    await log(db, project_id, *events)

    def wanted(type: str, by: str) -> bool:
        type_ok = types is None or any(type == t or (t.endswith(".") and type.startswith(t)) for t in types)
        actor_ok = actor is None or by == actor or (actor == "ai:" and by.startswith("ai:"))
        return type_ok and actor_ok

    seen: list[tuple[str, str]] = []
    cursor = None
    while True:
        page = await service.list_activity(
            db, project_id, types=",".join(types) if types else None, actor=actor, cursor=cursor, limit=limit
        )
        assert len(page.items) <= limit
        seen += [(event.type, event.actor) for event in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [event for event in reversed(events) if wanted(*event)]
