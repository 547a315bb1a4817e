"""The actor an MCP client's changes are recorded as."""

from __future__ import annotations

import pytest

from contextstack.dependencies import ACTOR_PATTERN
from contextstack.mcp.server import actor_of


@pytest.mark.parametrize(
    ("client_name", "actor"),
    [
        ("claude-code", "ai:claude-code"),
        ("Visual Studio Code", "ai:Visual-Studio-Code"),
        ("  Zed \t Agent ", "ai:Zed-Agent"),
        ("", "ai:mcp"),
        (None, "ai:mcp"),
        ("x" * 150, "ai:" + "x" * 100),
    ],
)
def test_the_clients_own_name_becomes_an_ai_actor(client_name: str | None, actor: str) -> None:
    assert actor_of(client_name) == actor
    assert ACTOR_PATTERN.match(actor)
