"""The store: one writer connection for every change, a small pool of read-only connections for queries.

In WAL mode readers never wait behind the writer. Every user action is one write transaction; the events
it records are handed to the commit listeners only after COMMIT succeeds, so an event seen is an event
stored.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import msgspec

from contextstack.clock import now
from contextstack.errors import StoreError
from contextstack.storage.migrations import migrate, refuse_newer_schema, schema_version

log = logging.getLogger("contextstack.storage")

Params = Sequence[Any] | dict[str, Any]


class Event(msgspec.Struct, frozen=True):
    """One committed change, as stored in the event log."""

    id: int
    created_at: str
    project_id: str | None
    actor: str
    type: str
    entity_id: str | None
    data: dict[str, Any]


CommitListener = Callable[[list[Event]], None]

_encode_json = msgspec.json.Encoder().encode


async def _connect(path: str, *, read_only: bool) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    await conn.execute("PRAGMA busy_timeout = 5000")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA synchronous = FULL")
    if read_only:
        await conn.execute("PRAGMA query_only = ON")
    return conn


def first_row(rows: Iterable[sqlite3.Row]) -> sqlite3.Row | None:
    """The first of `rows`; fetchone is for queries that answer one row, so all are fetched in one round trip."""
    return next(iter(rows), None)


class Transaction:
    """The open write transaction of one user action."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self.events: list[Event] = []
        self.created_at = now()

    async def execute(self, sql: str, params: Params = ()) -> aiosqlite.Cursor:
        return await self.conn.execute(sql, params)

    async def executemany(self, sql: str, params: Iterable[Params]) -> aiosqlite.Cursor:
        return await self.conn.executemany(sql, params)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        return first_row(await self.conn.execute_fetchall(sql, params))

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return list(await self.conn.execute_fetchall(sql, params))

    async def record_event(
        self,
        type: str,
        *,
        actor: str,
        project_id: str | None,
        entity_id: str | None,
        data: dict[str, Any] | None = None,
    ) -> Event:
        """Write an event row in this transaction; listeners hear of it after COMMIT."""
        data = data or {}
        cursor = await self.conn.execute(
            "INSERT INTO events (created_at, project_id, actor, type, entity_id, data) VALUES (?, ?, ?, ?, ?, ?)",
            (self.created_at, project_id, actor, type, entity_id, _encode_json(data).decode()),
        )
        assert cursor.lastrowid is not None
        event = Event(cursor.lastrowid, self.created_at, project_id, actor, type, entity_id, data)
        self.events.append(event)
        return event

    async def record_events(
        self, type: str, *, actor: str, changes: Sequence[tuple[str | None, str | None, dict[str, Any]]]
    ) -> list[Event]:
        """Write one event per (project_id, entity_id, data) in a single statement: for bulk changes."""
        rows = [
            (self.created_at, project_id, actor, type, entity_id, _encode_json(data).decode())
            for project_id, entity_id, data in changes
        ]
        await self.conn.executemany(
            "INSERT INTO events (created_at, project_id, actor, type, entity_id, data) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        # One writer, one statement: the rows got consecutive ids ending at the last one inserted.
        last = await self.fetchone("SELECT last_insert_rowid()")
        assert last is not None
        first = int(last[0]) - len(rows) + 1
        events = [
            Event(first + n, self.created_at, project_id, actor, type, entity_id, data)
            for n, (project_id, entity_id, data) in enumerate(changes)
        ]
        self.events.extend(events)
        return events


class Database:
    """The SQLite store of one daemon."""

    def __init__(self, path: str | Path, *, readers: int = 4) -> None:
        self.path = str(path)
        self._reader_count = readers
        self._writer: aiosqlite.Connection | None = None
        self._readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self._all_readers: list[aiosqlite.Connection] = []
        self._write_lock = asyncio.Lock()
        self._listeners: list[CommitListener] = []
        self.schema_version = 0

    async def open(self) -> None:
        """Create the file if needed, migrate it, and open the connections."""
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(self.path, read_only=False)
        try:
            # Refuse a newer schema before anything else writes to the file (WAL mode included).
            await refuse_newer_schema(writer, self.path)
            mode = await (await writer.execute("PRAGMA journal_mode = WAL")).fetchone()
            if self.path != ":memory:" and mode is not None and mode[0] != "wal":
                raise StoreError(f"could not put {self.path} in WAL mode (got {mode[0]})")
            await migrate(writer, self.path)
            self.schema_version = await schema_version(writer)
        except BaseException:
            await writer.close()
            raise
        self._writer = writer
        for _ in range(self._reader_count):
            reader = await _connect(self.path, read_only=True)
            self._all_readers.append(reader)
            self._readers.put_nowait(reader)

    async def close(self) -> None:
        """Close every connection, after the write in progress (if any) ends."""
        async with self._write_lock:
            for reader in self._all_readers:
                await reader.close()
            self._all_readers.clear()
            if self._writer is not None:
                await self._writer.execute("PRAGMA optimize")
                await self._writer.close()
                self._writer = None

    def on_commit(self, listener: CommitListener) -> None:
        """Call `listener` with the events of every transaction, after it commits."""
        self._listeners.append(listener)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        if self._writer is None:
            raise StoreError("the database is not open")
        await self._write_lock.acquire()
        tx = Transaction(self._writer)
        try:
            await self._writer.execute("BEGIN IMMEDIATE")
            yield tx
        except BaseException:
            await asyncio.shield(self._end(tx, commit=False))
            raise
        # Shielded: a client that disconnects now cannot leave a transaction open or a commit untold.
        await asyncio.shield(self._end(tx, commit=True))

    async def _end(self, tx: Transaction, *, commit: bool) -> None:
        try:
            if commit:
                try:
                    await tx.conn.execute("COMMIT")
                except BaseException:
                    if tx.conn.in_transaction:
                        await tx.conn.rollback()
                    raise
                self._notify(tx.events)
            elif tx.conn.in_transaction:
                await tx.conn.rollback()
        finally:
            self._write_lock.release()

    def _notify(self, events: list[Event]) -> None:
        if not events:
            return
        for listener in self._listeners:
            try:
                listener(events)
            except Exception:
                log.exception("commit listener failed")

    @asynccontextmanager
    async def read(self) -> AsyncIterator[aiosqlite.Connection]:
        """A read-only connection from the pool; it sees everything committed before it is used."""
        conn = await self._readers.get()
        try:
            yield conn
        finally:
            if conn.in_transaction:
                await conn.rollback()
            self._readers.put_nowait(conn)

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self.read() as conn:
            return first_row(await conn.execute_fetchall(sql, params))

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self.read() as conn:
            return list(await conn.execute_fetchall(sql, params))
