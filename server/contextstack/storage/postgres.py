"""The PostgreSQL store: the same Database as SQLite's, for a store several daemons share.

Writes. Every change is one PostgreSQL transaction, and every one first takes the same transaction-level
advisory lock (`WRITE_LOCK`): changes are serialized across every daemon on the database, as SQLite's one writer
serializes them in one process. So identity values (entry keys, event ids) are handed out in commit order — an
event id seen means every smaller id is committed or never will be, which is what a subscriber resuming with
Last-Event-ID and the ranking index's "keys only grow" rely on — and a version checked inside a change cannot
change under it (If-Match: one of two writers wins, the other sees the new version). In one daemon, changes wait
for each other on an asyncio lock before they take a connection, so that a crowd of changes holds one
connection, not the pool. Nothing is answered before its COMMIT; a failing or cancelled change rolls back alone.

Reads. A read is one `REPEATABLE READ READ ONLY` transaction on a pool of reader connections: every query of it
sees the store as of one moment. Inside a change, a read sees the store as it was just before that change: on the
change's own connection while it has written nothing, else the store as committed (on a reader connection),
which, with writes serialized, is the store just before it.

Events. A change's COMMIT carries a NOTIFY on `CHANNEL` with its last event id. Every daemon LISTENs, and hands
the events other daemons committed to its commit listeners in id order, exactly as it hands its own: SSE
subscribers and the caches that drop what a change touched (assembled contexts, rankings) see every daemon's
changes. A gap in the ids a daemon has handed on (another daemon's commit not yet heard of) is read from the
events table first, so listeners always hear events in order and once.

Statements are written for both backends with `?` or `:name` placeholders; `_translate` rewrites them to
PostgreSQL's `$1 … $n` once per statement text.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, TypeVar, cast

import asyncpg
import msgspec

from contextstack.clock import now
from contextstack.errors import FieldError, Invalid, StoreError
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
from contextstack.storage.migrations import Migration, available_migrations, latest_version
from contextstack.storage.urls import password_of, without_password

log = logging.getLogger("contextstack.storage")
T = TypeVar("T")

# Advisory lock keys (any 64-bit numbers, the same in every daemon): one for changes, one for migrations.
WRITE_LOCK = 0x636F6E7478_01
MIGRATION_LOCK = 0x636F6E7478_02
CHANNEL = "contextstack_events"
CONNECT_TIMEOUT = 10.0
# How long a daemon waits between attempts to listen again after its listening connection was lost.
RELISTEN_PAUSE = 1.0

# What a lost or refused connection raises: a 503 (the store is unreachable), never a 500.
_LOST = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.InterfaceError,
)
_CONNECT_ERRORS = (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError)
_decode_data = msgspec.json.Decoder(dict[str, Any]).decode
_EVENTS_BETWEEN = f"SELECT id, {EVENT_COLUMNS} FROM events WHERE id > $1 AND id <= $2 ORDER BY id"


@functools.lru_cache(maxsize=2048)
def _translate(sql: str) -> tuple[str, tuple[str, ...] | None]:
    """`sql` with `?` and `:name` placeholders as `$1 … $n`, and the names in order (None for positional).

    String literals, quoted names, comments and `::type` casts are left as they are.
    """
    out: list[str] = []
    names: list[str] = []
    positional = 0
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        if char in "'\"":
            end = i + 1
            while end < n:
                if sql[end] == char:
                    if end + 1 < n and sql[end + 1] == char:  # a doubled quote inside the literal
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1])
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end])
            i = end
        elif sql.startswith("$$", i):  # a dollar-quoted body (PL/pgSQL): copied whole
            end = sql.find("$$", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end])
            i = end
        elif char == "?":
            positional += 1
            out.append(f"${positional}")
            i += 1
        elif char == ":" and sql.startswith("::", i):
            out.append("::")
            i += 2
        elif char == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_"):
            end = i + 1
            while end < n and (sql[end].isalnum() or sql[end] == "_"):
                end += 1
            name = sql[i + 1 : end]
            if name not in names:
                names.append(name)
            out.append(f"${names.index(name) + 1}")
            i = end
        else:
            out.append(char)
            i += 1
    if positional and names:
        raise StoreError(f"a statement mixes ? and :name placeholders: {sql}")
    return "".join(out), (tuple(names) if names else None)


@contextlib.contextmanager
def _reaching(location: str) -> Iterator[None]:
    """Inside: a lost connection to the store is a StoreError (503) that says so."""
    try:
        yield
    except _LOST as exc:
        raise StoreError(f"lost the connection to the PostgreSQL store {location}: {type(exc).__name__}") from exc
    except (asyncpg.CharacterNotInRepertoireError, asyncpg.UntranslatableCharacterError) as exc:
        # PostgreSQL's text holds no NUL character (U+0000), which SQLite keeps: the client's text, not a crash.
        raise Invalid(
            "The store cannot keep text that holds the NUL character (U+0000): remove it from the request's text.",
            errors=[FieldError("body", "a text holds U+0000")],
        ) from exc


def _prepare(sql: str, params: Params) -> tuple[str, list[Any]]:
    statement, names = _translate(sql)
    if names is None:
        if isinstance(params, dict):
            raise StoreError(f"named parameters given to a statement with ? placeholders: {sql}")
        return statement, list(params)
    if not isinstance(params, dict):
        raise StoreError(f"positional parameters given to a statement with :name placeholders: {sql}")
    try:
        return statement, [params[name] for name in names]
    except KeyError as missing:
        raise StoreError(f"no value for the parameter :{missing.args[0]} of: {sql}") from None


class _ConnectionReader:
    """The Reader of one connection (a read's, or a change's own)."""

    dialect: Dialect = "postgresql"

    def __init__(self, conn: asyncpg.Connection, location: str) -> None:
        self._conn = conn
        self._location = location

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        statement, args = _prepare(sql, params)
        with _reaching(self._location):
            return cast(list[Row], await self._conn.fetch(statement, *args))


class PostgresTransaction(Transaction):
    """The open write transaction of one user action: one PostgreSQL transaction, holding the write lock."""

    dialect: Dialect = "postgresql"

    def __init__(self, db: PostgresDatabase, conn: asyncpg.Connection, before_change: Sequence[BeforeChange]) -> None:
        super().__init__(before_change)
        self._db = db
        self._conn = conn
        self.created_at = now()
        self._written = False

    async def execute(self, sql: str, params: Params = ()) -> None:
        statement, args = _prepare(sql, params)
        self._written = True
        with _reaching(self._db.location):
            await self._conn.execute(statement, *args)

    async def executemany(self, sql: str, params: Iterable[Params]) -> None:
        statement: str | None = None
        rows = []
        for one in params:
            statement, args = _prepare(sql, one)
            rows.append(args)
        if statement is None:
            return
        self._written = True
        with _reaching(self._db.location):
            await self._conn.executemany(statement, rows)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        statement, args = _prepare(sql, params)
        # A statement that writes may come here (INSERT … RETURNING): count it as written.
        self._written = self._written or not statement.lstrip()[:6].upper().startswith(("SELECT", "WITH"))
        with _reaching(self._db.location):
            return cast(list[Row], await self._conn.fetch(statement, *args))

    async def read_before(self, reads: Reads[T]) -> T:
        if not self._written:
            return await reads(_ConnectionReader(self._conn, self._db.location))
        return await self._db.read_committed(reads)

    async def _insert_events(self, rows: list[tuple[str, str | None, str, str, str | None, str]]) -> list[int]:
        self._written = True
        with _reaching(self._db.location):
            return await self._insert_rows(rows)

    async def _insert_rows(self, rows: list[tuple[str, str | None, str, str, str | None, str]]) -> list[int]:
        if len(rows) == 1:
            inserted = await self._conn.fetch(
                f"INSERT INTO events ({EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id", *rows[0]
            )
        else:
            columns = [list(column) for column in zip(*rows, strict=True)]
            inserted = await self._conn.fetch(
                f"INSERT INTO events ({EVENT_COLUMNS}) SELECT * FROM unnest("
                "$1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) RETURNING id",
                *columns,
            )
        # Each row took the sequence's next value in the order it was inserted, and no one else inserts events
        # while this change holds the write lock.
        return sorted(int(row[0]) for row in inserted)


# The change the running task (or one it started) is in: its reads see the store before it.
_in_change: ContextVar[PostgresTransaction | None] = ContextVar("contextstack_pg_in_change", default=None)


def _event(row: Row) -> Event:
    return Event(
        int(row["id"]),
        row["created_at"],
        row["project_id"],
        row["actor"],
        row["type"],
        row["entity_id"],
        _decode_data(row["data"]),
    )


class PostgresDatabase(Database):
    """The PostgreSQL store of one daemon, shared with every other daemon on the same database."""

    dialect: Dialect = "postgresql"

    def __init__(self, url: str, *, readers: int = 4) -> None:
        super().__init__()
        self.url = url
        self._reader_count = max(1, readers)
        self._writer_pool: asyncpg.Pool | None = None
        self._reader_pool: asyncpg.Pool | None = None
        self._listener: asyncpg.Connection | None = None
        self._writing = asyncio.Lock()
        self._delivering = asyncio.Lock()
        self._delivered = 0  # the last event id handed to the commit listeners
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self.commits = 0

    @property
    def location(self) -> str:
        return without_password(self.url)

    def _cleaned(self, exc: BaseException) -> str:
        """An error's text without the URL's password, should a driver repeat it."""
        text = str(exc) or type(exc).__name__
        password = password_of(self.url)
        return text.replace(password, "***") if password else text

    async def _connect_pool(self, size: int) -> asyncpg.Pool:
        try:
            pool = await asyncpg.create_pool(
                self.url,
                min_size=1,
                max_size=size,
                timeout=CONNECT_TIMEOUT,
                server_settings={"application_name": "contextstack", "jit": "off"},
            )
        except _CONNECT_ERRORS as exc:
            raise StoreError(f"could not open the PostgreSQL store {self.location}: {self._cleaned(exc)}") from None
        assert pool is not None
        return pool

    async def open(self) -> None:
        """Connect, migrate the schema (refusing a newer one), and start listening for other daemons' events."""
        self._closing = False
        writer = await self._connect_pool(1)
        try:
            async with writer.acquire() as conn:
                await migrate_postgres(conn, self.location)
                self.schema_version = await postgres_schema_version(conn)
                self._delivered = int(await conn.fetchval("SELECT coalesce(max(id), 0) FROM events"))
            self._reader_pool = await self._connect_pool(self._reader_count)
            await self._listen()
        except BaseException:
            await writer.close()
            if self._reader_pool is not None:
                await self._reader_pool.close()
                self._reader_pool = None
            raise
        self._writer_pool = writer

    async def _listen(self) -> None:
        try:
            conn = await asyncpg.connect(self.url, timeout=CONNECT_TIMEOUT)
        except _CONNECT_ERRORS as exc:
            raise StoreError(
                f"could not listen on the PostgreSQL store {self.location}: {self._cleaned(exc)}"
            ) from None
        await conn.add_listener(CHANNEL, self._heard)
        conn.add_termination_listener(self._lost_listener)
        self._listener = conn

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _heard(self, conn: object, pid: int, channel: str, payload: str) -> None:
        try:
            last = int(payload)
        except ValueError:
            return
        if last > self._delivered:
            self._spawn(self._deliver_committed(last))

    def _lost_listener(self, conn: object) -> None:
        if not self._closing:
            log.warning("lost the connection that listens for other daemons' changes; listening again")
            self._spawn(self._listen_again())

    async def _listen_again(self) -> None:
        while not self._closing:
            try:
                await self._listen()
            except StoreError as exc:
                log.warning("%s; trying again", exc)
                await asyncio.sleep(RELISTEN_PAUSE)
                continue
            # What was committed while no one listened.
            await self._deliver_committed(None)
            return

    async def _events_between(self, after: int, up_to: int | None) -> list[Event]:
        pool = self._reader_pool
        if pool is None:
            return []
        async with pool.acquire() as conn:
            rows = await conn.fetch(_EVENTS_BETWEEN, after, up_to if up_to is not None else 2**63 - 1)
        return [_event(cast(Row, row)) for row in rows]

    async def _deliver_committed(self, up_to: int | None) -> None:
        """Hand on the events committed (by any daemon) after the last handed on, up to `up_to` (all if None)."""
        async with self._delivering:
            if up_to is not None and up_to <= self._delivered:
                return
            try:
                events = await self._events_between(self._delivered, up_to)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("could not read other daemons' events: %s", self._cleaned(exc))
                return
            if events:
                self._delivered = events[-1].id
                self._notify(events)

    async def _deliver(self, events: list[Event]) -> None:
        """Hand on a change's own events, after any committed before them that were not handed on yet."""
        async with self._delivering:
            # Another daemon's commit heard of first may have brought these from the table already.
            events = [event for event in events if event.id > self._delivered]
            if not events:
                return
            if events[0].id > self._delivered + 1:
                try:
                    missed = await self._events_between(self._delivered, events[0].id - 1)
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    log.warning("could not read other daemons' events: %s", self._cleaned(exc))
                    missed = []
                self._notify(missed)
            self._delivered = max(self._delivered, events[-1].id)
            self._notify(events)

    async def close(self) -> None:
        """Let the changes under way finish, then close every connection."""
        self._closing = True
        async with self._writing:
            writer, self._writer_pool = self._writer_pool, None
        if self._listener is not None:
            listener, self._listener = self._listener, None
            with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await listener.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if writer is not None:
            await writer.close()
        if self._reader_pool is not None:
            reader, self._reader_pool = self._reader_pool, None
            await reader.close()

    def _require_readers(self) -> asyncpg.Pool:
        if self._reader_pool is None:
            raise StoreError("the database is not open")
        return self._reader_pool

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresTransaction]:
        """One user action's changes: committed when the block ends, rolled back if it raises."""
        async with self._writing:
            pool = self._writer_pool
            if pool is None:
                raise StoreError("the database is not open")
            with _reaching(self.location):
                conn = await pool.acquire()
            try:
                with _reaching(self.location):
                    await conn.execute("BEGIN")
                    await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
            except BaseException:
                await asyncio.shield(self._end(pool, conn, None))
                raise
            tx = PostgresTransaction(self, conn, self._before_change)
            entered = _in_change.set(tx)
            try:
                yield tx
            except BaseException:
                _in_change.reset(entered)
                tx._open = False
                await asyncio.shield(self._end(pool, conn, None))
                raise
            _in_change.reset(entered)
            tx._open = False
            # Shielded: a client that disconnects now cannot leave its change uncommitted or its commit untold.
            await asyncio.shield(self._end(pool, conn, tx))

    async def _end(self, pool: asyncpg.Pool, conn: asyncpg.Connection, tx: PostgresTransaction | None) -> None:
        """COMMIT `tx` (with its NOTIFY) and hand on its events, or roll back (tx None); give the connection back."""
        try:
            if tx is None:
                if not conn.is_closed():
                    with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                        await conn.execute("ROLLBACK")
                return
            try:
                if tx.events:
                    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, str(tx.events[-1].id))
                await conn.execute("COMMIT")
            except BaseException as exc:
                if not conn.is_closed():
                    with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                        await conn.execute("ROLLBACK")
                if isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError | OSError):
                    raise StoreError(f"the change was not saved: {self._cleaned(exc)}") from exc
                raise
            self.commits += 1
            if tx.events:
                await self._deliver(tx.events)
        finally:
            await pool.release(conn)

    async def read(self, reads: Reads[T]) -> T:
        change = _in_change.get()
        if change is not None and change._open:
            return await change.read_before(reads)
        return await self.read_committed(reads)

    async def read_committed(self, reads: Reads[T]) -> T:
        with _reaching(self.location):
            async with (
                self._require_readers().acquire() as conn,
                conn.transaction(isolation="repeatable_read", readonly=True),
            ):
                return await reads(_ConnectionReader(conn, self.location))

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        change = _in_change.get()
        if change is not None and change._open:
            return await change.fetchall_before(sql, params)
        statement, args = _prepare(sql, params)
        with _reaching(self.location):
            async with self._require_readers().acquire() as conn:
                return cast(list[Row], await conn.fetch(statement, *args))


