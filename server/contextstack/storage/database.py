"""The store: one writer connection for every change, a small pool of read-only connections for queries.

In WAL mode readers never wait behind the writer. Every user action is its own savepoint, committed durably
(`synchronous=FULL`) before the action returns; the events it records are handed to the commit listeners only
after COMMIT succeeds, so an event seen is an event stored.

Writes are built for a crowded event loop. A change's statements run on the loop itself, where a handful of
small statements cost less than one trip to a thread and back, a trip that under load waits behind every
request the loop has ready (and for the GIL behind the reader threads). Only the COMMIT, with its fsync, goes
to the writer thread, and so does every statement of a change once it has spent `INLINE_BUDGET` on the loop
(a bulk import). The changes ready together, and those that arrive while a COMMIT is under way, share one
COMMIT (group commit, at most `MAX_BATCH` changes): each is a savepoint inside one transaction, rolled back
alone if it fails, and none is answered before the COMMIT that holds it has returned. Changes waiting for the
writer all wake at once and take it one after another in the same round of the loop; the COMMIT is due once
they have had their turn.

Inside a change, what the store reads (`Database.read`, `fetchall`, `fetchone`) is the store as it was just
before that change, as it was when every change was its own transaction: the state committed, and the changes
that share its transaction and came before it. A hook that keeps that state (checkpoints) reads it so.

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
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from contextvars import Context, ContextVar
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from contextstack.clock import now
from contextstack.errors import StoreError
from contextstack.private_files import PRIVATE_FILE, make_private_folder
from contextstack.storage.backup import backup_before_upgrade
from contextstack.storage.base import (
    EVENT_COLUMNS,
    BeforeChange,
    Database,
    Dialect,
    Event,
    Params,
    Reads,
    Row,
    Transaction,
)
from contextstack.storage.migrations import latest_version, migrate, refuse_newer_schema, schema_version

log = logging.getLogger("contextstack.storage")

T = TypeVar("T")


# What one change's statements may spend on the event loop, in seconds of CPU, before the rest go to the writer
# thread: enough for any single user action, not enough for a bulk import to stall every other request.
INLINE_BUDGET = 0.002

_SAVEPOINT = "change"

# The most changes one COMMIT holds: past it, the changes still waiting share the next one, so that a steady
# stream of changes cannot keep a batch open, and its first change unanswered, for long.
MAX_BATCH = 64


async def _open_for_migrations(path: str) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    await conn.execute("PRAGMA busy_timeout = 5000")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA synchronous = FULL")
    return conn


def _open_writer(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, cached_statements=256)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = FULL")
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

    dialect: Dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = self.conn.execute(sql, params).fetchone()
        return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()


def _run_to_end(read: Coroutine[Any, Any, T]) -> T:
    try:
        read.send(None)
    except StopIteration as finished:
        return finished.value  # type: ignore[no-any-return]
    read.close()
    raise RuntimeError("a read awaited something other than its queries; reads must only query the store")


def _fetchall(conn: sqlite3.Connection, sql: str, params: Params) -> list[Row]:
    return conn.execute(sql, params).fetchall()


def _optimize_and_close(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA optimize")
    conn.close()


class _Batch:
    """The open write transaction: the changes (a savepoint each) that will share its COMMIT."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.committed: asyncio.Future[None] = loop.create_future()
        self.events: list[Event] = []
        self.changes = 0
        self.failed = False

    def fail(self, exc: BaseException) -> None:
        """Tell each change of the batch that nothing of it was saved."""
        if self.failed:
            return
        self.failed = True
        failure = exc if isinstance(exc, Exception) else StoreError("the transaction was interrupted")
        self.committed.set_exception(failure)
        self.committed.exception()  # retrieved: a batch of one failed change has no one else to tell


