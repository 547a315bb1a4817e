"""The store: one writer connection for every change, a small pool of read-only connections for queries.

In WAL mode readers never wait behind the writer. Every user action is one write transaction; the events
it records are handed to the commit listeners only after COMMIT succeeds, so an event seen is an event
stored.

Reads run on a few reader threads, each with its own read-only connection, and a whole read — every query
of "where am I", say — goes to a thread in one trip (`Database.read`): waking a thread costs more than most
of our queries, so a read pays that once instead of once per query. The read's queries are written against
the same async `Reader` interface as a transaction's, but on the reader thread they never suspend, so the
coroutine runs to its end in one step there.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol, TypeVar

import aiosqlite
import msgspec

from contextstack.clock import now
from contextstack.errors import StoreError
from contextstack.private_files import PRIVATE_FILE, make_private_folder
from contextstack.storage.backup import backup_before_upgrade
from contextstack.storage.migrations import latest_version, migrate, refuse_newer_schema, schema_version

log = logging.getLogger("contextstack.storage")

Params = Sequence[Any] | dict[str, Any]
T = TypeVar("T")


class Reader(Protocol):
    """Anything that answers queries: an open transaction, or a read on a reader thread."""

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]: ...


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
# Called in the transaction before it records an event: (tx, type, actor, project_id, data, entity_ids: the
# entities the change is about). The store's state as committed is still what it was before the transaction, for
# a hook that wants to keep it (checkpoints).
BeforeChange = Callable[["Transaction", str, str, str | None, dict[str, Any], Sequence[str]], Awaitable[None]]

_encode_json = msgspec.json.Encoder().encode


async def _open_writer(path: str) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    await conn.execute("PRAGMA busy_timeout = 5000")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA synchronous = FULL")
    return conn


# The store holds what a person knows and plans: only its owner may read it. SQLite gives the -wal and -shm files
# the database file's own mode.
def make_private(path: Path) -> None:
    """Create the store's folder (0700) and file (0600) if they are missing; tighten an existing store's files."""
    make_private_folder(path.parent)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE))
    tightened = []
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            mode = file.stat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if mode & ~PRIVATE_FILE:
            file.chmod(PRIVATE_FILE)
            tightened.append(f"{file.name} (was {mode:o})")
    if tightened:
        log.warning("the store was readable by other users; now only its owner's (0600): %s", ", ".join(tightened))


def first_row(rows: Iterable[sqlite3.Row]) -> sqlite3.Row | None:
    """The first of `rows`; fetchone is for queries that answer one row, so all are fetched in one round trip."""
    return next(iter(rows), None)


# Readers map the database file into memory (up to this much of it): a query that visits rows scattered over a
# large table (the messages a search matches) reads their pages without a system call and a copy each.
READER_MMAP_BYTES = 1 << 30


def _open_reader(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, cached_statements=256)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA query_only = ON")
    conn.execute(f"PRAGMA mmap_size = {READER_MMAP_BYTES}")
    return conn


class ThreadRead:
    """The Reader of one read, on a reader thread: its coroutines return without ever suspending."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()


def _run_to_end(read: Coroutine[Any, Any, T]) -> T:
    try:
        read.send(None)
    except StopIteration as finished:
        return finished.value  # type: ignore[no-any-return]
    read.close()
    raise RuntimeError("a read awaited something other than its queries; reads must only query the store")


