"""Reading the event log: a project's activity a page at a time, and a live stream that resumes without gaps."""

from __future__ import annotations

import re
import weakref
from collections.abc import AsyncGenerator
from datetime import UTC, datetime

from contextstack.errors import BadRequest, FieldError, NotFound
from contextstack.events import store
from contextstack.events.broadcaster import Broadcaster, Subscription
from contextstack.events.models import ActivityPage, Event, EventFilter, Overflow
from contextstack.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor
from contextstack.plan.service import resolve_project_id
from contextstack.storage import Database

_TYPE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.?")
_ACTOR = re.compile(r"user|api|ai:\S{0,100}")
MAX_TYPES = 20
REPLAY_PAGE = 500


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
    try:
        return await resolve_project_id(db, ref)
    except NotFound:
        if await store.has_project_events(db, ref):
            return ref
        raise


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
    filter = event_filter(project_id, types, "type")
    if actor is not None and not _ACTOR.fullmatch(actor):
        raise _bad("actor", f"not an actor: {actor[:120]!r}", "actor must be `user`, `api`, `ai:<model>` or `ai:`")
    events = await store.activity(
        db,
        filter,
        actor=None if actor == "ai:" else actor,
        actor_prefix="ai:" if actor == "ai:" else None,
        since=None if since is None else _timestamp(since, "since"),
        until=None if until is None else _timestamp(until, "until"),
        before=None if cursor is None else decode_cursor(cursor, int),
        limit=limit + 1,
    )
    items = events[:limit]
    return ActivityPage(items=items, next_cursor=encode_cursor(items[-1].id) if len(events) > limit else None)


async def last_event_id(db: Database) -> int:
    """The id of the newest event ever logged (0 for none): every later event has a greater id."""
    return await store.last_event_id(db)


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
            page = await store.events_after(db, subscription.filter, last, REPLAY_PAGE)
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
