"""Group commit: changes that arrive together share one COMMIT, yet each stands or falls alone.

Every test runs against a real SQLite file (the `db` fixture); what is stored is read back on a reader thread,
so it is what was committed.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from contextstack.errors import StoreError
from contextstack.storage import Database, Event, SQLiteDatabase, Transaction
from contextstack.storage.database import MAX_BATCH

# About SQLite's group commit (PostgreSQL commits each change on its own).
pytestmark = pytest.mark.sqlite_only


async def _entities(db: Database) -> list[str]:
    return [row[0] for row in await db.fetchall("SELECT entity_id FROM events ORDER BY id")]


async def _change(db: Database, entity: str, *, fail: bool = False) -> None:
    async with db.transaction() as tx:
        await tx.record_event("thing.changed", actor="user", project_id=None, entity_id=entity)
        if fail:
            raise ValueError(f"{entity} failed")


async def test_changes_that_arrive_together_share_one_commit_and_all_are_stored(db: Database) -> None:
    commits: list[list[Event]] = []
    db.on_commit(commits.append)
    await asyncio.gather(*(_change(db, f"e{n}") for n in range(20)))
    assert [[event.entity_id for event in events] for events in commits] == [[f"e{n}" for n in range(20)]]
    assert await _entities(db) == [f"e{n}" for n in range(20)]


async def test_changes_that_arrive_during_a_commit_share_the_next_one(db: Database) -> None:
    commits: list[list[Event]] = []
    db.on_commit(commits.append)
    first = asyncio.create_task(_change(db, "first"))
    await asyncio.sleep(0)  # the first change runs to its end; its COMMIT is due
    others = [asyncio.create_task(_change(db, f"e{n}")) for n in range(10)]  # they start as that COMMIT does
    await asyncio.gather(first, *others)
    assert [[event.entity_id for event in events] for events in commits] == [
        ["first"],
        [f"e{n}" for n in range(10)],
    ]
    assert await _entities(db) == ["first", *(f"e{n}" for n in range(10))]


async def test_changes_waiting_for_one_that_holds_the_writer_join_its_commit(db: Database) -> None:
    commits: list[list[Event]] = []
    db.on_commit(commits.append)
    release = asyncio.Event()

    async def slow() -> None:
        async with db.transaction() as tx:
            await tx.record_event("thing.changed", actor="user", project_id=None, entity_id="slow")
            await release.wait()

    holder = asyncio.create_task(slow())
    await asyncio.sleep(0)
    waiting = [asyncio.create_task(_change(db, f"e{n}")) for n in range(5)]
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(holder, *waiting)
    assert [[event.entity_id for event in events] for events in commits] == [["slow", *(f"e{n}" for n in range(5))]]


async def test_a_batch_holds_at_most_max_batch_changes(db: Database) -> None:
    commits: list[list[Event]] = []
    db.on_commit(commits.append)
    count = MAX_BATCH * 2 + 5
    await asyncio.gather(*(_change(db, f"e{n}") for n in range(count)))
    assert [len(events) for events in commits] == [MAX_BATCH, MAX_BATCH, 5]
    assert await _entities(db) == [f"e{n}" for n in range(count)]


async def test_a_change_that_fails_is_rolled_back_alone_and_the_others_of_its_commit_are_kept(db: Database) -> None:
    heard: list[Event] = []
    db.on_commit(heard.extend)
    results = await asyncio.gather(
        _change(db, "before"), _change(db, "failing", fail=True), _change(db, "after"), return_exceptions=True
    )
    assert results[0] is None
    assert results[2] is None
    assert isinstance(results[1], ValueError)
    assert await _entities(db) == ["before", "after"]
    assert [event.entity_id for event in heard] == ["before", "after"]


async def test_a_failing_statement_caught_inside_a_change_leaves_the_rest_of_it(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.record_event("thing.changed", actor="user", project_id=None, entity_id="kept")
        with pytest.raises(sqlite3.OperationalError):
            await tx.execute("INSERT INTO no_such_table VALUES (1)")
    assert await _entities(db) == ["kept"]


async def test_nothing_is_answered_before_its_commit_and_every_answer_is_stored(db_path: Path) -> None:
    """Each change that returns is in the store as another connection reads it at that moment."""
    store = SQLiteDatabase(db_path, readers=2)
    await store.open()
    outside = sqlite3.connect(db_path)
    try:

        async def change_then_look(entity: str) -> int:
            await _change(store, entity)
            row = outside.execute("SELECT count(*) FROM events WHERE entity_id = ?", (entity,)).fetchone()
            return int(row[0])

        seen = await asyncio.gather(*(change_then_look(f"e{n}") for n in range(30)))
        assert seen == [1] * 30
    finally:
        outside.close()
        await store.close()


async def test_a_change_after_a_commit_starts_the_next_one(db: Database) -> None:
    await _change(db, "first")
    await _change(db, "second")
    assert await _entities(db) == ["first", "second"]


async def test_a_waiting_change_that_is_cancelled_leaves_the_others_to_go_on(db: Database) -> None:
    holding = asyncio.Event()
    release = asyncio.Event()

    async def slow() -> None:
        async with db.transaction() as tx:
            await tx.record_event("thing.changed", actor="user", project_id=None, entity_id="slow")
            holding.set()
            await release.wait()

    first = asyncio.create_task(slow())
    await holding.wait()
    cancelled = asyncio.create_task(_change(db, "cancelled"))
    after = asyncio.create_task(_change(db, "after"))
    await asyncio.sleep(0)
    cancelled.cancel()
    release.set()
    await asyncio.gather(first, after)
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert await _entities(db) == ["slow", "after"]


async def test_a_long_change_goes_on_on_the_writer_thread_and_is_stored_whole(db: Database) -> None:
    """A change's first statements run on the loop; once it has spent its budget there, the rest go to the thread."""
    db.writer_connection().create_function("thread_name", 0, lambda: threading.current_thread().name)
    rows = [("2026-01-01T00:00:00Z", None, "user", "bulk", f"e{n}", "{}") for n in range(20_000)]
    async with db.transaction() as tx:
        first = await tx.fetchone("SELECT thread_name()")
        for _ in range(3):
            await tx.executemany(
                "INSERT INTO events (created_at, project_id, actor, type, entity_id, data) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
        last = await tx.fetchone("SELECT thread_name(), count(*) FROM events WHERE type = 'bulk'")
    assert first is not None
    assert first[0] == threading.current_thread().name
    assert last is not None
    assert last[0].startswith("contextstack-write")
    assert last[1] == 60_000
    row = await db.fetchone("SELECT count(*) FROM events WHERE type = 'bulk'")
    assert row is not None
    assert row[0] == 60_000


@pytest.mark.parametrize("with_earlier_change", [False, True])
@pytest.mark.parametrize("how", ["read", "fetchall"])
async def test_a_hook_reads_the_store_as_it_was_just_before_its_change(
    db: Database, with_earlier_change: bool, how: str
) -> None:
    """What the hook reads includes earlier changes of the same commit, and none of its own change's statements."""
    seen: list[list[str]] = []

    async def hook(
        tx: Transaction, type: str, actor: str, project_id: str | None, data: dict[str, Any], ids: Sequence[str]
    ) -> None:
        if type != "thing.watched":
            return
        sql = "SELECT entity_id FROM events ORDER BY id"
        rows = await (db.read(lambda view: view.fetchall(sql)) if how == "read" else db.fetchall(sql))
        seen.append([row[0] for row in rows])

    async def watched_change() -> None:
        async with db.transaction() as tx:
            await tx.record_event("thing.changed", actor="user", project_id=None, entity_id="own")
            await tx.record_event("thing.watched", actor="user", project_id=None, entity_id="watched")

    db.before_change(hook)
    await _change(db, "committed")
    before = db.commits
    if with_earlier_change:
        release = asyncio.Event()

        async def earlier_change() -> None:
            async with db.transaction() as tx:
                await tx.record_event("thing.changed", actor="user", project_id=None, entity_id="earlier")
                await release.wait()  # the watched change queues meanwhile: it joins this one's batch

        earlier = asyncio.create_task(earlier_change())
        watched = asyncio.create_task(watched_change())
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(earlier, watched)
        assert db.commits - before == 1  # the two changes did share a commit
    else:
        await watched_change()
    earlier = ["earlier"] if with_earlier_change else []
    assert seen == [["committed", *earlier]]
    # The change's own statements ran again after the hook's read: all of it is stored, in order.
    assert await _entities(db) == ["committed", *earlier, "own", "watched"]


async def test_a_read_inside_a_later_change_of_a_batch_sees_the_earlier_ones(db: Database) -> None:
    """As when each change was its own transaction: a change that reads before writing sees all before it."""
    counts: list[int] = []

    async def count_then_change(entity: str) -> None:
        async with db.transaction() as tx:
            row = await db.fetchone("SELECT count(*) FROM events")
            assert row is not None
            counts.append(int(row[0]))
            await tx.record_event("thing.changed", actor="user", project_id=None, entity_id=entity)

    before = db.commits
    await asyncio.gather(*(count_then_change(f"e{n}") for n in range(10)))
    assert db.commits - before == 1  # the others queued while the first read: one batch
    assert counts == list(range(10))


async def test_a_read_after_the_change_ended_reads_the_store_as_committed(db: Database) -> None:
    """A task a change started and that outlives it reads what is committed, not a change long gone."""
    later: list[asyncio.Task[int]] = []
    go = asyncio.Event()

    async def count_later() -> int:
        await go.wait()
        row = await db.fetchone("SELECT count(*) FROM events")
        assert row is not None
        return int(row[0])

    async with db.transaction() as tx:
        await tx.record_event("thing.changed", actor="user", project_id=None, entity_id="one")
        later.append(asyncio.create_task(count_later()))
    await _change(db, "two")
    go.set()
    assert await later[0] == 2


async def test_changes_after_close_are_refused(db_path: Path) -> None:
    store = SQLiteDatabase(db_path, readers=1)
    await store.open()
    await _change(store, "before")
    await store.close()
    with pytest.raises(StoreError):
        await _change(store, "after")


async def test_a_change_cancelled_midway_is_rolled_back_alone_and_its_batch_commits(db: Database) -> None:
    """A client that goes away mid-change (its request cancelled): its statements go, the batch's others stay."""
    midway = asyncio.Event()

    async def abandoned() -> None:
        async with db.transaction() as tx:
            await tx.record_event("thing.changed", actor="user", project_id=None, entity_id="abandoned")
            midway.set()
            await asyncio.Event().wait()  # until cancelled

    first = asyncio.create_task(_change(db, "first"))
    await first
    holder = asyncio.create_task(abandoned())
    await midway.wait()
    queued = [asyncio.create_task(_change(db, f"e{n}")) for n in range(3)]
    await asyncio.sleep(0)
    holder.cancel()
    await asyncio.gather(*queued)
    with pytest.raises(asyncio.CancelledError):
        await holder
    assert await _entities(db) == ["first", "e0", "e1", "e2"]
