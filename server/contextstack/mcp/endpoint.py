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

from contextstack.asgi import Receive, Scope, Send
from contextstack.runtime import Runtime

if TYPE_CHECKING:
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager


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
        sessions = self._sessions or await self._start()
        await sessions.handle_request(scope, receive, send)

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
