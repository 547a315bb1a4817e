"""Reading the events table: the only place its SELECTs are written (the outbox in storage/ writes it).

Plain async functions over the store's Reader; rows become Events by column name. Where SQLite and PostgreSQL
have no common form (the newest id ever handed out, a prefix range that keeps off an index) both are named here,
chosen by the reader's `dialect`.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from contextstack.events.models import Event, EventFilter
from contextstack.plan.store import in_list
from contextstack.storage import Reader, Row

_COLUMNS = "id, created_at, project_id, actor, type, entity_id, data"
# The greatest id ever handed out. SQLite: AUTOINCREMENT keeps it in sqlite_sequence, even once its row is gone.
# PostgreSQL: the greatest id committed, as of the read's snapshot (no event row is ever deleted); not the identity
# sequence's value, which a change still under way has taken before its event is there to read.
_LAST_ID = {
    "sqlite": "SELECT seq FROM sqlite_sequence WHERE name = 'events'",
    "postgresql": "SELECT coalesce(max(id), 0) AS seq FROM events",
}

_decode_data = msgspec.json.Decoder(dict[str, object]).decode


def _event(row: Row) -> Event:
    return Event(
        id=row["id"],
        created_at=row["created_at"],
        project_id=row["project_id"],
        actor=row["actor"],
        type=row["type"],
        entity_id=row["entity_id"],
        data=_decode_data(row["data"]),
    )


def _prefix_range(reader: Reader, column: str, prefix: str) -> tuple[str, list[str]]:
    """`column` starts with `prefix`.

    SQLite: a range, whose unary `+` keeps it from choosing an index on (project_id, column, id): that would read
    every match and sort them, where walking the project's events in id order stops after one page. PostgreSQL
    has no unary `+` for text, and a range there follows the database's collation, which need not be the order
    of code points: starts_with() says exactly what is meant.
    """
    if reader.dialect == "postgresql":
        return f"starts_with({column}, ?)", [prefix]
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return f"(+{column} >= ? AND +{column} < ?)", [prefix, upper]


def _filter_sql(reader: Reader, filter: EventFilter) -> tuple[list[str], list[object]]:
    where: list[str] = []
    params: list[object] = []
    if filter.project_id is not None:
        where.append("project_id = ?")
        params.append(filter.project_id)
    alternatives: list[str] = []
    if filter.types:
        alternatives.append(f"type IN ({', '.join('?' * len(filter.types))})")
        params.extend(sorted(filter.types))
    for prefix in filter.prefixes:
        sql, bounds = _prefix_range(reader, "type", prefix)
        alternatives.append(sql)
        params.extend(bounds)
    if alternatives:
        where.append(f"({' OR '.join(alternatives)})")
    return where, params


async def activity(
    conn: Reader,
    filter: EventFilter,
    *,
    actor: str | None,
    actor_prefix: str | None,
    since: str | None,
    until: str | None,
    before: int | None,
    limit: int,
) -> list[Event]:
    """At most `limit` events matching `filter`, newest first, older than the id `before`.

    Also by `actor` (exactly) or `actor_prefix`, and at or after `since` and before `until` (times in the store's
    format).
    """
    where, params = _filter_sql(conn, filter)
    if actor_prefix is not None:
        sql, bounds = _prefix_range(conn, "actor", actor_prefix)
        where.append(sql)
        params.extend(bounds)
    for condition, value in (("actor = ?", actor), ("created_at >= ?", since), ("created_at < ?", until)):
        if value is not None:
            where.append(condition)
            params.append(value)
    if before is not None:
        where.append("id < ?")
        params.append(before)
    condition = f"WHERE {' AND '.join(where)}" if where else ""
    rows = await conn.fetchall(f"SELECT {_COLUMNS} FROM events {condition} ORDER BY id DESC LIMIT ?", (*params, limit))
    return [_event(row) for row in rows]


async def events_after(conn: Reader, filter: EventFilter, after: int, limit: int) -> list[Event]:
    """At most `limit` events matching `filter` with ids greater than `after`, oldest first."""
    where, params = _filter_sql(conn, filter)
    rows = await conn.fetchall(
        f"SELECT {_COLUMNS} FROM events WHERE {' AND '.join(['id > ?', *where])} ORDER BY id LIMIT ?",
        (after, *params, limit),
    )
    return [_event(row) for row in rows]


async def last_event_id(conn: Reader) -> int:
    """The id of the newest event ever logged (0 for none): every later event has a greater id."""
    row = await conn.fetchone(_LAST_ID[conn.dialect])
    return int(row["seq"]) if row else 0


async def has_project_events(conn: Reader, project_id: str) -> bool:
    """Whether the log holds an event of the project with this id (a deleted project's, say)."""
    return await conn.fetchone("SELECT 1 FROM events WHERE project_id = ? LIMIT 1", (project_id,)) is not None


async def entity_events_after(conn: Reader, entity_ids: Sequence[str], after: int) -> list[Event]:
    """Every event about one of these entities with an id greater than `after`, oldest first."""
    if not entity_ids:
        return []
    among, ids = in_list(conn, entity_ids)
    rows = await conn.fetchall(
        f"SELECT {_COLUMNS} FROM events WHERE entity_id {among} AND id > ? ORDER BY id", (ids, after)
    )
    return [_event(row) for row in rows]


async def project_events_after(conn: Reader, project_id: str, after: int) -> list[Event]:
    """Every event of the project with an id greater than `after`, oldest first."""
    rows = await conn.fetchall(
        f"SELECT {_COLUMNS} FROM events WHERE project_id = ? AND id > ? ORDER BY id", (project_id, after)
    )
    return [_event(row) for row in rows]
