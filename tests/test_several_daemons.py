"""Several daemons on one PostgreSQL database (issue 21): what one changes, the other's caches drop and its
assembled contexts show; two writing the same step at once, one wins and the other is told (412), nothing
half-written; moves through both keep every parent's positions 0..n-1.

PostgreSQL only: a SQLite store is one daemon's (its lock refuses a second).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Daemon, start_daemon, stop_daemon
from tests.events.test_stream import subscribe

pytestmark = pytest.mark.e2e

ROUNDS = 8


@pytest.fixture
def pair(tmp_path: Path, backend: str) -> Iterator[tuple[Daemon, Daemon]]:
    """Two daemons on the same PostgreSQL database."""
    if backend != "postgresql":
        pytest.skip("several daemons share a store on PostgreSQL only (run with --backend postgresql)")
    first = start_daemon(tmp_path)
    try:
        second = start_daemon(tmp_path)
    except BaseException:
        stop_daemon(first)
        raise
    yield first, second
    stop_daemon(second)
    stop_daemon(first)


@pytest.fixture
async def clients(pair: tuple[Daemon, Daemon]) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    async with (
        httpx.AsyncClient(base_url=pair[0].url, timeout=30) as a,
        httpx.AsyncClient(base_url=pair[1].url, timeout=30) as b,
    ):
        yield a, b


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def _plan(http: httpx.AsyncClient, steps: int) -> tuple[str, str, list[dict[str, Any]]]:
    """A project `alpha` with one track, one phase and `steps` steps: (project id, phase id, steps)."""
    project = await _ok(await http.post("/api/projects", json={"name": "Alpha", "slug": "alpha"}), 201)
    track = await _ok(await http.post("/api/projects/alpha/tracks", json={"name": "Track"}), 201)
    phase = await _ok(await http.post(f"/api/tracks/{track['id']}/phases", json={"name": "Phase"}), 201)
    made = [
        await _ok(await http.post(f"/api/phases/{phase['id']}/steps", json={"title": f"Step {n}"}), 201)
        for n in range(steps)
    ]
    return project["id"], phase["id"], made


async def _context(http: httpx.AsyncClient) -> str:
    response = await http.get("/api/projects/alpha/context", params={"format": "markdown"})
    assert response.status_code == 200, response.text
    return response.text


async def test_both_daemons_answer_on_one_store(clients: tuple[httpx.AsyncClient, httpx.AsyncClient]) -> None:
    a, b = clients
    project, _, steps = await _plan(a, 2)
    assert (await _ok(await b.get("/api/projects/alpha")))["id"] == project
    plan = await _ok(await b.get("/api/projects/alpha/plan"))
    assert [step["id"] for step in plan["tracks"][0]["phases"][0]["steps"]] == [step["id"] for step in steps]
    health = [await _ok(await http.get("/health")) for http in clients]
    assert health[0]["database"] == health[1]["database"]
    assert health[0]["database"].startswith("postgresql://")


async def test_a_change_through_one_daemon_is_in_the_others_context_once_it_has_heard_of_it(
    pair: tuple[Daemon, Daemon], clients: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    a, b = clients
    _, _, steps = await _plan(a, 3)
    changes: list[tuple[str, Any, str]] = [
        (
            "project.updated",
            lambda: a.patch("/api/projects/alpha", json={"instructions": "Always write tests first."}),
            "Always write tests first.",
        ),
        (
            "step.status_changed",
            lambda: a.post(
                f"/api/steps/{steps[1]['id']}/status", json={"status": "blocked", "reason": "waiting on the vendor"}
            ),
            "waiting on the vendor",
        ),
        (
            "step.updated",
            lambda: a.patch(f"/api/steps/{steps[1]['id']}", json={"title": "Renamed by the first"}),
            "Renamed by the first",
        ),
        (
            "knowledge.created",
            lambda: a.post(
                "/api/knowledge",
                json={
                    "project": "alpha",
                    "kind": "decision",
                    "title": "Use PostgreSQL",
                    "body": "Shared.",
                    "pinned": True,
                },
            ),
            "Use PostgreSQL",
        ),
    ]
    async with subscribe(pair[1].url, params={"project": "alpha"}) as heard:
        for event_type, change, shown in changes:
            before = await _context(b)  # cached by the second daemon from now on
            assert shown not in before
            response = await change()
            assert response.status_code in (200, 201), response.text
            (message,) = await heard.events(1)
            assert message.event == event_type
            # The second daemon handed the event to its commit listeners, the context cache among them, before
            # its stream sent it: its next context shows the change.
            assert shown in await _context(b)
            assert shown in await _context(a)
    status = await _ok(await b.get("/api/projects/alpha/status"))
    assert [step["title"] for step in status["blocked"]] == ["Renamed by the first"]


async def test_two_daemons_writing_one_step_at_once_one_wins_and_the_other_gets_412(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, b = clients
    _, _, (step,) = await _plan(a, 1)
    version = step["version"]
    winners: list[str] = []

    async def edit(http: httpx.AsyncClient, who: str, n: int, tag: str) -> httpx.Response:
        body = {"title": f"{who} {n}", "description": f"by {who} in round {n}", "acceptance_criteria": [who]}
        return await http.patch(f"/api/steps/{step['id']}", json=body, headers={"If-Match": tag})

    for n in range(ROUNDS):
        tag = f'"{version}"'
        first, second = await asyncio.gather(edit(a, "first", n, tag), edit(b, "second", n, tag))
        statuses = sorted([first.status_code, second.status_code])
        assert statuses in ([200, 409], [200, 412]), (first.text, second.text)
        won = first if first.status_code == 200 else second
        winner = "first" if won is first else "second"
        winners.append(winner)
        lost = second if won is first else first
        assert lost.headers["content-type"].startswith("application/problem+json")
        version += 1
        # Nothing of the loser's change was written: every field is the winner's, at the version it was given.
        for http in clients:
            now = await _ok(await http.get(f"/api/steps/{step['id']}"))
            assert (now["title"], now["description"], now["acceptance_criteria"], now["version"]) == (
                f"{winner} {n}",
                f"by {winner} in round {n}",
                [winner],
                version,
            )
    activity = await _ok(await b.get("/api/projects/alpha/activity", params={"type": "step.updated", "limit": 100}))
    assert len(activity["items"]) == ROUNDS
    assert [item["data"]["title"] for item in reversed(activity["items"])] == [
        f"{who} {n}" for n, who in enumerate(winners)
    ]


async def test_two_daemons_changing_one_steps_status_at_once_one_wins(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, b = clients
    _, _, (step,) = await _plan(a, 1)
    started, blocked = await asyncio.gather(
        a.post(f"/api/steps/{step['id']}/status", json={"status": "in_progress"}, headers={"If-Match": '"1"'}),
        b.post(
            f"/api/steps/{step['id']}/status",
            json={"status": "blocked", "reason": "waiting"},
            headers={"If-Match": '"1"'},
        ),
    )
    assert sorted([started.status_code, blocked.status_code]) in ([200, 409], [200, 412])
    now = await _ok(await b.get(f"/api/steps/{step['id']}"))
    assert now["version"] == 2
    if started.status_code == 200:
        assert (now["status"], now["blocked_reason"]) == ("in_progress", None)
    else:
        assert (now["status"], now["blocked_reason"]) == ("blocked", "waiting")


async def test_moves_through_both_daemons_at_once_keep_positions_whole(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient],
) -> None:
    a, b = clients
    _, phase, steps = await _plan(a, 6)
    ids = [step["id"] for step in steps]

    async def shuffle(http: httpx.AsyncClient, mover: str, positions: list[int]) -> None:
        for position in positions:
            await _ok(await http.post(f"/api/steps/{mover}/move", json={"position": position}))

    await asyncio.gather(shuffle(a, ids[0], [5, 2, 4, 0, 3] * 2), shuffle(b, ids[5], [0, 3, 1, 5, 2] * 2))
    listed = await _ok(await b.get(f"/api/phases/{phase}/steps", params={"limit": 100}))
    assert [step["position"] for step in listed["items"]] == list(range(6))
    assert sorted(step["id"] for step in listed["items"]) == sorted(ids)


async def test_an_ai_burst_through_both_daemons_is_one_burst_and_one_undo_reverts_all_of_it(
    pair: tuple[Daemon, Daemon], clients: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    a, b = clients
    _, phase, steps = await _plan(a, 2)
    ai = {"X-Contextstack-Actor": "ai:agent"}
    async with subscribe(pair[1].url, params={"project": "alpha"}) as heard_by_b:
        await _ok(await a.patch(f"/api/steps/{steps[0]['id']}", json={"title": "AI through the first"}, headers=ai))
        await heard_by_b.events(1)
        await _ok(await b.patch(f"/api/steps/{steps[1]['id']}", json={"title": "AI through the second"}, headers=ai))
        await _ok(await b.post(f"/api/phases/{phase}/steps", json={"title": "Added by the AI"}, headers=ai), 201)
    checkpoints = await _ok(await b.get("/api/projects/alpha/checkpoints", params={"trigger": "ai_burst"}))
    assert len(checkpoints["items"]) == 1, "the burst went on through the second daemon: one checkpoint before it"
    undone = await _ok(await b.post("/api/projects/alpha/undo", json={}))
    assert undone["undone"] == checkpoints["items"][0]["id"]
    listed = await _ok(await a.get(f"/api/phases/{phase}/steps", params={"limit": 100}))
    assert [step["title"] for step in listed["items"]] == ["Step 0", "Step 1"]
