"""The fake providers, and the app served over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from contextstack.settings import Settings
from tests.conftest import serving
from tests.fakes.fixtures import (
    fake_anthropic,
    fake_anthropic_server,
    fake_openai,
    fake_openai_server,
    no_provider_keys,
    proxy,
    proxy_settings,
)

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
    with ExitStack() as servers:

        def start(settings: Settings) -> str:
            return servers.enter_context(serving(settings))

        yield start