class SQLiteTransaction(Transaction):
    """The open write transaction of one user action: a savepoint of the store's open batch."""

    dialect: Dialect = "sqlite"

    def __init__(self, db: SQLiteDatabase, batch: _Batch, before_change: Sequence[BeforeChange] = ()) -> None:
        super().__init__(before_change)
        self._db = db
        self._conn = db.writer_connection()
        # The store as committed is the store as it was before this change only if no change came before it in
        # its batch.
        self._first = batch.changes == 0
        self.created_at = now()
        self._inline_spent = 0.0
        # What this change has written, in order (sql, params, many): run again after a read of the store before it.
        self._written: list[tuple[str, Any, bool]] = []

    async def _run(self, work: Callable[..., T], *args: Any) -> T:
        if self._inline_spent < INLINE_BUDGET:
            # CPU time, not wall time: a loaded machine that pauses the process mid-statement costs the loop nothing.
            started = time.thread_time()
            try:
                return work(*args)
            finally:
                self._inline_spent += time.thread_time() - started
        return await self._db.on_writer_thread(work, *args)

    async def execute(self, sql: str, params: Params = ()) -> None:
        await self._run(self._conn.execute, sql, params)
        self._written.append((sql, params, False))

    async def executemany(self, sql: str, params: Iterable[Params]) -> None:
        rows = list(params)
        await self._run(self._conn.executemany, sql, rows)
        self._written.append((sql, rows, True))

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return await self._run(_fetchall, self._conn, sql, params)

    async def read_before(self, reads: Reads[T]) -> T:
        """What `reads` answers of the store as it was just before this change: for a hook that keeps that state.

        A change that has written nothing yet reads on the writer connection, where that state is. One that has
        written reads the committed store on a reader thread if it is its batch's first; a later one reads on the
        writer connection, with its own statements rolled back to its savepoint first and run again afterwards
        (the same statements over the same state: the same rows, ids and answers as the first time).
        """
        if not self._written:
            # On the writer thread, idle while this change holds the writer, rather than behind every read queued
            # for the reader threads (a crowded daemon's) while the writer waits.
            return await self._db.on_writer_thread(_read_on, self._conn, reads)
        if self._first:
            return await self._db.read_committed(reads)
        return await self._db.on_writer_thread(self._read_before, reads)

    def _read_before(self, reads: Reads[T]) -> T:
        self._conn.execute(f"ROLLBACK TO {_SAVEPOINT}")
        try:
            return _run_to_end(reads(ThreadRead(self._conn)))
        finally:
            for sql, params, many in self._written:
                if many:
                    self._conn.executemany(sql, params)
                else:
                    self._conn.execute(sql, params)

    async def _insert_events(self, rows: list[tuple[str, str | None, str, str, str | None, str]]) -> list[int]:
        await self.executemany(f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", rows)
        # One writer, one statement: the rows got consecutive ids ending at the last one inserted.
        last = await self.fetchone("SELECT last_insert_rowid()")
        assert last is not None
        first = int(last[0]) - len(rows) + 1
        return list(range(first, first + len(rows)))


def _read_on(conn: sqlite3.Connection, reads: Reads[T]) -> T:
    return _run_to_end(reads(ThreadRead(conn)))


# The change whose savepoint the running task (or one it started) is in: its reads see the store before it.
_in_change: ContextVar[SQLiteTransaction | None] = ContextVar("contextstack_in_change", default=None)


class SQLiteDatabase(Database):
    """The SQLite store of one daemon."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: str | Path, *, readers: int = 4) -> None:
        super().__init__()
        self.path = str(path)
        self._reader_count = readers
        self._writer: sqlite3.Connection | None = None
        self._writing: ThreadPoolExecutor | None = None  # the writer thread: COMMITs, and long changes
        self._reading: ThreadPoolExecutor | None = None
        self._reader = threading.local()
        self._all_readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._batch: _Batch | None = None  # the open transaction, if any
        self._busy = False  # a change holds the writer (its savepoint is open; it may be waiting for something)
        self._committing = False  # a COMMIT is under way: new changes wait for the next batch
        self._commit_due = False  # the batch's COMMIT is scheduled, for once the changes woken with it have run
        self._waiting: list[asyncio.Future[None]] = []  # the changes waiting for the writer, woken all at once
        self._tasks: set[asyncio.Task[None]] = set()
        self.commits = 0  # COMMITs made since the store opened: one per batch

    @property
    def location(self) -> str:
        return self.path

    async def open(self) -> None:
        """Create the file if needed (private to its user), migrate it, and open the connections."""
        if self.path != ":memory:":
            make_private(Path(self.path))
        setup = await _open_for_migrations(self.path)
        try:
            # Refuse a newer schema before anything else writes to the file (WAL mode included).
            await refuse_newer_schema(setup, self.path)
            mode = await (await setup.execute("PRAGMA journal_mode = WAL")).fetchone()
            if self.path != ":memory:" and mode is not None and mode[0] != "wal":
                raise StoreError(f"could not put {self.path} in WAL mode (got {mode[0]})")
            await self._back_up_before_upgrade(setup)
            await migrate(setup, self.path)
            self.schema_version = await schema_version(setup)
        finally:
            await setup.close()
        writing = ThreadPoolExecutor(1, thread_name_prefix="contextstack-write")
        try:
            self._writer = await asyncio.get_running_loop().run_in_executor(writing, _open_writer, self.path)
        except BaseException:
            writing.shutdown(wait=False)
            raise
        self._writing = writing
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
        """Close every connection, after the changes in progress (if any) are committed."""
        await self._take_writer()
        batch, self._batch = self._batch, None
        if batch is not None:
            await self._commit(batch, hand_on=False)
        if self._reading is not None:
            await asyncio.to_thread(self._reading.shutdown, wait=True)
            self._reading = None
        for reader in self._all_readers:
            reader.close()
        self._all_readers.clear()
        if self._writer is not None:
            writer, self._writer = self._writer, None
            if self._writing is not None:
                await asyncio.get_running_loop().run_in_executor(self._writing, _optimize_and_close, writer)
        if self._writing is not None:
            self._writing.shutdown(wait=True)
            self._writing = None
        # Changes that came too late: the writer is gone.
        self._busy = False
        self._wake_all()

    def writer_connection(self) -> sqlite3.Connection:
        if self._writer is None:
            raise StoreError("the database is not open")
        return self._writer

    async def on_writer_thread(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` on the writer thread: only for the change or COMMIT that holds the writer."""
        if self._writing is None:
            raise StoreError("the database is not open")
        return await asyncio.get_running_loop().run_in_executor(self._writing, work, *args)

    def _writer_taken(self) -> bool:
        batch = self._batch
        return self._busy or self._committing or (batch is not None and batch.changes >= MAX_BATCH)

    async def _take_writer(self) -> None:
        """Wait until the writer is free; the caller holds it when this returns."""
        while self._writer_taken():
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiting.append(turn)
            await turn
        self._busy = True

    def _wake_all(self) -> None:
        """The writer is free: every change waiting for it wakes, and they take it one after another.

        All at once rather than one at a time: the changes woken together run in the loop's next round, each
        to its end (a change's statements run on the loop without waiting), one after another, where handing
        the writer from one to the next would cost each a round of a crowded loop.
        """
        waiting, self._waiting = self._waiting, []
        for turn in waiting:
            if not turn.done():
                turn.set_result(None)

    def _change_ended(self) -> None:
        """A change is over: the others waiting go, and the batch's COMMIT is due once they have run."""
        self._busy = False
        self._wake_all()
        if self._batch is not None and not self._commit_due:
            self._commit_due = True
            # Scheduled after the changes just woken: those that run to their end without waiting join it.
            asyncio.get_running_loop().call_soon(self._commit_if_free, context=Context())

    def _commit_if_free(self) -> None:
        self._commit_due = False
        batch = self._batch
        if batch is None or self._busy or self._committing:
            return  # no batch, or a change holds it (its end makes the COMMIT due again)
        self._batch = None
        self._committing = True
        commit = asyncio.get_running_loop().create_task(self._commit(batch))
        self._tasks.add(commit)
        commit.add_done_callback(self._tasks.discard)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SQLiteTransaction]:
        """One user action's changes: committed (durably) when the block ends, rolled back if it raises."""
        self.writer_connection()
        await self._take_writer()
        try:
            conn = self.writer_connection()
            batch = self._batch
            if batch is None:
                # On the loop: only this process writes the store (its lock), so BEGIN IMMEDIATE waits for no one.
                conn.execute("BEGIN IMMEDIATE")
                batch = self._batch = _Batch(asyncio.get_running_loop())
            conn.execute(f"SAVEPOINT {_SAVEPOINT}")
        except BaseException as exc:
            if self._batch is not None:
                self._fail_open_batch(exc)
            self._change_ended()
            raise
        tx = SQLiteTransaction(self, batch, self._before_change)
        batch.changes += 1
        entered = _in_change.set(tx)
        try:
            yield tx
        except BaseException:
            _in_change.reset(entered)
            await asyncio.shield(self._end_change(tx, batch, keep=False))
            raise
        _in_change.reset(entered)
        await self._end_change(tx, batch, keep=True)
        # Shielded: a client that disconnects now cannot leave its change uncommitted or its commit untold.
        await asyncio.shield(batch.committed)

    async def _end_change(self, tx: Transaction, batch: _Batch, *, keep: bool) -> None:
        conn = self.writer_connection()
        try:
            if not keep and conn.in_transaction:
                # On the writer thread, after whatever of this change may still be running there (a change
                # cancelled while its statement or its read of the store before it was under way).
                await self.on_writer_thread(conn.execute, f"ROLLBACK TO {_SAVEPOINT}")
            if conn.in_transaction:
                conn.execute(f"RELEASE {_SAVEPOINT}")
                if keep:
                    batch.events.extend(tx.events)
            else:  # SQLite rolled the whole transaction back (a full disk, say): the batch's other changes are lost
                self._fail_open_batch(StoreError("the store rolled back a transaction after an error; nothing saved"))
        except BaseException as exc:
            self._fail_open_batch(exc)
            raise
        finally:
            tx._open = False
            self._change_ended()

    def _fail_open_batch(self, exc: BaseException) -> None:
        """The open batch cannot commit: roll it back, and tell each change of it that nothing of it was saved."""
        batch, self._batch = self._batch, None
        conn = self.writer_connection()
        if conn.in_transaction:
            conn.rollback()
        if batch is not None:
            batch.fail(exc)

    async def _commit(self, batch: _Batch, *, hand_on: bool = True) -> None:
        """COMMIT the batch on the writer thread, tell its changes, and let the changes waiting go."""
        conn = self.writer_connection()
        try:
            await self.on_writer_thread(conn.execute, "COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                await self.on_writer_thread(conn.rollback)
            batch.fail(exc)
        else:
            self.commits += 1
            self._notify(batch.events)
            batch.committed.set_result(None)
        finally:
            if hand_on:
                self._committing = False
                self._wake_all()

    async def read(self, reads: Reads[T]) -> T:
        """What `reads` answers, in one trip and in one read transaction.

        Every query `reads` makes sees the store as of one moment, whatever commits meanwhile: on a reader thread,
        the store as committed; inside a change, the store as it was just before that change (see the module's
        docstring). `reads` may only await the Reader's queries.
        """
        change = _in_change.get()
        if change is not None and change._open:
            return await change.read_before(reads)
        return await self.read_committed(reads)

    async def read_committed(self, reads: Reads[T]) -> T:
        """What `reads` answers of the store as committed, on a reader thread in one trip."""
        return await self._on_reader(self._read, reads)

    def _read(self, reads: Reads[T]) -> T:
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

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        change = _in_change.get()
        if change is not None and change._open:
            return await change.fetchall_before(sql, params)
        # One statement is its own read transaction: no BEGIN needed.
        return await self._on_reader(self._fetchall, sql, params)

    def _fetchall(self, sql: str, params: Params) -> list[Row]:
        return self._reader_connection().execute(sql, params).fetchall()

    async def _on_reader(self, work: Callable[..., T], *args: Any) -> T:
        if self._reading is None:
            raise StoreError("the database is not open")
        return await asyncio.get_running_loop().run_in_executor(self._reading, work, *args)
