"""MCP clients are told when projects come and go and when a project's resources change, over both protocol eras.

A change made through REST (any front end) drives them: the daemon's event broadcaster feeds the MCP server.
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import httpx
import mcp_types
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.subscriptions import ResourcesListChanged, ResourceUpdated

from contextstack.mcp.notifications import Changes, changes_of
from contextstack.storage import Event
from tests.conftest import SERVER_DIR, Daemon
from tests.mcp.test_http import AGENT, answer_of, new_project, shared_daemon
from tests.mcp.test_stdio import Setup, setup

pytestmark = [
    pytest.mark.e2e,
    # The handshake era's resources/subscribe is what these tests exercise, deprecated at 2026-07-28 as it is.
    pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning"),
]
__all__ = ["setup", "shared_daemon"]  # fixtures shared with the modules they come from

# A guard against a hang, not a measurement: a notification that never comes fails the test instead of stalling it.
PATIENCE = 30


def event(type: str, project_id: str | None = "prj_a", **data: Any) -> Event:
    return Event(id=1, created_at="", project_id=project_id, actor="user", type=type, entity_id=None, data=dict(data))


@pytest.mark.parametrize(
    ("events", "changes"),
    [
        ([event("project.created")], Changes(list_changed=True, projects=frozenset({"prj_a"}))),
        ([event("project.deleted")], Changes(list_changed=True, projects=frozenset({"prj_a"}))),
        ([event("project.updated", slug="new")], Changes(list_changed=True, projects=frozenset({"prj_a"}))),
        ([event("project.updated", description="d")], Changes(projects=frozenset({"prj_a"}))),
        (
            [event("step.status_changed"), event("track.created", "prj_b")],
            Changes(projects=frozenset({"prj_a", "prj_b"})),
        ),
        ([event("knowledge.created", None)], Changes(every_context=True)),
        ([event("checkpoint.created"), event("message.created")], Changes()),
    ],
)
def test_which_events_change_the_list_and_which_projects_resources(events: list[Event], changes: Changes) -> None:
    assert changes_of(events) == changes


class Notices:
    """The change notifications a handshake-era client received, in order."""

    def __init__(self) -> None:
        self._send, self._receive = anyio.create_memory_object_stream[Any](100)

    async def handler(self, message: Any) -> None:
        if isinstance(message, mcp_types.ResourceListChangedNotification | mcp_types.ResourceUpdatedNotification):
            await self._send.send(message)

    async def next(self) -> str:
        """The next one: `list_changed`, or the address of the resource updated."""
        with anyio.fail_after(PATIENCE):
            message = await self._receive.receive()
        if isinstance(message, mcp_types.ResourceListChangedNotification):
            return "list_changed"
        return str(message.params.uri)


async def rest_post(daemon_url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=daemon_url) as api:
        response = await api.post(path, json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def handshake_era_client_is_told(client: Client, notices: Notices, url: str, prefix: str) -> None:
    """What every handshake-era client (over HTTP or stdio) is told, driven by REST changes."""
    capabilities = client.session.server_capabilities
    assert capabilities is not None
    assert capabilities.resources == mcp_types.ResourcesCapability(subscribe=True, list_changed=True)
    await client.list_resources()
    plan = f"contextstack://projects/{prefix}-watched/plan"
    await client.subscribe_resource(plan)

    await rest_post(url, "/api/projects", {"name": "Other", "slug": f"{prefix}-other"})
    assert await notices.next() == "list_changed"
    await rest_post(url, f"/api/projects/{prefix}-other/tracks", {"name": "Not watched"})
    await rest_post(url, f"/api/projects/{prefix}-watched/tracks", {"name": "Watched"})
    assert await notices.next() == plan  # the other project's change told nothing: no resource of it is watched
    async with httpx.AsyncClient(base_url=url) as api:
        assert (await api.delete(f"/api/projects/{prefix}-other")).status_code in (200, 204)
    assert await notices.next() == "list_changed"
    listed = {str(resource.uri) for resource in (await client.list_resources()).resources}
    assert f"contextstack://projects/{prefix}-other/plan" not in listed


async def test_a_handshake_era_client_over_http_is_told_of_new_projects_and_of_its_subscribed_resources(
    shared_daemon: Daemon,
) -> None:
    await new_project(shared_daemon, "legacy-watched")
    notices = Notices()
    async with Client(
        f"{shared_daemon.url}/mcp", mode="legacy", client_info=AGENT, cache=None, message_handler=notices.handler
    ) as client:
        await handshake_era_client_is_told(client, notices, shared_daemon.url, "legacy")


async def test_a_client_at_2026_07_28_listens_for_the_list_and_its_resources(shared_daemon: Daemon) -> None:
    await new_project(shared_daemon, "modern-watched")
    status = "contextstack://projects/modern-watched/status"
    async with Client(f"{shared_daemon.url}/mcp", client_info=AGENT, cache=None) as client:
        assert client.session.protocol_version == "2026-07-28"
        async with client.listen(resources_list_changed=True, resource_subscriptions=[status]) as events:
            assert events.honored.resources_list_changed
            await rest_post(shared_daemon.url, "/api/projects", {"name": "Modern other", "slug": "modern-other"})
            with anyio.fail_after(PATIENCE):
                assert await anext(events) == ResourcesListChanged()
            await rest_post(shared_daemon.url, "/api/projects/modern-other/tracks", {"name": "Not watched"})
            await rest_post(shared_daemon.url, "/api/projects/modern-watched/tracks", {"name": "Watched"})
            with anyio.fail_after(PATIENCE):
                assert await anext(events) == ResourceUpdated(uri=status)


@asynccontextmanager
async def stdio_client(setup: Setup, notices: Notices) -> AsyncIterator[Client]:
    server = StdioServerParameters(command=sys.executable, args=setup.command()[1:], env=setup.env)
    async with Client(server, mode="legacy", client_info=AGENT, cache=None, message_handler=notices.handler) as client:
        yield client


async def test_a_client_over_stdio_is_told_through_the_bridge(setup: Setup) -> None:
    notices = Notices()
    async with stdio_client(setup, notices) as client:  # the bridge started the daemon
        assert (await client.list_resources()).resources == []
        await rest_post(setup.url, "/api/projects", {"name": "Watched", "slug": "stdio-watched"})
        assert await notices.next() == "list_changed"
        await handshake_era_client_is_told(client, notices, setup.url, "stdio")


async def test_a_client_at_2026_07_28_over_stdio_listens_through_the_bridge(shared_daemon: Daemon) -> None:
    # A daemon that answers already: a client's probe of the newest version waits only so long for a bridge that is
    # still starting one, then falls back to the handshake (as the test above shows works too).
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEXTSTACK_")}
    env["PYTHONPATH"] = str(SERVER_DIR)
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "contextstack", "mcp", "--url", shared_daemon.url], env=env
    )
    async with Client(server, client_info=AGENT, cache=None) as client:
        assert client.session.protocol_version == "2026-07-28"
        async with client.listen(resources_list_changed=True) as events:
            await rest_post(shared_daemon.url, "/api/projects", {"name": "Listened", "slug": "stdio-listened"})
            with anyio.fail_after(PATIENCE):
                assert await anext(events) == ResourcesListChanged()
        plan = (await client.read_resource("contextstack://projects/stdio-listened/plan")).contents[0]
        track = answer_of(await client.call_tool("create_track", {"project": "stdio-listened", "name": "Modern"}))
    assert track["name"] == "Modern"
    assert isinstance(plan, mcp_types.TextResourceContents)
    assert '"slug":"stdio-listened"' in plan.text
