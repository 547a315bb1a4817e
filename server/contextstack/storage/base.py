"""What every backend of the store offers the stores and services: a Database, its Transactions and Readers.

Two backends implement it: SQLite (database.py, the embedded default) and PostgreSQL (postgres.py, for a store
shared by several daemons). Stores write their SQL once, with `?` or `:name` placeholders, and choose by
`dialect` only where the two engines have no common form.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal, Protocol, TypeVar

import msgspec

Params = Sequence[Any] | dict[str, Any]
Dialect = Literal["sqlite", "postgresql"]
T = TypeVar("T")
log = logging.getLogger("contextstack.storage")


class Row(Protocol):
    """One row of an answer, by column name or position (sqlite3.Row and asyncpg.Record both are)."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def keys(self) -> Iterable[str]: ...

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...


class Reader(Protocol):
    """Anything that answers queries: an open transaction, or a read of the store as of one moment."""

    @property
    def dialect(self) -> Dialect: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...


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
# entities the change is about). What the store reads meanwhile is still what it was before the change, for a hook
# that wants to keep it (checkpoints).
BeforeChange = Callable[["Transaction", str, str, str | None, dict[str, Any], Sequence[str]], Awaitable[None]]

Reads = Callable[[Reader], Coroutine[Any, Any, T]]

_encode_json = msgspec.json.Encoder().encode
EVENT_COLUMNS = "created_at, project_id, actor, type, entity_id, data"


def encode_data(data: dict[str, Any]) -> str:
    """An event's data as the events table keeps it (JSON text)."""
    return _encode_json(data).decode()


# The rows whose `column` is one of a list: SQLite takes the list as one JSON text that json_each unpacks,
# PostgreSQL as an array (of the column's type).
_IN_LIST: dict[Dialect, str] = {
    "sqlite": "{column} IN (SELECT value FROM json_each(?))",
    "postgresql": "{column} = ANY(?)",
}


def in_list(dialect: Dialect, column: str) -> str:
    """The condition that `column` is one of the list given as its parameter (see `list_parameter`)."""
    return _IN_LIST[dialect].format(column=column)


def list_parameter(dialect: Dialect, values: Iterable[object]) -> object:
    """`values` as the parameter of `in_list`'s condition."""
    return _encode_json(list(values)).decode() if dialect == "sqlite" else list(values)


def first_row(rows: Iterable[Row]) -> Row | None:
    """The first of `rows`; fetchone is for queries that answer one row, so all are fetched in one round trip."""
    return next(iter(rows), None)


class Transaction(ABC):
    """The open write transaction of one user action."""

    dialect: Dialect
    events: list[Event]
    created_at: str

    def __init__(self, before_change: Sequence[BeforeChange]) -> None:
        self.events = []
        self._before_change = before_change
        self._in_hook = False
        self._open = True

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

    @abstractmethod
    async def execute(self, sql: str, params: Params = ()) -> None: ...

    @abstractmethod
    async def executemany(self, sql: str, params: Iterable[Params]) -> None: ...

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return first_row(await self.fetchall(sql, params))

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    @abstractmethod
    async def read_before(self, reads: Reads[T]) -> T:
        """What `reads` answers of the store as it was just before this change: for a hook that keeps that state."""

    async def fetchall_before(self, sql: str, params: Params = ()) -> list[Row]:
        """The rows `sql` answers of the store as it was just before this change (see `read_before`)."""

        async def reads(view: Reader) -> list[Row]:
            return await view.fetchall(sql, params)

        return await self.read_before(reads)

    @abstractmethod
    async def _insert_events(self, rows: list[tuple[str, str | None, str, str, str | None, str]]) -> list[int]:
        """Insert event rows in order; their ids, in the same order."""

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
        (event_id,) = await self._insert_events(
            [(self.created_at, project_id, actor, type, entity_id, encode_data(data))]
        )
        event = Event(event_id, self.created_at, project_id, actor, type, entity_id, data)
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
            (self.created_at, project_id, actor, type, entity_id, encode_data(data))
            for project_id, entity_id, data in changes
        ]
        ids = await self._insert_events(rows) if rows else []
        events = [
            Event(event_id, self.created_at, project_id, actor, type, entity_id, data)
            for event_id, (project_id, entity_id, data) in zip(ids, changes, strict=True)
        ]
        self.events.extend(events)
        return events


class Database(ABC):
    """The store of one daemon, on whichever backend."""

    dialect: Dialect
    schema_version: int

    def __init__(self) -> None:
        self._listeners: list[CommitListener] = []
        self._before_change: list[BeforeChange] = []
        self.schema_version = 0

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the store is, fit to show: a file path, or a URL without its password."""

    @abstractmethod
    async def open(self) -> None:
        """Connect, migrate the schema to this version's (refusing a newer one), and get ready to serve."""

    @abstractmethod
    async def close(self) -> None:
        """Close every connection, after the changes in progress (if any) are committed."""

    def on_commit(self, listener: CommitListener) -> None:
        """Call `listener` with the events of every transaction, after it commits."""
        self._listeners.append(listener)

    def before_change(self, hook: BeforeChange) -> None:
        """Call `hook` in every transaction before it records an event (not for events the hook records)."""
        self._before_change.append(hook)

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Transaction]:
        """One user action's changes: committed (durably) when the block ends, rolled back if it raises."""

    @abstractmethod
    async def read(self, reads: Reads[T]) -> T:
        """What `reads` answers, in one read transaction: the store as of one moment.

        Inside a change, the store as it was just before that change.
        """

    @abstractmethod
    async def read_committed(self, reads: Reads[T]) -> T:
        """What `reads` answers of the store as committed."""

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        return first_row(await self.fetchall(sql, params))

    @abstractmethod
    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    def _notify(self, events: list[Event]) -> None:
        if not events:
            return
        for listener in self._listeners:
            try:
                listener(events)
            except Exception:
                log.exception("commit listener failed")
