"""The fake providers, and the app served over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from contextstack.app import create_asgi_app
from contextstack.settings import Settings
from tests.fakes.fixtures import (
    fake_anthropic,
    fake_anthropic_server,
    fake_openai,
    fake_openai_server,
    no_provider_keys,
    proxy,
    proxy_settings,
)
from tests.fakes.server import ThreadedServer

__all__ = [
    "fake_anthropic",
    "fake_anthropic_server",
    "fake_openai",
    "fake_openai_server",
    "no_provider_keys",
    "proxy",
    "proxy_settings",
]


@pytest.fixture
def serve() -> Iterator[Callable[[Settings], str]]:
    """Serve the app over real HTTP with the given settings; its base URL."""
    servers: list[ThreadedServer] = []

    def start(settings: Settings) -> str:
        server = ThreadedServer(create_asgi_app(settings), lifespan="on").start()
        servers.append(server)
        return server.url

    yield start
    for server in servers:
        server.stop()
