"""Migrations: a fresh store, an upgrade, a refused newer store, and a failing migration rolled back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from contextstack.errors import StoreError
from contextstack.storage import Database, SQLiteDatabase
from contextstack.storage.migrations import Migration, available_migrations, latest_version, migrate

# About SQLite's migrations (PostgreSQL's have their own tests).
pytestmark = pytest.mark.sqlite_only


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


async def test_fresh_store_gets_every_migration(db: Database, db_path: Path) -> None:
    assert db.schema_version == latest_version() >= 1
    assert user_version(db_path) == latest_version()
    assert "events" in tables(db_path)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_reopening_an_up_to_date_store_changes_nothing(db_path: Path) -> None:
    first = SQLiteDatabase(db_path)
    await first.open()
    await first.close()
    second = SQLiteDatabase(db_path)
    await second.open()
    await second.close()
    assert user_version(db_path) == latest_version()


async def test_an_older_store_is_upgraded_in_order(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="contextstack.storage")
    path = tmp_path / "old.db"
    shipped = available_migrations()
    extra = Migration(len(shipped) + 1, f"{len(shipped) + 1:04d}_notes.sql", "CREATE TABLE notes (body TEXT);")
    async with aiosqlite.connect(path) as conn:
        assert await migrate(conn, str(path), shipped[:1]) == (0, 1)
    assert user_version(path) == 1
    async with aiosqlite.connect(path) as conn:
        assert await migrate(conn, str(path), [*shipped, extra]) == (1, len(shipped) + 1)
    assert user_version(path) == len(shipped) + 1
    assert "notes" in tables(path)
    steps = [record.getMessage() for record in caplog.records if record.getMessage().startswith("store upgrade")]
    assert steps[0] == f"store upgrade 1/{len(shipped)}: {shipped[1].name}"
    assert steps[-1] == f"store upgrade {len(shipped)}/{len(shipped)}: {extra.name}"


async def test_a_failing_migration_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "fail.db"
    shipped = available_migrations()
    broken = Migration(
        len(shipped) + 1,
        f"{len(shipped) + 1:04d}_broken.sql",
        "CREATE TABLE half (x TEXT); INSERT INTO no_such_table VALUES (1);",
    )
    async with aiosqlite.connect(path) as conn:
        await migrate(conn, str(path), shipped)
        with pytest.raises(StoreError, match="rolled back"):
            await migrate(conn, str(path), [*shipped, broken])
    assert user_version(path) == len(shipped)
    assert "half" not in tables(path)


async def test_a_store_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE future (x TEXT)")
        conn.execute(f"PRAGMA user_version = {latest_version() + 5}")
    before = path.read_bytes()
    store = SQLiteDatabase(path)
    with pytest.raises(StoreError, match="newer version"):
        await store.open()
    assert path.read_bytes() == before
    assert not Path(str(path) + "-wal").exists()


async def test_events_are_told_only_after_commit(db: Database) -> None:
    heard: list[list[str]] = []
    db.on_commit(lambda events: heard.append([e.type for e in events]))
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.record_event("thing.created", actor="api", project_id=None, entity_id="x")
            assert heard == []
            raise RuntimeError("the action failed")
    assert heard == []
    count = await db.fetchone("SELECT count(*) FROM events")
    assert count is not None
    assert count[0] == 0
    async with db.transaction() as tx:
        await tx.record_event("thing.created", actor="api", project_id=None, entity_id="x")
        assert heard == []
    assert heard == [["thing.created"]]
    row = await db.fetchone("SELECT type, actor FROM events")
    assert row is not None
    assert tuple(row) == ("thing.created", "api")


async def test_readers_cannot_write(db: Database) -> None:
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await db.read(
            lambda view: view.fetchall("INSERT INTO events (created_at, actor, type) VALUES ('t', 'api', 'x')")
        )
    assert await db.fetchall("SELECT * FROM events") == []
