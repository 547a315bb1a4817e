"""What goes in and out of the event log: events, pages of activity, filters, the stream's overflow notice."""

from __future__ import annotations

import msgspec

from contextstack.storage import Event

__all__ = ["ActivityPage", "Event", "EventFilter", "Overflow"]


class ActivityPage(msgspec.Struct, frozen=True):
    """A page of a project's activity, newest first."""

    items: list[Event]
    next_cursor: str | None


class Overflow(msgspec.Struct, frozen=True):
    """The last message to a subscriber that fell too far behind: reconnect with `Last-Event-ID: last_event_id`."""

    last_event_id: int
    detail: str


class EventFilter(msgspec.Struct, frozen=True):
    """Which events a reader wants: one project's or all, of some types (exact, or prefixes ending in `.`) or all."""

    project_id: str | None = None
    types: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()

    def matches(self, event: Event) -> bool:
        if self.project_id is not None and event.project_id != self.project_id:
            return False
        if not self.types and not self.prefixes:
            return True
        return event.type in self.types or event.type.startswith(self.prefixes)