async def postgres_schema_version(conn: asyncpg.Connection) -> int:
    """The database's schema version: 0 for a database Contextstack has not set up."""
    if not await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL"):
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))


def _refuse_newer(current: int, latest: int, location: str) -> None:
    if current > latest:
        raise StoreError(
            f"the database {location} has schema version {current}, but this Contextstack only knows up to "
            f"{latest}: it was written by a newer version. Upgrade Contextstack, or point --db at another "
            "database. The database was not touched."
        )


async def migrate_postgres(
    conn: asyncpg.Connection, location: str, migrations: list[Migration] | None = None
) -> tuple[int, int]:
    """Bring the database up to date, each migration in its own transaction; returns (from, to).

    Refuses a newer schema, and an older one while another daemon holds the migration lock (it is upgrading it).
    """
    migrations = available_migrations("postgresql") if migrations is None else migrations
    latest = len(migrations)
    if latest != latest_version():
        raise StoreError(
            f"this Contextstack ships {latest} PostgreSQL migrations and {latest_version()} SQLite ones; "
            "they must match"
        )
    current = await postgres_schema_version(conn)
    _refuse_newer(current, latest, location)
    if current == latest:
        return current, latest
    if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", MIGRATION_LOCK):
        raise StoreError(
            f"the database {location} has schema version {current}, older than this Contextstack's {latest}, and "
            "another daemon is upgrading it right now: start again once it has finished"
        )
    try:
        current = await postgres_schema_version(conn)  # again, now that no one else migrates
        _refuse_newer(current, latest, location)
        if current and current < latest:
            log.info("upgrading the store %s from schema %d to %d", location, current, latest)
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
        for migration in migrations[current:]:
            if current:
                log.info("store upgrade %d/%d: %s", migration.version - current, latest - current, migration.name)
            try:
                async with conn.transaction():
                    await conn.execute(migration.sql)
                    await conn.execute("DELETE FROM schema_version")
                    await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", migration.version)
            except asyncpg.PostgresError as exc:
                raise StoreError(f"migration {migration.name} failed and was rolled back: {exc}") from exc
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
    return current, latest
