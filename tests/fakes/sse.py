"""A small Server-Sent Events reader over an httpx streaming response, for tests (keeps comments visible)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Message:
    """One dispatched block of the stream: an event, or a comment-only block such as a keep-alive."""

    id: str | None = None
    event: str | None = None
    data_lines: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def data(self) -> str:
        return "\n".join(self.data_lines)

    def json(self) -> Any:
        return json.loads(self.data)

    @property
    def is_comment(self) -> bool:
        return self.event is None and not self.data_lines and self.id is None


class EventReader:
    """Reads messages one at a time from an open `text/event-stream` response."""

    def __init__(self, response: httpx.Response) -> None:
        assert response.headers["content-type"].startswith("text/event-stream"), response.headers
        self.response = response
        self._lines: AsyncIterator[str] = response.aiter_lines()

    async def next(self, within: float = 10) -> Message | None:
        """The next message, or None when the server ended the stream."""
        async with asyncio.timeout(within):
            message = Message()
            async for line in self._lines:
                if line == "":
                    if message != Message():
                        return message
                    continue
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "":
                    message.comments.append(value)
                elif name == "id":
                    message.id = value
                elif name == "event":
                    message.event = value
                elif name == "data":
                    message.data_lines.append(value)
            return None

    async def events(self, count: int, within: float = 10) -> list[Message]:
        """The next `count` events, skipping keep-alive comments."""
        found: list[Message] = []
        while len(found) < count:
            message = await self.next(within)
            assert message is not None, f"the stream ended after {len(found)} of {count} events"
            if not message.is_comment:
                found.append(message)
        return found
