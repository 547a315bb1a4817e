"""GET /api/events against a real daemon process, read by a real SSE client: order, resume, filters, fan-out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import Daemon, start_daemon, stop_daemon
from tests.fakes.sse import EventReader, Message

pytestmark = pytest.mark.e2e

KEEPALIVE = 0.3


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    """A real daemon whose idle streams get a keep-alive every 0.3 s: a test can tell that nothing more is coming."""
    running = start_daemon(tmp_path, env={"CONTEXTSTACK_SSE_KEEPALIVE": str(KEEPALIVE)})
    yield running
    stop_daemon(running)


@asynccontextmanager
async def subscribe(
    url: str,
    *,
    params: dict[str, str | int] | None = None,
    headers: dict[str, str] | None = None,
    http: httpx.AsyncClient | None = None,
) -> AsyncIterator[EventReader]:
    """An open event stream; once this yields, the daemon has subscribed it."""
    async with (
        httpx.AsyncClient(base_url=url, timeout=10) if http is None else _borrowed(http) as client,
        client.stream("GET", "/api/events", params=params, headers=headers) as response,
    ):
        assert response.status_code == 200, await response.aread()
        yield EventReader(response)


@asynccontextmanager
async def _borrowed(http: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    yield http


class Api:
    """Changes made through the daemon's API, as a user would."""

    def __init__(self, url: str) -> None:
        self.http = httpx.AsyncClient(base_url=url, timeout=30)

    async def create(self, name: str, **body: object) -> dict[str, object]:
        response = await self.http.post("/api/projects", json={"name": name, **body})
        assert response.status_code == 201, response.text
        project: dict[str, object] = response.json()
        return project

    async def rename(self, project: object, name: str) -> None:
        response = await self.http.patch(f"/api/projects/{project}", json={"name": name})
        assert response.status_code == 200, response.text

    async def delete(self, project: object) -> None:
        assert (await self.http.delete(f"/api/projects/{project}")).status_code == 200

    async def newest_event_id(self, project: object) -> int:
        page = (await self.http.get(f"/api/projects/{project}/activity", params={"limit": 1})).json()
        newest: int = page["items"][0]["id"]
        return newest


@pytest.fixture
async def api(daemon: Daemon) -> AsyncIterator[Api]:
    client = Api(daemon.url)
    yield client
    await client.http.aclose()


def ids(messages: list[Message]) -> list[int]:
    return [int(message.id or 0) for message in messages]


async def assert_quiet(stream: EventReader) -> None:
    """Nothing more is coming: the next message is a keep-alive."""
    message = await stream.next(within=5)
    assert message is not None
    assert message.is_comment, message


async def test_subscribers_see_each_change_in_order_as_id_type_and_event(daemon: Daemon, api: Api) -> None:
    async with subscribe(daemon.url) as stream:
        project = await api.create("Alpha", slug="alpha")
        await api.rename("alpha", "Beta")
        await api.delete("alpha")
        created, updated, deleted = await stream.events(3)
    assert [m.event for m in (created, updated, deleted)] == ["project.created", "project.updated", "project.deleted"]
    assert ids([created, updated, deleted]) == [int(created.id or 0) + n for n in range(3)]
    for message in (created, updated, deleted):
        event = message.json()
        assert (str(event["id"]), event["type"]) == (message.id, message.event)
        assert (event["project_id"], event["entity_id"], event["actor"]) == (project["id"], project["id"], "api")
    assert created.json()["data"]["name"] == "Alpha"
    assert updated.json()["data"] == {"name": "Beta", "version": 2}


async def test_a_failed_change_is_never_announced(daemon: Daemon, api: Api) -> None:
    await api.create("Alpha", slug="alpha")
    async with subscribe(daemon.url) as stream:
        stale = await api.http.patch("/api/projects/alpha", json={"name": "X"}, headers={"If-Match": '"7"'})
        taken = await api.http.post("/api/projects", json={"name": "Again", "slug": "alpha"})
        assert (stale.status_code, taken.status_code) == (412, 409)
        await api.rename("alpha", "Beta")
        (message,) = await stream.events(1)
    assert message.json()["data"] == {"name": "Beta", "version": 2}


async def test_a_client_reconnecting_with_last_event_id_gets_exactly_what_it_missed(daemon: Daemon, api: Api) -> None:
    async with subscribe(daemon.url) as stream:
        await api.create("Alpha", slug="alpha")
        await api.rename("alpha", "A1")
        seen = await stream.events(2)
    for n in range(2, 5):
        await api.rename("alpha", f"A{n}")
    async with subscribe(daemon.url, headers={"Last-Event-ID": seen[-1].id or ""}) as stream:
        missed = await stream.events(3)
        await api.rename("alpha", "live")
        (live,) = await stream.events(1)
    assert [m.json()["data"]["name"] for m in missed] == ["A2", "A3", "A4"]
    assert ids([*seen, *missed, live]) == list(range(int(seen[0].id or 0), int(seen[0].id or 0) + 6))
    assert live.json()["data"]["name"] == "live"


