"""Reading the event log: a project's activity a page at a time, and a live stream that resumes without gaps."""

from __future__ import annotations

import re
import sqlite3
import weakref
from collections.abc import AsyncGenerator
from datetime import UTC, datetime

import msgspec

from contextstack.errors import BadRequest, FieldError, NotFound
from contextstack.events.broadcaster import Broadcaster, Subscription
from contextstack.events.models import ActivityPage, Event, EventFilter, Overflow
from contextstack.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor
from contextstack.storage import Database

_EVENT_COLUMNS = "id, created_at, project_id, actor, type, entity_id, data"
_TYPE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.?")
_ACTOR = re.compile(r"user|api|ai:\S{0,100}")
MAX_TYPES = 20
REPLAY_PAGE = 500

_decode_data = msgspec.json.Decoder(dict[str, object]).decode


def _event(row: sqlite3.Row) -> Event:
    return Event(
        id=row["id"],
        created_at=row["created_at"],
        project_id=row["project_id"],
        actor=row["actor"],
        type=row["type"],
        entity_id=row["entity_id"],
        data=_decode_data(row["data"]),
    )


def _bad(field: str, message: str, detail: str) -> BadRequest:
    return BadRequest(detail, errors=[FieldError(field=field, message=message)])


def event_filter(project_id: str | None, types: str | None, field: str) -> EventFilter:
    """A filter from a comma-separated list of event types; an item ending in `.` is a prefix (`step.`)."""
    if types is None:
        return EventFilter(project_id=project_id)
    items = [item.strip() for item in types.split(",") if item.strip()]
    if not items or len(items) > MAX_TYPES:
        raise _bad(field, f"give 1 to {MAX_TYPES} types", "the type filter names no type or too many")
    for item in items:
        if len(item) > 100 or not _TYPE.fullmatch(item):
            raise _bad(
                field,
                f"not an event type or prefix: {item[:100]!r}",
                "event types look like `step.status_changed`; a prefix ends with a dot, like `step.`",
            )
    return EventFilter(
        project_id=project_id,
        types=frozenset(item for item in items if not item.endswith(".")),
        prefixes=tuple(item for item in items if item.endswith(".")),
    )


def _prefix_range(column: str, prefix: str) -> tuple[str, list[str]]:
    """`column` starts with `prefix`, as a range.

    The unary `+` keeps the range from choosing an index on (project_id, column, id): that would read every
    match and sort them, where walking the project's events in id order stops after one page.
    """
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return f"(+{column} >= ? AND +{column} < ?)", [prefix, upper]


def _filter_sql(filter: EventFilter) -> tuple[list[str], list[object]]:
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
        sql, bounds = _prefix_range("type", prefix)
        alternatives.append(sql)
        params.extend(bounds)
    if alternatives:
        where.append(f"({' OR '.join(alternatives)})")
    return where, params


def _timestamp(value: str, field: str) -> str:
    """An ISO-8601 date or time (UTC unless it says otherwise) in the store's format, which sorts as text."""
    try:
        moment = datetime.fromisoformat(value)
        moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise _bad(field, "not an ISO-8601 date or time", f"{field} must look like 2026-01-31T12:00:00Z") from None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def event_project_id(db: Database, ref: str) -> str:
    """The id of the project with this id or slug, or of a deleted project whose events are still logged."""
    row = await db.fetchone(
        "SELECT id FROM projects WHERE id = ?1 OR slug = ?1 "
        "UNION ALL SELECT project_id FROM (SELECT project_id FROM events WHERE project_id = ?1 LIMIT 1) LIMIT 1",
        (ref,),
    )
    if row is None:
        raise NotFound(f"no project with id or slug {ref!r}")
    return str(row[0])


async def list_activity(
    db: Database,
    project_id: str,
    *,
    types: str | None = None,
    actor: str | None = None,
    since: str | None = None,
    until: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> ActivityPage:
    """A project's events, newest first, a page at a time; filtered by type, actor and time."""
    where, params = _filter_sql(event_filter(project_id, types, "type"))
    if actor is not None:
        if not _ACTOR.fullmatch(actor):
            raise _bad("actor", f"not an actor: {actor[:120]!r}", "actor must be `user`, `api`, `ai:<model>` or `ai:`")
        if actor == "ai:":
            sql, bounds = _prefix_range("actor", actor)
            where.append(sql)
            params.extend(bounds)
        else:
            where.append("actor = ?")
            params.append(actor)
    if since is not None:
        where.append("created_at >= ?")
        params.append(_timestamp(since, "since"))
    if until is not None:
        where.append("created_at < ?")
        params.append(_timestamp(until, "until"))
    if cursor is not None:
        where.append("id < ?")
        params.append(decode_cursor(cursor, int))
    rows = await db.fetchall(
        f"SELECT {_EVENT_COLUMNS} FROM events WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
        (*params, limit + 1),
    )
    items = [_event(row) for row in rows[:limit]]
    return ActivityPage(items=items, next_cursor=encode_cursor(items[-1].id) if len(rows) > limit else None)


async def last_event_id(db: Database) -> int:
    """The id of the newest event ever logged (0 for none): every later event has a greater id."""
    row = await db.fetchone("SELECT seq FROM sqlite_sequence WHERE name = 'events'")
    return int(row[0]) if row else 0


async def resume_point(db: Database, since: int | None, field: str) -> int:
    """Where a stream starts: after event `since`, or after the newest event when not given."""
    head = await last_event_id(db)
    if since is None:
        return head
    if since > head:
        raise _bad(
            field,
            f"no event {since} yet; the newest is {head}",
            f"event {since} is ahead of this store's log (newest {head}): it comes from another store",
        )
    return since


async def _backlog(db: Database, filter: EventFilter, after: int) -> list[Event]:
    where, params = _filter_sql(filter)
    rows = await db.fetchall(
        f"SELECT {_EVENT_COLUMNS} FROM events WHERE {' AND '.join(['id > ?', *where])} ORDER BY id LIMIT ?",
        (after, *params, REPLAY_PAGE),
    )
    return [_event(row) for row in rows]


def follow(
    db: Database, broadcaster: Broadcaster, filter: EventFilter, since: int, *, keepalive: float
) -> AsyncGenerator[Event | Overflow | None, None]:
    """Every event after `since` that matches `filter`, in order and once each: the stored ones, then live ones.

    Subscribes at once, before the backlog is read, so that nothing committed meanwhile goes unseen; live
    events that the backlog already gave are skipped. The iterator yields None when nothing happened for
    `keepalive` seconds, and an `Overflow` as its last item if its reader fell too far behind. It ends
    when the broadcaster closes; the subscription ends with the iterator, even one never started.
    """
    subscription = broadcaster.subscribe(filter)
    events = _follow(db, subscription, since, keepalive)
    weakref.finalize(events, subscription.close)
    return events


async def _follow(
    db: Database, subscription: Subscription, since: int, keepalive: float
) -> AsyncGenerator[Event | Overflow | None, None]:
    last = since
    try:
        while True:
            page = await _backlog(db, subscription.filter, last)
            for event in page:
                yield event
                last = event.id
            if len(page) < REPLAY_PAGE:
                break
        while True:
            events = await subscription.next_events(keepalive)
            if subscription.state == "overflowed":
                yield Overflow(
                    last_event_id=last,
                    detail=f"this stream fell too far behind; reconnect with Last-Event-ID: {last}",
                )
                return
            if not events:
                if subscription.state == "closed":
                    return
                yield None
            for event in events:
                if event.id > last:
                    yield event
                    last = event.id
    finally:
        subscription.close()
