"""Events in commit order (issue 21): with several writers at once, a subscriber that keeps resuming with
Last-Event-ID misses no event and sees none twice, on one daemon and, on PostgreSQL, across two daemons that
share the database (each of whose own subscribers gets every event, whichever daemon made it)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest

from tests.conftest import Daemon, start_daemon, stop_daemon
from tests.events.test_stream import subscribe
from tests.fakes.sse import EventReader

pytestmark = pytest.mark.e2e

KEEPALIVE = 0.3
WRITERS = 4
CHANGES = 25  # per writer
HOP = 7  # events a resuming subscriber reads before it disconnects and resumes


def _started(tmp_path: Path) -> Daemon:
    return start_daemon(tmp_path, env={"CONTEXTSTACK_SSE_KEEPALIVE": str(KEEPALIVE)})


@pytest.fixture
def daemons(tmp_path: Path, backend: str) -> Iterator[list[Daemon]]:
    """One daemon; on PostgreSQL two, on the same database."""
    running = [_started(tmp_path)]
    try:
        if backend == "postgresql":
            running.append(_started(tmp_path))
        yield running
    finally:
        for daemon in running:
            stop_daemon(daemon)


async def _write(url: str, name: str) -> None:
    """One writer's changes: a project, then renames and steps, each a change (and an event) of its own."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        created = await http.post("/api/projects", json={"name": name})
        assert created.status_code == 201, created.text
        slug = created.json()["slug"]
        track = (await http.post(f"/api/projects/{slug}/tracks", json={"name": "T"})).json()
        phase = (await http.post(f"/api/tracks/{track['id']}/phases", json={"name": "P"})).json()
        for n in range(CHANGES - 3):
            if n % 2:
                response = await http.patch(f"/api/projects/{slug}", json={"name": f"{name} {n}"})
                assert response.status_code == 200, response.text
            else:
                response = await http.post(f"/api/phases/{phase['id']}/steps", json={"title": f"{name} {n}"})
                assert response.status_code == 201, response.text


async def _whole_log(url: str) -> list[int]:
    """Every event id in the log, replayed from the start until the stream goes quiet."""
    found: list[int] = []
    async with subscribe(url, params={"since": 0}) as stream:
        while (message := await stream.next(within=10)) is not None and not message.is_comment:
            found.append(int(message.id or 0))
    return found


async def _resuming(urls: list[str], last: asyncio.Future[int]) -> list[int]:
    """A subscriber that reads a few events, goes away, and comes back with Last-Event-ID, again and again,
    each time to the next daemon, until it has the last event the writers made."""
    seen: list[int] = []
    hop = 0
    while not (last.done() and seen and seen[-1] >= last.result()):
        headers = {"Last-Event-ID": str(seen[-1])} if seen else {}
        params: dict[str, str | int] = {} if seen else {"since": 0}
        async with subscribe(urls[hop % len(urls)], params=params, headers=headers) as stream:
            for _ in range(HOP):
                message = await stream.next(within=10)
                assert message is not None
                if message.is_comment:
                    break
                seen.append(int(message.id or 0))
        hop += 1
    return seen


async def _steady(stream: EventReader, last: asyncio.Future[int]) -> list[int]:
    """A subscriber that stays: every event it is sent, until it has the last event the writers made."""
    seen: list[int] = []
    while not (last.done() and seen and seen[-1] >= last.result()):
        message = await stream.next(within=10)
        assert message is not None
        if not message.is_comment:
            seen.append(int(message.id or 0))
    return seen


async def test_concurrent_writers_a_resuming_subscriber_misses_nothing(daemons: list[Daemon]) -> None:
    urls = [daemon.url for daemon in daemons]
    last: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    async with AsyncExitStack() as stack:
        # One subscriber that stays on each daemon, from before the first change.
        streams = [await stack.enter_async_context(subscribe(url)) for url in urls]
        steady = [asyncio.create_task(_steady(stream, last)) for stream in streams]
        resuming = asyncio.create_task(_resuming(urls, last))
        await asyncio.gather(*(_write(urls[n % len(urls)], f"Writer {n}") for n in range(WRITERS)))
        log = await _whole_log(urls[-1])
        last.set_result(log[-1])
        async with asyncio.timeout(60):
            hopped = await resuming
            stayed = await asyncio.gather(*steady)
    assert len(log) == WRITERS * CHANGES
    assert log == sorted(set(log))
    assert hopped == log, "the resuming subscriber missed events or saw some twice"
    for one in stayed:
        assert one == log, "a daemon's subscriber did not get every event in order"