async def test_since_replays_the_stored_events_then_follows_live_ones(daemon: Daemon, api: Api) -> None:
    await api.create("Alpha", slug="alpha")
    await api.rename("alpha", "A1")
    async with subscribe(daemon.url, params={"since": 0}) as stream:
        stored = await stream.events(2)
        await api.rename("alpha", "A2")
        (live,) = await stream.events(1)
    assert ids([*stored, live]) == [1, 2, 3]
    assert [m.event for m in stored] == ["project.created", "project.updated"]


async def test_last_event_id_wins_over_since(daemon: Daemon, api: Api) -> None:
    await api.create("Alpha", slug="alpha")
    for n in range(3):
        await api.rename("alpha", f"A{n}")
    async with subscribe(daemon.url, params={"since": 0}, headers={"Last-Event-ID": "3"}) as stream:
        (message,) = await stream.events(1)
    assert message.id == "4"


async def test_a_stream_without_since_starts_with_the_next_change(daemon: Daemon, api: Api) -> None:
    await api.create("Old", slug="old")
    async with subscribe(daemon.url) as stream:
        await api.rename("old", "New")
        (message,) = await stream.events(1)
    assert message.json()["data"]["name"] == "New"


async def test_a_project_filter_by_id_or_slug_shows_only_that_projects_events(daemon: Daemon, api: Api) -> None:
    alpha = await api.create("Alpha", slug="alpha")
    await api.create("Beta", slug="beta")
    async with (
        subscribe(daemon.url, params={"project": "alpha"}) as by_slug,
        subscribe(daemon.url, params={"project": str(alpha["id"])}) as by_id,
    ):
        await api.rename("beta", "B1")
        await api.rename("alpha", "A1")
        await api.rename("beta", "B2")
        await api.delete("alpha")
        for stream in (by_slug, by_id):
            updated, deleted = await stream.events(2)
            assert (updated.json()["data"]["name"], deleted.event) == ("A1", "project.deleted")
            assert {m.json()["project_id"] for m in (updated, deleted)} == {alpha["id"]}
            await assert_quiet(stream)
    # A deleted project's events can still be followed, and replayed, by its id.
    async with subscribe(daemon.url, params={"project": str(alpha["id"]), "since": 0}) as stream:
        assert [m.event for m in await stream.events(3)] == ["project.created", "project.updated", "project.deleted"]


async def test_plan_and_status_changes_stream_like_any_other(daemon: Daemon, api: Api) -> None:
    await api.create("Alpha", slug="alpha")
    async with subscribe(daemon.url, params={"project": "alpha", "types": "step."}) as steps:
        track = (await api.http.post("/api/projects/alpha/tracks", json={"name": "T"})).json()
        phase = (await api.http.post(f"/api/tracks/{track['id']}/phases", json={"name": "P"})).json()
        step = (await api.http.post(f"/api/phases/{phase['id']}/steps", json={"title": "S"})).json()
        started = await api.http.post(f"/api/steps/{step['id']}/status", json={"status": "in_progress"})
        assert started.status_code == 200, started.text
        created, changed = await steps.events(2)
        await assert_quiet(steps)
    assert (created.event, changed.event) == ("step.created", "step.status_changed")
    assert {created.json()["entity_id"], changed.json()["entity_id"]} == {step["id"]}


@pytest.mark.parametrize(
    ("types", "expected"),
    [
        ("project.updated", ["project.updated", "project.updated"]),
        ("project.created,project.deleted", ["project.created", "project.deleted"]),
        ("project.", ["project.created", "project.updated", "project.updated", "project.deleted"]),
        ("step.,project.deleted", ["project.deleted"]),
        ("step.,knowledge.created", []),
    ],
)
async def test_a_type_filter_takes_exact_types_and_prefixes(
    daemon: Daemon, api: Api, types: str, expected: list[str]
) -> None:
    async with subscribe(daemon.url, params={"types": types}) as stream:
        await api.create("Alpha", slug="alpha")
        await api.rename("alpha", "A1")
        await api.rename("alpha", "A2")
        await api.delete("alpha")
        # Every event is queued for its subscribers before the change's response is sent.
        assert [m.event for m in await stream.events(len(expected))] == expected
        await assert_quiet(stream)


