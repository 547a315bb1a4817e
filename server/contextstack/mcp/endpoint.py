"""`/mcp`, as the daemon mounts it: the SDK's Streamable HTTP sessions, loaded on the first MCP request.

The SDK (pydantic, starlette …) takes longer to import than the rest of the daemon, so a daemon nobody speaks
MCP to never loads it, and one that is asked loads it off the event loop.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio
import anyio.abc
import msgspec

from contextstack.asgi import Receive, Scope, Send
from contextstack.errors import TooBusy
from contextstack.runtime import Runtime

if TYPE_CHECKING:
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager


# JSON-RPC's code for an error of the server's own (the range -32000 to -32099 is the server's to define).
SERVER_BUSY = -32000
_encode_error = msgspec.json.Encoder().encode


class McpEndpoint:
    """The ASGI app at `/mcp`; `run()` belongs in the app's lifespan, and the sessions end with it."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._sessions: StreamableHTTPSessionManager | None = None
        self._loading = anyio.Lock()
        self._tasks: anyio.abc.TaskGroup | None = None

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            self._tasks = tasks
            try:
                yield
            finally:
                self._tasks = None
                tasks.cancel_scope.cancel()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        release = None
        if _streams(scope):
            # One of the daemon's `max_streams` places, before the SDK reads the request, given back at its end.
            try:
                release = self.runtime.streams.take()
            except TooBusy as busy:
                await _refuse(send, busy)
                return
        try:
            sessions = self._sessions or await self._start()
            await sessions.handle_request(scope, receive, send)
        finally:
            if release is not None:
                release()

    async def _start(self) -> StreamableHTTPSessionManager:
        async with self._loading:
            if self._sessions is not None:
                return self._sessions
            if self._tasks is None:
                raise RuntimeError("McpEndpoint.run() is not running: enter it in the app's lifespan")
            server = await anyio.to_thread.run_sync(importlib.import_module, "contextstack.mcp.server")
            sessions: StreamableHTTPSessionManager
            sessions, notices = server.session_manager(self.runtime)
            await self._tasks.start(self._serve, sessions)
            await self._tasks.start(notices.run)
            self._sessions = sessions
            return sessions

    @staticmethod
    async def _serve(sessions: StreamableHTTPSessionManager, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        async with sessions.run():
            task_status.started()
            await anyio.sleep_forever()


def _streams(scope: Scope) -> bool:
    """Whether the SDK may answer this request with a stream (Server-Sent Events): the GET that listens for the
    server's messages, and each POST of a client that accepts a stream (as the spec asks clients to)."""
    if scope["method"] == "GET":
        return True
    if scope["method"] != "POST":
        return False
    return any(name == b"accept" and b"text/event-stream" in value for name, value in scope["headers"])


async def _refuse(send: Send, busy: TooBusy) -> None:
    """429 with Retry-After, its body a JSON-RPC error as the SDK's own HTTP errors are."""
    body = _encode_error({"jsonrpc": "2.0", "id": None, "error": {"code": SERVER_BUSY, "message": str(busy)}})
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(body)),
        *((name.lower().encode(), value.encode()) for name, value in busy.headers.items()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
