"""The PostgreSQL store itself: its schema version, its changes and their events, with several daemons on it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from contextstack.errors import Invalid, StoreError
from contextstack.storage import Event, Reader, Transaction
from contextstack.storage.migrations import latest_version
from contextstack.storage.postgres import MIGRATION_LOCK, PostgresDatabase

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def store(postgres_url: str) -> AsyncIterator[PostgresDatabase]:
    db = PostgresDatabase(postgres_url, readers=2)
    await db.open()
    yield db
    await db.close()


async def _add_project(tx: Transaction, name: str) -> Event:
    await tx.execute(
        "INSERT INTO projects (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        (f"prj_{name}", name, name, tx.created_at, tx.created_at),
    )
    return await tx.record_event("project.created", actor="test", project_id=f"prj_{name}", entity_id=f"prj_{name}")


async def test_a_new_database_gets_this_versions_schema(store: PostgresDatabase) -> None:
    assert store.schema_version == latest_version()
    assert store.dialect == "postgresql"


async def test_a_newer_schema_is_refused_and_left_as_it_was(postgres_url: str) -> None:
    db = PostgresDatabase(postgres_url)
    await db.open()
    await db.close()
    conn = await asyncpg.connect(postgres_url)
    try:
        await conn.execute("UPDATE schema_version SET version = $1", latest_version() + 1)
        with pytest.raises(StoreError, match="newer version"):
            await PostgresDatabase(postgres_url).open()
        assert await conn.fetchval("SELECT version FROM schema_version") == latest_version() + 1
    finally:
        await conn.close()


async def test_an_older_schema_is_refused_while_another_daemon_upgrades_it(postgres_url: str) -> None:
    db = PostgresDatabase(postgres_url)
    await db.open()
    await db.close()
    upgrading = await asyncpg.connect(postgres_url)
    try:
        await upgrading.execute("UPDATE schema_version SET version = $1", latest_version() - 1)
        await upgrading.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        with pytest.raises(StoreError, match="another daemon is upgrading"):
            await PostgresDatabase(postgres_url).open()
    finally:
        await upgrading.close()


async def test_the_password_never_appears_in_an_error(postgres_url: str) -> None:
    unreachable = "postgresql://someone:s3cret-pw@127.0.0.1:1/nothing?connect_timeout=2"
    with pytest.raises(StoreError) as refused:
        await PostgresDatabase(unreachable).open()
    assert "s3cret-pw" not in str(refused.value)
    assert "someone@127.0.0.1:1/nothing" in str(refused.value)


async def test_a_failing_change_rolls_back_alone(store: PostgresDatabase) -> None:
    async def fails() -> None:
        async with store.transaction() as tx:
            await _add_project(tx, "lost")
            raise RuntimeError("the action failed")

    async def succeeds(name: str) -> None:
        async with store.transaction() as tx:
            await _add_project(tx, name)

    results = await asyncio.gather(succeeds("one"), fails(), succeeds("two"), return_exceptions=True)
    assert isinstance(results[1], RuntimeError)
    rows = await store.fetchall("SELECT name FROM projects ORDER BY name")
    assert [row["name"] for row in rows] == ["one", "two"]


async def test_a_cancelled_change_leaves_nothing(store: PostgresDatabase) -> None:
    started = asyncio.Event()

    async def slow() -> None:
        async with store.transaction() as tx:
            await _add_project(tx, "cancelled")
            started.set()
            await asyncio.sleep(30)

    task = asyncio.create_task(slow())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await store.fetchall("SELECT name FROM projects") == []
    async with store.transaction() as tx:  # the store goes on
        await _add_project(tx, "after")
    assert [row["name"] for row in await store.fetchall("SELECT name FROM projects")] == ["after"]


async def test_reads_inside_a_change_see_the_store_before_it(store: PostgresDatabase) -> None:
    async with store.transaction() as tx:
        await _add_project(tx, "before")

    async def names(view: Reader) -> list[str]:
        return [row["name"] for row in await view.fetchall("SELECT name FROM projects ORDER BY name")]

    async with store.transaction() as tx:
        await _add_project(tx, "during")
        assert await tx.read_before(names) == ["before"]
        assert await store.read(names) == ["before"]
        assert [row["name"] for row in await tx.fetchall("SELECT name FROM projects ORDER BY name")] == [
            "before",
            "during",
        ]
    assert await store.read(names) == ["before", "during"]


async def test_every_daemon_hears_every_event_once_and_in_commit_order(postgres_url: str) -> None:
    daemons = [PostgresDatabase(postgres_url, readers=2) for _ in range(3)]
    await daemons[0].open()
    for daemon in daemons[1:]:
        await daemon.open()
    heard: list[list[int]] = [[] for _ in daemons]
    for daemon, ids in zip(daemons, heard, strict=True):
        daemon.on_commit(lambda events, ids=ids: ids.extend(event.id for event in events))
    try:

        async def write(n: int) -> None:
            daemon = daemons[n % len(daemons)]
            async with daemon.transaction() as tx:
                await _add_project(tx, f"p{n}")
                if n % 4 == 0:
                    await tx.record_events(
                        "project.touched", actor="test", changes=[(f"prj_p{n}", None, {"n": n}), (None, None, {})]
                    )

        await asyncio.gather(*(write(n) for n in range(60)))
        stored = [int(row["id"]) for row in await daemons[0].fetchall("SELECT id FROM events ORDER BY id")]
        assert len(stored) == 60 + 2 * 15
        for _ in range(100):  # the last NOTIFYs may still be on their way
            if all(len(ids) == len(stored) for ids in heard):
                break
            await asyncio.sleep(0.05)
        for ids in heard:
            assert ids == stored
    finally:
        for daemon in daemons:
            await daemon.close()


async def test_text_with_nul_is_the_clients_error_and_changes_nothing(store: PostgresDatabase) -> None:
    with pytest.raises(Invalid, match="U\\+0000"):
        async with store.transaction() as tx:
            await _add_project(tx, "kept")
            await _add_project(tx, "bad\x00name")
    assert await store.fetchall("SELECT name FROM projects") == []