async def test_fifty_concurrent_subscribers_all_see_every_event(daemon: Daemon, api: Api) -> None:
    changes = 20
    limits = httpx.Limits(max_connections=60, max_keepalive_connections=60)
    async with httpx.AsyncClient(base_url=daemon.url, timeout=30, limits=limits) as http, AsyncExitStack() as streams:
        readers = [await streams.enter_async_context(subscribe(daemon.url, http=http)) for _ in range(50)]
        received = asyncio.gather(*(reader.events(changes, within=30) for reader in readers))
        await api.create("Alpha", slug="alpha")
        for n in range(changes - 2):
            await api.rename("alpha", f"A{n}")
        await api.delete("alpha")
        everyone = await received
    assert len(everyone) == 50
    assert all(ids(messages) == list(range(1, changes + 1)) for messages in everyone)
    assert all(messages[-1].event == "project.deleted" for messages in everyone)


async def test_no_event_is_lost_or_repeated_at_the_seam_between_replay_and_live(daemon: Daemon, api: Api) -> None:
    await api.create("Alpha", slug="alpha")
    stop = asyncio.Event()

    async def keep_renaming() -> None:
        n = 0
        while not stop.is_set():
            await api.rename("alpha", f"N{n}")
            n += 1

    writer = asyncio.create_task(keep_renaming())
    try:
        for _ in range(15):
            # Two stored events to replay, then live ones, while changes keep committing.
            since = max(0, await api.newest_event_id("alpha") - 2)
            async with subscribe(daemon.url, params={"since": since}) as stream:
                assert ids(await stream.events(6)) == list(range(since + 1, since + 7))
    finally:
        stop.set()
        await writer
    newest = await api.newest_event_id("alpha")
    async with subscribe(daemon.url, params={"since": 0}) as stream:
        assert ids(await stream.events(newest)) == list(range(1, newest + 1))
        await assert_quiet(stream)


async def test_idle_streams_get_keepalive_comments_at_a_steady_interval(daemon: Daemon) -> None:
    async with subscribe(daemon.url) as stream:
        started = time.monotonic()
        comments = [await stream.next(within=5) for _ in range(3)]
        elapsed = time.monotonic() - started
    assert all(m is not None and m.is_comment and m.comments == ["keep-alive"] for m in comments)
    assert elapsed >= 2.5 * KEEPALIVE


async def test_a_subscriber_that_falls_behind_is_told_and_disconnected_while_writers_carry_on(tmp_path: Path) -> None:
    running = start_daemon(tmp_path, env={"CONTEXTSTACK_SSE_QUEUE_SIZE": "8"})
    api = Api(running.url)
    try:
        project = await api.create("Alpha", slug="alpha")
        async with subscribe(running.url) as slow, subscribe(running.url) as fast:
            # `slow` reads nothing while 10 MB of events are written: once the sockets' buffers (a few MB)
            # are full, the daemon cannot send it more, and its queue of 8 overflows.
            big = "x" * 50_000
            writes = 200
            everything = asyncio.create_task(fast.events(writes, within=60))
            async with asyncio.timeout(60):
                for n in range(writes):
                    await api.http.patch("/api/projects/alpha", json={"instructions": f"{n}{big}"})
            newest = await api.newest_event_id("alpha")
            assert ids(await everything) == list(range(newest - writes + 1, newest + 1))

            received: list[Message] = []
            while (message := await slow.next(within=30)) is not None:
                if not message.is_comment:
                    received.append(message)
            overflow = received.pop()
        assert overflow.event == "overflow"
        assert overflow.id is None
        notice = overflow.json()
        assert notice["last_event_id"] == (int(received[-1].id or 0) if received else newest - writes)
        assert "Last-Event-ID" in notice["detail"]
        assert len(received) < writes
        assert ids(received) == list(range(newest - writes + 1, newest - writes + 1 + len(received)))

        async with subscribe(running.url, headers={"Last-Event-ID": str(notice["last_event_id"])}) as resumed:
            rest = await resumed.events(newest - notice["last_event_id"], within=30)
        assert ids(rest) == list(range(notice["last_event_id"] + 1, newest + 1))
        assert project["id"] == rest[-1].json()["project_id"]
    finally:
        await api.http.aclose()
        stop_daemon(running)


def test_sigterm_with_an_open_stream_stops_the_daemon_promptly(tmp_path: Path) -> None:
    running = start_daemon(tmp_path)
    with httpx.Client(base_url=running.url, timeout=10) as http, http.stream("GET", "/api/events") as response:
        assert response.status_code == 200
        started = time.monotonic()
        running.process.terminate()
        body = b"".join(response.iter_bytes())  # the daemon ends the stream cleanly
        running.process.wait(timeout=5)
        elapsed = time.monotonic() - started
    assert body == b""
    assert elapsed < 5, f"the daemon took {elapsed:.1f} s to stop"
    output = running.output()
    assert "Application shutdown complete" in output
    assert "timeout graceful shutdown exceeded" not in output
