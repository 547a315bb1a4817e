"""Telling MCP clients what changed: the resource list when projects come and go, a resource when its project does.

Driven by the daemon's own event broadcaster, so a change made anywhere (REST, the CLI, another agent) is told.
Two eras of the protocol: a client at 2026-07-28 opens a `subscriptions/listen` stream (the SDK's ListenHandler,
fed by a bus); a client at an earlier version is sent `notifications/resources/list_changed` on its session's
standalone stream once it has looked at the resources, and `notifications/resources/updated` for each resource it
asked for with `resources/subscribe`.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.abc
import mcp_types as types
from mcp.server.connection import Connection
from mcp.server.context import ServerRequestContext
from mcp.server.session import ServerSession
from mcp.server.subscriptions import InMemorySubscriptionBus, ListenHandler
from mcp.shared.exceptions import MCPError
from mcp.shared.subscriptions import ResourcesListChanged, ResourceUpdated
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from contextstack.errors import NotFound
from contextstack.events.models import EventFilter
from contextstack.mcp import resources
from contextstack.plan import service as plan
from contextstack.runtime import Runtime
from contextstack.storage import Event, Reader

log = logging.getLogger(__name__)

# How long the loop waits for events before it looks again whether the daemon is closing.
WAIT_SECONDS = 30.0
# Project changes that change the list: a project's resources come, go, or are named anew.
_LIST_EVENTS = frozenset(
    {"project.created", "project.deleted", "project.imported", "project.restored", "project.undone"}
)
_NAMING_FIELDS = frozenset({"slug", "name"})
# History and snapshots: they change no project's context, plan or status.
_QUIET_PREFIXES = ("checkpoint.", "conversation.", "message.")


@dataclass(frozen=True)
class Changes:
    """What a batch of events changed: whether the resource list did, and which projects' resources did."""

    list_changed: bool = False
    projects: frozenset[str] = frozenset()
    every_context: bool = False  # global knowledge: part of every project's context document


def changes_of(events: Iterable[Event]) -> Changes:
    """What these committed events change for MCP clients."""
    list_changed, every_context = False, False
    projects: set[str] = set()
    for event in events:
        if event.type.startswith(_QUIET_PREFIXES):
            continue
        if event.type in _LIST_EVENTS or (event.type == "project.updated" and _NAMING_FIELDS & event.data.keys()):
            list_changed = True
        if event.project_id is not None:
            projects.add(event.project_id)
        elif event.type.startswith("knowledge."):
            every_context = True
    return Changes(list_changed, frozenset(projects), every_context)


@dataclass
class _Client:
    """A client at a handshake-era version: its session's channel, and the resources it subscribed to."""

    subscribed: set[str] = field(default_factory=set)


def _connection(session: ServerSession) -> Connection:
    # The SDK hands a handler a proxy made for its request; the connection behind it lives as long as the client's
    # session, and its standalone stream is where change notifications go at these versions.
    connection: Connection = session._connection
    return connection


class ChangeNotices:
    """The list-changed and updated notifications of one daemon's MCP server."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.bus = InMemorySubscriptionBus()
        self.listen = ListenHandler(self.bus)
        self._clients: weakref.WeakKeyDictionary[Connection, _Client] = weakref.WeakKeyDictionary()

    def seen(self, ctx: ServerRequestContext[Any, Any]) -> None:
        """Note a client that looked at the resources: it is told when their list changes."""
        if ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS:
            self._clients.setdefault(_connection(ctx.session), _Client())

    async def subscribe(
        self, ctx: ServerRequestContext[Any, Any], params: types.SubscribeRequestParams
    ) -> types.EmptyResult:
        address = str(params.uri)
        if resources.URI.match(address) is None:
            raise MCPError(
                types.INVALID_PARAMS,
                f"no resource {address[:200]!r} to subscribe to: addresses look like "
                "contextstack://projects/SLUG/context, …/plan, …/status",
            )
        self._clients.setdefault(_connection(ctx.session), _Client()).subscribed.add(address)
        return types.EmptyResult()

    async def unsubscribe(
        self, ctx: ServerRequestContext[Any, Any], params: types.UnsubscribeRequestParams
    ) -> types.EmptyResult:
        client = self._clients.get(_connection(ctx.session))
        if client is not None:
            client.subscribed.discard(str(params.uri))
        return types.EmptyResult()

    async def run(self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Tell clients about each batch of committed events, until the daemon closes its broadcaster."""
        subscription = self.runtime.broadcaster.subscribe(EventFilter())
        task_status.started()
        try:
            while True:
                events = await subscription.next_events(WAIT_SECONDS)
                if events:
                    await self.tell(changes_of(events))
                if subscription.state == "overflowed":
                    # Fell behind: resubscribe, and tell everything, as what was missed is not known.
                    subscription.close()
                    subscription = self.runtime.broadcaster.subscribe(EventFilter())
                    await self.tell(Changes(list_changed=True, every_context=True, projects=await self._all()))
                elif subscription.state == "closed" and not events:
                    return
        finally:
            subscription.close()
            self.listen.close()

    async def _all(self) -> frozenset[str]:
        return frozenset(project.id for project in await resources.all_projects(self.runtime))

    async def tell(self, changes: Changes) -> None:
        """Publish the changes on the bus and send them to each handshake-era client that wants them."""
        addresses = await self._addresses(changes)
        if changes.list_changed:
            await self.bus.publish(ResourcesListChanged())
        for address in addresses:
            await self.bus.publish(ResourceUpdated(uri=address))
        for connection, client in list(self._clients.items()):
            try:
                if changes.list_changed:
                    await connection.send_resource_list_changed()
                for address in sorted(client.subscribed.intersection(addresses)):
                    await connection.send_resource_updated(address)
            except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                self._clients.pop(connection, None)  # the session ended

    async def _addresses(self, changes: Changes) -> list[str]:
        """The addresses of the resources the changes touch, for projects that still exist."""
        if not (changes.projects or changes.every_context):
            return []

        async def slugs(view: Reader) -> dict[str, str]:
            found = {}
            for project_id in sorted(changes.projects):
                try:
                    found[project_id] = (await plan.resolve_project(view, project_id)).slug
                except NotFound:
                    continue  # deleted since: its resources went with it
            return found

        touched = await self.runtime.db.read(slugs)
        addresses = [resources.uri(slug, aspect.name) for slug in touched.values() for aspect in resources.ASPECTS]
        if changes.every_context:
            others = [p.slug for p in await resources.all_projects(self.runtime) if p.id not in touched]
            addresses += [resources.uri(slug, "context") for slug in others]
        return addresses