class Transaction:
    """The open write transaction of one user action."""

    def __init__(self, conn: aiosqlite.Connection, before_change: Sequence[BeforeChange] = ()) -> None:
        self.conn = conn
        self.events: list[Event] = []
        self.created_at = now()
        self._before_change = before_change
        self._in_hook = False

    async def _announce(
        self, type: str, actor: str, project_id: str | None, data: dict[str, Any], entity_ids: Sequence[str]
    ) -> None:
        if self._in_hook:
            return
        self._in_hook = True
        try:
            for hook in self._before_change:
                await hook(self, type, actor, project_id, data, entity_ids)
        finally:
            self._in_hook = False

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
        await self._announce(type, actor, project_id, data, [entity_id] if entity_id else [])
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
        first_of_project: dict[str | None, dict[str, Any]] = {}
        entities_of_project: dict[str | None, list[str]] = {}
        for project_id, entity_id, data in changes:
            first_of_project.setdefault(project_id, data)
            entities_of_project.setdefault(project_id, []).extend([entity_id] if entity_id else [])
        for project_id, data in first_of_project.items():
            await self._announce(type, actor, project_id, data, entities_of_project[project_id])
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
        self._reading: ThreadPoolExecutor | None = None
        self._reader = threading.local()
        self._all_readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._write_lock = asyncio.Lock()
        self._listeners: list[CommitListener] = []
        self._before_change: list[BeforeChange] = []
        self.schema_version = 0

    async def open(self) -> None:
        """Create the file if needed (private to its user), migrate it, and open the connections."""
        if self.path != ":memory:":
            make_private(Path(self.path))
        writer = await _open_writer(self.path)
        try:
            # Refuse a newer schema before anything else writes to the file (WAL mode included).
            await refuse_newer_schema(writer, self.path)
            mode = await (await writer.execute("PRAGMA journal_mode = WAL")).fetchone()
            if self.path != ":memory:" and mode is not None and mode[0] != "wal":
                raise StoreError(f"could not put {self.path} in WAL mode (got {mode[0]})")
            await self._back_up_before_upgrade(writer)
            await migrate(writer, self.path)
            self.schema_version = await schema_version(writer)
        except BaseException:
            await writer.close()
            raise
        self._writer = writer
        self._reading = ThreadPoolExecutor(self._reader_count, thread_name_prefix="contextstack-read")

    async def _back_up_before_upgrade(self, writer: aiosqlite.Connection) -> None:
        """Before a migration changes an existing store's schema, copy the store beside itself, and say where."""
        current, latest = await schema_version(writer), latest_version()
        if self.path == ":memory:" or not 0 < current < latest:
            return
        try:
            kept = await asyncio.to_thread(backup_before_upgrade, Path(self.path), current)
        except (StoreError, OSError) as exc:
            raise StoreError(
                f"the store {self.path} needs an upgrade from schema {current} to {latest}, and could not be backed "
                f"up first, so it was left as it was: {exc}"
            ) from None
        log.info("backed up the store at schema %d to %s before upgrading it to %d", current, kept, latest)

    async def close(self) -> None:
        """Close every connection, after the write in progress (if any) ends."""
        async with self._write_lock:
            if self._reading is not None:
                await asyncio.to_thread(self._reading.shutdown, wait=True)
                self._reading = None
            for reader in self._all_readers:
                reader.close()
            self._all_readers.clear()
            if self._writer is not None:
                await self._writer.execute("PRAGMA optimize")
                await self._writer.close()
                self._writer = None

    def on_commit(self, listener: CommitListener) -> None:
        """Call `listener` with the events of every transaction, after it commits."""
        self._listeners.append(listener)

    def before_change(self, hook: BeforeChange) -> None:
        """Call `hook` in every transaction before it records an event (not for events the hook records)."""
        self._before_change.append(hook)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        if self._writer is None:
            raise StoreError("the database is not open")
        await self._write_lock.acquire()
        tx = Transaction(self._writer, self._before_change)
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

    async def read(self, reads: Callable[[Reader], Coroutine[Any, Any, T]]) -> T:
        """What `reads` answers, run on a reader thread in one trip and in one read transaction.

        Every query `reads` makes sees the store as of one moment, whatever commits meanwhile. `reads` may only
        await the Reader's queries.
        """
        return await self._on_reader(self._read, reads)

    def _read(self, reads: Callable[[Reader], Coroutine[Any, Any, T]]) -> T:
        conn = self._reader_connection()
        conn.execute("BEGIN")
        try:
            return _run_to_end(reads(ThreadRead(conn)))
        finally:
            conn.execute("ROLLBACK")

    def _reader_connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._reader, "conn", None)
        if conn is None:
            conn = self._reader.conn = _open_reader(self.path)
            with self._readers_lock:
                self._all_readers.append(conn)
        return conn

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        return first_row(await self.fetchall(sql, params))

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        # One statement is its own read transaction: no BEGIN needed.
        return await self._on_reader(self._fetchall, sql, params)

    def _fetchall(self, sql: str, params: Params) -> list[sqlite3.Row]:
        return self._reader_connection().execute(sql, params).fetchall()

    async def _on_reader(self, work: Callable[..., T], *args: Any) -> T:
        if self._reading is None:
            raise StoreError("the database is not open")
        return await asyncio.get_running_loop().run_in_executor(self._reading, work, *args)
