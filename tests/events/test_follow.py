"""The broadcaster and `follow` over a real store: any event type, told after commit, bounded, resumable."""

from __future__ import annotations

import asyncio
import gc
import random
from collections.abc import AsyncIterator

import pytest

from contextstack.errors import BadRequest
from contextstack.events import service
from contextstack.events.broadcaster import Broadcaster
from contextstack.events.models import Event, EventFilter, Overflow
from contextstack.storage import Database

ALL = EventFilter()


@pytest.fixture
async def broadcaster(db: Database) -> AsyncIterator[Broadcaster]:
    """A broadcaster told of every commit to `db`, as the daemon wires it."""
    live = Broadcaster(capacity=50)
    db.on_commit(live.publish)
    yield live
    live.close()


async def change(db: Database, type: str, project_id: str | None = "prj_a", **data: object) -> int:
    async with db.transaction() as tx:
        event = await tx.record_event(type, actor="api", project_id=project_id, entity_id="x", data=data)
    return event.id


async def take(events: AsyncIterator[Event | Overflow | None], count: int) -> list[Event | Overflow | None]:
    async with asyncio.timeout(5):
        return [await anext(events) for _ in range(count)]


async def test_any_event_type_from_any_feature_is_streamed_after_its_commit(
    db: Database, broadcaster: Broadcaster
) -> None:
    events = service.follow(db, broadcaster, ALL, 0, keepalive=5)
    for type in ("step.status_changed", "knowledge.created", "checkpoint.restored"):
        await change(db, type, n=1)
    received = await take(events, 3)
    assert [(e.type, e.data) for e in received if isinstance(e, Event)] == [
        ("step.status_changed", {"n": 1}),
        ("knowledge.created", {"n": 1}),
        ("checkpoint.restored", {"n": 1}),
    ]
    await events.aclose()


async def test_a_rolled_back_change_is_never_published(db: Database, broadcaster: Broadcaster) -> None:
    subscription = broadcaster.subscribe(ALL)
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.record_event("step.created", actor="api", project_id="prj_a", entity_id="x")
            raise RuntimeError("the change fails after its event row was written")
    assert await subscription.next_events(max_wait=0.05) == []
    committed = await change(db, "step.created")
    assert [e.id for e in await subscription.next_events(max_wait=1)] == [committed]
    subscription.close()


async def test_filters_pick_a_project_and_exact_types_or_prefixes(db: Database, broadcaster: Broadcaster) -> None:
    wanted = service.event_filter("prj_a", "step.,knowledge.created", "query.types")
    events = service.follow(db, broadcaster, wanted, 0, keepalive=5)
    await change(db, "step.created", project_id="prj_b")
    await change(db, "steps.reordered")
    await change(db, "knowledge.updated")
    await change(db, "knowledge.created", project_id=None)
    first = await change(db, "step.created")
    second = await change(db, "knowledge.created")
    received = await take(events, 2)
    assert [e.id for e in received if isinstance(e, Event)] == [first, second]
    await events.aclose()


async def test_an_idle_follower_yields_none_for_each_keepalive(db: Database, broadcaster: Broadcaster) -> None:
    events = service.follow(db, broadcaster, ALL, 0, keepalive=0.05)
    assert await take(events, 2) == [None, None]
    await events.aclose()


async def test_replay_then_live_loses_and_repeats_nothing_whenever_a_reader_joins(
    db: Database, broadcaster: Broadcaster
) -> None:
    rng = random.Random(7)
    done = asyncio.Event()

    async def write() -> None:
        for n in range(1200):  # more than two replay pages
            await change(db, rng.choice(["step.created", "knowledge.updated"]), project_id=rng.choice(["a", "b"]), n=n)
            if n % 10 == 0:
                await asyncio.sleep(0)
        done.set()

    async def read(since: int, filter: EventFilter) -> list[int]:
        seen: list[int] = []
        events = service.follow(db, broadcaster, filter, since, keepalive=0.2)
        async for item in events:
            if item is None and done.is_set():
                break
            if isinstance(item, Event):
                seen.append(item.id)
        return seen

    writer = asyncio.create_task(write())
    readers = []
    for _ in range(8):
        await asyncio.sleep(rng.uniform(0, 0.05))
        head = await service.last_event_id(db)
        since = rng.randint(0, head)
        filter = rng.choice([ALL, EventFilter(project_id="a"), EventFilter(prefixes=("step.",))])
        readers.append((since, filter, asyncio.create_task(read(since, filter))))
    await writer
    rows = await db.fetchall("SELECT id, project_id, type FROM events ORDER BY id")
    stored = [Event(row[0], "", row[1], "api", row[2], "x", {}) for row in rows]
    assert len(stored) == 1200
    for since, filter, reader in readers:
        assert await reader == [event.id for event in stored if event.id > since and filter.matches(event)]


async def test_a_reader_that_falls_behind_gets_an_overflow_naming_its_last_event_and_is_dropped(
    db: Database, broadcaster: Broadcaster
) -> None:
    events = service.follow(db, broadcaster, ALL, 0, keepalive=5)
    first = await change(db, "step.created")
    assert [e.id for e in await take(events, 1) if isinstance(e, Event)] == [first]
    for n in range(broadcaster.capacity + 1):  # the reader takes none of these
        await change(db, "step.created", n=n)
    assert broadcaster.subscriber_count == 0
    (overflow,) = await take(events, 1)
    assert isinstance(overflow, Overflow)
    assert overflow.last_event_id == first
    with pytest.raises(StopAsyncIteration):
        await anext(events)


async def test_closing_the_broadcaster_ends_followers_after_what_they_were_sent(
    db: Database, broadcaster: Broadcaster
) -> None:
    events = service.follow(db, broadcaster, ALL, 0, keepalive=5)
    committed = await change(db, "step.created")
    broadcaster.close()
    assert [e.id for e in [item async for item in events] if isinstance(e, Event)] == [committed]
    late = service.follow(db, broadcaster, ALL, committed, keepalive=5)
    assert [item async for item in late] == []


async def test_a_follower_releases_its_subscription_when_closed_or_dropped_unstarted(
    db: Database, broadcaster: Broadcaster
) -> None:
    started = service.follow(db, broadcaster, ALL, 0, keepalive=5)
    await change(db, "step.created")
    await take(started, 1)
    never_started = service.follow(db, broadcaster, ALL, 0, keepalive=5)
    assert broadcaster.subscriber_count == 2
    await started.aclose()
    assert broadcaster.subscriber_count == 1
    del never_started
    gc.collect()
    assert broadcaster.subscriber_count == 0


async def test_resuming_from_an_id_the_store_never_gave_is_refused(db: Database) -> None:
    await change(db, "step.created")
    assert await service.resume_point(db, None, "query.since") == 1
    assert await service.resume_point(db, 0, "query.since") == 0
    with pytest.raises(BadRequest) as refused:
        await service.resume_point(db, 2, "header.Last-Event-ID")
    assert refused.value.errors is not None
    assert refused.value.errors[0].field == "header.Last-Event-ID"
