"""How many streams the daemon serves at once: live event subscribers and proxied streams share one budget.

A stream holds a connection, buffers and often an upstream request for as long as it lasts; past the budget a
new one is refused at once (429 with Retry-After) rather than slowing every stream already open.
"""

from __future__ import annotations

from collections.abc import Callable

from contextstack.errors import TooBusy

# Seconds a refused stream is asked to wait: streams end as their answers do, or when their readers go.
STREAM_RETRY_AFTER = 5


class StreamLimit:
    """Counts the streams open now and refuses one past `limit` (the `max_streams` setting)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0

    def take(self) -> Callable[[], None]:
        """A place for one more stream, or TooBusy; call what it returns (once or more) when the stream ends."""
        if self.open >= self.limit:
            raise TooBusy(
                f"The daemon already serves {self.limit} streams, its limit (max_streams); try again shortly.",
                retry_after=STREAM_RETRY_AFTER,
            )
        self.open += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                self.open -= 1

        return release
