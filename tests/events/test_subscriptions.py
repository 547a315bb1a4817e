"""A stream's subscription lives exactly as long as its connection (uvicorn serving the app in this process)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from contextstack.app import create_app, create_asgi_app
from contextstack.events.broadcaster import Broadcaster
from contextstack.settings import Settings
from tests.conftest import free_port
from tests.fakes.sse import EventReader


@dataclass
class Served:
    url: str
    broadcaster: Broadcaster


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[Served]:
    """The app served over real HTTP by uvicorn inside the test's event loop, so its broadcaster can be seen."""
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_asgi_app(settings, app), port=port, log_config=None, lifespan="on", access_log=False)
    )
    serving = asyncio.create_task(server.serve())
    await eventually(lambda: server.started)
    yield Served(f"http://127.0.0.1:{port}", app.state.runtime.broadcaster)
    server.should_exit = True
    await serving


async def eventually(condition: Callable[[], bool], within: float = 5) -> None:
    for _ in range(int(within / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"still false after {within} s")


async def test_a_disconnecting_client_frees_its_subscription(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.url, timeout=10) as http:
        streams = [
            http.stream("GET", "/api/events", params=params) for params in ({}, {"since": 0}, {"types": "step."})
        ]
        responses = [await stream.__aenter__() for stream in streams]
        assert served.broadcaster.subscriber_count == 3
        await streams[0].__aexit__(None, None, None)
        await eventually(lambda: served.broadcaster.subscriber_count == 2)
        await http.post("/api/projects", json={"name": "Alpha"})
        (created,) = await EventReader(responses[1]).events(1)
        assert created.event == "project.created"
        for stream in streams[1:]:
            await stream.__aexit__(None, None, None)
        await eventually(lambda: served.broadcaster.subscriber_count == 0)
