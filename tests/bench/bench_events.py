"""Benchmark: how long a committed change takes to reach every live SSE subscriber of a real daemon.

    /work/venv/bin/python tests/bench/bench_events.py [--events 300] [--subscribers 1,10,100] [--log 300000]

One writer changes a project through the API (PATCH, one event each) and waits until every subscriber
has the event before the next change, so each figure is the latency of an unloaded daemon. The
subscribers are plain sockets reading `/api/events` in this process (uvloop), which note the moment an
event's `id:` line arrives. The commit happens inside the PATCH round trip and subscribers are told
synchronously right after it, so "sent → delivered" bounds commit → delivery from above; the round trip
itself is printed beside it. A second run writes as fast as one client can, to show what fan-out costs
writers. Prints figures; asserts nothing about timings.

Then the activity query (the service, in process) over a log of `--log` events, 60 % of them in one
project, with rare and common types and actors: one page of 50, newest first, per filter.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import random
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "server")]

import httpx  # noqa: E402
import uvloop  # noqa: E402

from contextstack.events import service  # noqa: E402
from contextstack.storage import SQLiteDatabase  # noqa: E402
from tests.conftest import start_daemon, stop_daemon  # noqa: E402

_ID = re.compile(rb"(?:^|\n)id: (\d+)\r\n")


class Subscriber:
    """One `GET /api/events` over a raw socket: records when each event id arrives."""

    def __init__(self, port: int, arrivals: dict[int, list[float]], everyone: int, ready: dict[int, asyncio.Event]):
        self.port = port
        self.arrivals = arrivals
        self.everyone = everyone
        self.ready = ready

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head

    async def read(self) -> None:
        tail = b""
        while data := await self.reader.read(1 << 16):
            now = time.perf_counter()
            buffer = tail + data
            cut = buffer.rfind(b"\n") + 1
            for match in _ID.finditer(buffer, 0, cut):
                event_id = int(match.group(1))
                times = self.arrivals.setdefault(event_id, [])
                times.append(now)
                if len(times) == self.everyone and event_id in self.ready:
                    self.ready[event_id].set()
            tail = buffer[cut:]

    def close(self) -> None:
        self.writer.close()


class Writer:
    """One keep-alive connection that renames a project: PATCH /api/projects/{slug}."""

    def __init__(self, port: int, slug: str) -> None:
        self.port = port
        self.slug = slug

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def rename(self, name: str) -> None:
        body = f'{{"name": "{name}"}}'.encode()
        self.writer.write(
            f"PATCH /api/projects/{self.slug} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
        await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(values: list[float]) -> str:
    return f"p50 {percentile(values, 50) * 1000:6.2f} ms   p99 {percentile(values, 99) * 1000:6.2f} ms"


async def newest_event_id(url: str) -> int:
    async with httpx.AsyncClient(base_url=url) as http:
        page = (await http.get("/api/projects/bench/activity", params={"limit": 1})).json()
    return int(page["items"][0]["id"])


async def run(url: str, subscribers: int, events: int) -> None:
    port = int(url.rsplit(":", 1)[1])
    arrivals: dict[int, list[float]] = {}
    ready: dict[int, asyncio.Event] = {}
    readers = [Subscriber(port, arrivals, subscribers, ready) for _ in range(subscribers)]
    for reader in readers:
        await reader.open()
    reading = [asyncio.create_task(reader.read()) for reader in readers]
    writer = Writer(port, "bench")
    await writer.open()
    head = await newest_event_id(url)

    # Latency: one change at a time, each waited for by every subscriber.
    sent: dict[int, float] = {}
    round_trips: list[float] = []
    for n in range(events):
        event_id = head + n + 1
        ready[event_id] = asyncio.Event()
        sent[event_id] = time.perf_counter()
        await writer.rename(f"L{n}")
        round_trips.append(time.perf_counter() - sent[event_id])
        async with asyncio.timeout(30):
            await ready[event_id].wait()
    each = [t - sent[i] for i, s in sent.items() for t in arrivals[i]]
    slowest = [max(arrivals[i]) - s for i, s in sent.items()]

    # Throughput: changes as fast as one client can make them, then wait for the stragglers.
    head += events
    started = time.perf_counter()
    for n in range(events):
        await writer.rename(f"T{n}")
    written = time.perf_counter() - started
    last = head + events
    ready[last] = asyncio.Event()
    if len(arrivals.get(last, [])) < subscribers:
        async with asyncio.timeout(60):
            await ready[last].wait()
    delivered = max(arrivals[last]) - started

    print(f"\n{subscribers} subscriber(s), {events} changes")
    print(f"  PATCH round trip                  {ms(round_trips)}")
    print(f"  sent -> delivered, each           {ms(each)}")
    print(f"  sent -> delivered to all          {ms(slowest)}")
    print(f"  back-to-back: {events / written:7.0f} changes/s written, all delivered after {delivered * 1000:.0f} ms")
    writer.close()
    for reader in readers:
        reader.close()
    for task in reading:
        task.cancel()


async def activity_queries(path: Path, size: int) -> None:
    db = SQLiteDatabase(path, readers=1)
    await db.open()
    rng = random.Random(1)
    rows = []
    for _ in range(size):
        project = "prj_big" if rng.random() < 0.6 else f"prj_{rng.randint(0, 50)}"
        r = rng.random()
        kind = "checkpoint.restored" if r < 0.001 else "step.created" if r < 0.4 else "step.status_changed"
        kind = "knowledge.updated" if r > 0.8 else kind
        r = rng.random()
        actor = "ai:rare" if r < 0.0005 else "api" if r < 0.6 else "user" if r < 0.9 else "ai:gpt-4.1"
        rows.append(("2026-01-01T00:00:00.000Z", project, actor, kind, "stp_x", '{"status": "done"}'))
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO events (created_at, project_id, actor, type, entity_id, data) VALUES (?, ?, ?, ?, ?, ?)", rows
        )
    print(f"\nactivity of a project with {sum(r[1] == 'prj_big' for r in rows)} of {size} events, one page of 50")
    filters: list[dict[str, str]] = [
        {},
        {"types": "checkpoint.restored"},
        {"types": "knowledge."},
        {"actor": "ai:rare"},
        {"actor": "ai:"},
        {"types": "step.", "actor": "user"},
    ]
    for filter in filters:
        times = []
        for _ in range(20):
            started = time.perf_counter()
            await service.list_activity(db, "prj_big", **filter)
            times.append(time.perf_counter() - started)
        print(f"  {str(filter) if filter else 'no filter':40} {ms(times)}")
    await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300, help="changes per run (default 300)")
    parser.add_argument("--subscribers", default="1,10,100", help="comma-separated subscriber counts")
    parser.add_argument("--log", type=int, default=300_000, help="events in the activity store (default 300000)")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {platform.processor() or ''}, Python {platform.python_version()}")
    print(f"SQLite {sqlite3.sqlite_version}; daemon and clients share the machine")
    with tempfile.TemporaryDirectory() as tmp:
        daemon = start_daemon(Path(tmp), env={"CONTEXTSTACK_LOG_LEVEL": "warning"})
        try:
            httpx.post(daemon.url + "/api/projects", json={"name": "Bench", "slug": "bench"}).raise_for_status()
            for count in (int(n) for n in args.subscribers.split(",")):
                uvloop.run(run(daemon.url, count, args.events))
        finally:
            stop_daemon(daemon)
        uvloop.run(activity_queries(Path(tmp) / "activity.db", args.log))


if __name__ == "__main__":
    main()
