"""HTTP for the event log: a project's activity, and the live stream of events (Server-Sent Events)."""

from __future__ import annotations

import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from contextstack.api import Cursor, Limit
from contextstack.errors import BadRequest, FieldError
from contextstack.events import service
from contextstack.events.broadcaster import Broadcaster
from contextstack.events.models import ActivityPage, Event, Overflow
from contextstack.limits import StreamLimit
from contextstack.numbers import INT64_MAX, parse_count
from contextstack.pagination import DEFAULT_LIMIT
from contextstack.problems import problems
from contextstack.settings import Settings
from contextstack.storage import Database

_encode = msgspec.json.Encoder().encode
SSE_MEDIA_TYPE = "text/event-stream"

Types = Annotated[
    str | None,
    QueryParameter(
        description="Comma-separated event types; one ending in `.` is a prefix: `step.,knowledge.created`.",
        max_length=2000,
    ),
]


class _Encoded(ServerSentEventMessage):
    """A message encoded once, then sent as the same bytes by every stream that carries it."""

    def __init__(self, message: ServerSentEventMessage) -> None:
        super().__init__()
        self._bytes = message.encode()

    def encode(self) -> bytes:
        return self._bytes


class _LiveMessages:
    """The messages of the latest live events, so that fanning one out to many streams encodes it once."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._recent: dict[int, tuple[Event, _Encoded]] = {}

    def of(self, event: Event) -> ServerSentEventMessage:
        # Every subscriber is handed the same Event object; a replayed event (read anew) or another store's
        # event with the same id is a different object and gets its own message.
        hit = self._recent.get(event.id)
        if hit is not None and hit[0] is event:
            return hit[1]
        message = _Encoded(ServerSentEventMessage(id=event.id, event=event.type, data=_encode(event)))
        self._recent[event.id] = (event, message)
        if len(self._recent) > self._size:
            del self._recent[next(iter(self._recent))]
        return message


_KEEPALIVE = _Encoded(ServerSentEventMessage(comment="keep-alive", data=None))
_live_messages = _LiveMessages(size=64)


def _message(item: Event | Overflow | None) -> ServerSentEventMessage:
    if item is None:
        return _KEEPALIVE
    if isinstance(item, Overflow):
        return ServerSentEventMessage(event="overflow", data=_encode(item))
    return _live_messages.of(item)


async def _messages(
    events: AsyncGenerator[Event | Overflow | None, None], release: Callable[[], None]
) -> AsyncIterator[ServerSentEventMessage]:
    try:
        async with aclosing(events):
            async for item in events:
                yield _message(item)
    finally:
        release()  # the stream's place, given back as soon as it ends


def _event_id(value: str | None) -> int | None:
    if value is None:
        return None
    event_id = parse_count(value)
    if event_id is None:
        raise BadRequest(
            "Last-Event-ID must be the id of an event this stream sent",
            errors=[FieldError(field="header.Last-Event-ID", message=f"not an event id: {value[:40]!r}")],
        )
    return event_id


class EventController(Controller):
    tags = ["events"]

    @get(
        "/api/projects/{project:str}/activity",
        operation_id="list_project_activity",
        summary="A project's activity log, newest first",
        responses=problems(404),
    )
    async def activity(
        self,
        db: NamedDependency[Database],
        project: FromPath[str],
        event_type: Annotated[
            str | None,
            QueryParameter(
                name="type",
                description="Comma-separated event types; one ending in `.` is a prefix: `step.,knowledge.created`.",
                max_length=2000,
            ),
        ] = None,
        actor: Annotated[
            str | None, QueryParameter(description="`user`, `api`, `ai:<model>`, or `ai:` for any model.")
        ] = None,
        since: Annotated[str | None, QueryParameter(description="Only events at or after this ISO-8601 time.")] = None,
        until: Annotated[str | None, QueryParameter(description="Only events before this ISO-8601 time.")] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> ActivityPage:
        """Every change to the project and what is in it, as logged: type, actor, time, entity and changed fields.

        `type` is a comma-separated list of event types; one ending in `.` is a prefix (`step.`). A deleted
        project's activity stays readable by its id.
        """
        project_id = await service.event_project_id(db, project)
        return await service.list_activity(
            db, project_id, types=event_type, actor=actor, since=since, until=until, cursor=cursor, limit=limit
        )

    @get(
        "/api/events",
        operation_id="stream_events",
        summary="Follow changes live as Server-Sent Events, resuming after a given event",
        media_type=SSE_MEDIA_TYPE,
        responses={
            200: ResponseSpec(
                data_container=str,
                media_type=SSE_MEDIA_TYPE,
                description="Server-Sent Events: `id:` the event id, `event:` its type, `data:` the event as JSON.",
                generate_examples=False,
            ),
            **problems(404, 429),
        },
    )
    async def stream(
        self,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        broadcaster: NamedDependency[Broadcaster],
        streams: NamedDependency[StreamLimit],
        project: Annotated[str | None, QueryParameter(description="Only this project's events (id or slug).")] = None,
        types: Types = None,
        since: Annotated[
            int | None,
            QueryParameter(ge=0, le=INT64_MAX, description="Replay the stored events after this event id first."),
        ] = None,
        last_event_id: Annotated[
            str | None,
            HeaderParameter(
                name="Last-Event-ID", required=False, description="Set by reconnecting clients; wins over `since`."
            ),
        ] = None,
    ) -> ServerSentEvent:
        """A `text/event-stream`: each message has `id:` (the event id), `event:` (its type) and `data:` (the event).

        With `Last-Event-ID` or `since`, the stored events after that id come first, in order, then live ones,
        none missed or repeated. Idle streams get a keep-alive comment every `sse_keepalive` seconds. A client
        that falls `sse_queue_size` events behind gets an `overflow` event naming the last id it was sent, and
        is disconnected: reconnect with that `Last-Event-ID`. Past `max_streams` open streams the answer is 429
        with `Retry-After`; a client that stops reading is disconnected after `stream_write_timeout` seconds.
        """
        project_id = None if project is None else await service.event_project_id(db, project)
        filter = service.event_filter(project_id, types, "query.types")
        resume_field, resume_from = (
            ("query.since", since) if last_event_id is None else ("header.Last-Event-ID", _event_id(last_event_id))
        )
        after = await service.resume_point(db, resume_from, resume_field)
        # Subscribed before the response starts: a client holding the headers misses no later event.
        release = streams.take()
        events = service.follow(db, broadcaster, filter, after, keepalive=settings.sse_keepalive)
        messages = _messages(events, release)
        weakref.finalize(messages, release)  # and by one never started, once it is let go
        return ServerSentEvent(messages)
