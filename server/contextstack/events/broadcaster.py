"""Hands committed events to live subscribers, and never makes a writer wait for one.

`Broadcaster.publish` is the store's commit listener. It runs on the event loop right after COMMIT and
only appends to each subscriber's bounded queue: a subscriber whose queue is full is dropped there and
then (it is told so by its stream, which then ends), so a slow reader costs a writer nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Literal

from contextstack.events.models import EventFilter
from contextstack.storage import Event

SubscriptionState = Literal["open", "overflowed", "closed"]


class Subscription:
    """One live reader's queue of events that match its filter."""

    def __init__(self, broadcaster: Broadcaster, filter: EventFilter, capacity: int) -> None:
        self.filter = filter
        self.state: SubscriptionState = "open"
        self._broadcaster = broadcaster
        self._capacity = capacity
        self._pending: list[Event] = []
        self._arrived = asyncio.Event()

    def offer(self, event: Event) -> bool:
        """Queue `event`; False, and the subscription overflowed, when the reader is `capacity` events behind."""
        if len(self._pending) >= self._capacity:
            self.state = "overflowed"
            self._pending = []
            self._arrived.set()
            return False
        self._pending.append(event)
        self._arrived.set()
        return True

    def end(self) -> None:
        """No more events will come (the daemon is shutting down); what is queued can still be taken."""
        if self.state == "open":
            self.state = "closed"
        self._arrived.set()

    async def next_events(self, max_wait: float) -> list[Event]:
        """The events queued since the last call, waiting up to `max_wait` seconds for one; [] if none came."""
        if not self._pending and self.state == "open":
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max_wait):
                    await self._arrived.wait()
        events, self._pending = self._pending, []
        return events

    def close(self) -> None:
        """Stop receiving events (the reader went away)."""
        self._broadcaster.unsubscribe(self)


class Broadcaster:
    """The live subscribers of one daemon."""

    def __init__(self, capacity: int = 1000) -> None:
        self.capacity = capacity
        self._subscriptions: set[Subscription] = set()
        self._closed = False

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    def subscribe(self, filter: EventFilter) -> Subscription:
        """A new subscription: every event published from now on that matches `filter` is queued for it."""
        subscription = Subscription(self, filter, self.capacity)
        if self._closed:
            subscription.end()
        else:
            self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    def publish(self, events: list[Event]) -> None:
        """Queue committed events for the subscribers that want them; drop each subscriber that overflows."""
        overflowed = [
            subscription
            for subscription in self._subscriptions
            if not all(subscription.offer(event) for event in events if subscription.filter.matches(event))
        ]
        self._subscriptions.difference_update(overflowed)

    def close(self) -> None:
        """End every subscription, now and to come: the daemon is shutting down."""
        self._closed = True
        for subscription in self._subscriptions:
            subscription.end()
        self._subscriptions.clear()
