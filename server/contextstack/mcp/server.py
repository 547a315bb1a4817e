"""The MCP server over the daemon's Runtime (the SDK's low-level server), and its Streamable HTTP sessions."""

from __future__ import annotations

import re
from typing import Any

import mcp_types as types
import msgspec
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import NotificationOptions, Server
from mcp.server.models import InitializationOptions
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError

from contextstack import __version__
from contextstack.errors import ContextstackError
from contextstack.mcp import resources
from contextstack.mcp.notifications import ChangeNotices
from contextstack.mcp.schemas import SERVER_SET
from contextstack.mcp.tools import TOOLS, TOOLS_BY_NAME, Call
from contextstack.runtime import Runtime

INSTRUCTIONS = (
    "Contextstack keeps this project's plan, knowledge and progress. Start with `get_context` (or the "
    "contextstack://projects/{slug}/context resource); record what you decide with `record_knowledge`, and move "
    "the plan with `set_step_status`. Changes are recorded as made by this client (`ai:<client name>`)."
)
RESOURCE_NOT_FOUND = -32002
_PATH = re.compile(r"`\$\.?([^`]*)`")


def actor_of(client_name: str | None) -> str:
    """The actor an MCP client's changes are recorded as: `ai:` and its name, spaces as dashes, at most 100 chars."""
    name = "-".join((client_name or "").split())[:100]
    return f"ai:{name or 'mcp'}"


def problem_text(error: ContextstackError) -> str:
    """A domain error as a tool error says it: what is wrong, then each argument at fault."""
    lines = [error.detail, *(f"- {fault.field}: {fault.message}" for fault in error.errors or ())]
    return "\n".join(lines)


def invalid_arguments_text(error: msgspec.ValidationError) -> str:
    """msgspec's `Expected `int`, got `str` - at `$.limit`` as `limit: Expected `int`, got `str``."""
    message = str(error)
    head, sep, where = message.rpartition(" - at ")
    found = _PATH.fullmatch(where) if sep else None
    if found is None:
        return f"invalid arguments: {message}"
    return f"invalid arguments\n- {found[1] or '(arguments)'}: {head}"


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=text)], is_error=True)


def _answer(result: msgspec.Struct | str) -> types.CallToolResult:
    if isinstance(result, str):
        return types.CallToolResult(content=[types.TextContent(text=result)])
    return types.CallToolResult(
        content=[types.TextContent(text=msgspec.json.encode(result).decode())],
        structured_content=msgspec.to_builtins(result),
    )


def _default_project(ctx: ServerRequestContext[Any, Any]) -> str | None:
    # `/mcp?project=SLUG`: how `contextstack mcp --project SLUG` (or an HTTP client's URL) names it.
    query_params = getattr(ctx.request, "query_params", None)
    project = None if query_params is None else query_params.get("project")
    return project or None


def _client_name(ctx: ServerRequestContext[Any, Any]) -> str | None:
    params = ctx.session.client_params
    return None if params is None else params.client_info.name


class _Server(Server[Any]):
    """The low-level server, saying at handshake-era versions that it tells clients when the resource list changes
    (at 2026-07-28 the SDK says so from the `subscriptions/listen` handler)."""

    def create_initialization_options(
        self,
        notification_options: NotificationOptions | None = None,
        experimental_capabilities: dict[str, dict[str, Any]] | None = None,
        extensions: dict[str, dict[str, Any]] | None = None,
    ) -> InitializationOptions:
        return super().create_initialization_options(
            notification_options or NotificationOptions(resources_changed=True), experimental_capabilities, extensions
        )


def build_server(runtime: Runtime, notices: ChangeNotices) -> Server[Any]:
    """The SDK's low-level server, its handlers calling the same services as the REST API."""

    async def list_tools(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(
                    name=tool.name,
                    description=tool.description,
                    input_schema=tool.schema,
                    # A change adds (an entry, a step …) or moves a status: nothing is deleted or overwritten.
                    annotations=types.ToolAnnotations(read_only_hint=not tool.changes, destructive_hint=False),
                )
                for tool in TOOLS
            ]
        )

    async def call_tool(
        ctx: ServerRequestContext[Any, Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        tool = TOOLS_BY_NAME.get(params.name)
        if tool is None:
            return _error(f"no tool {params.name!r}; the tools are {', '.join(TOOLS_BY_NAME)}")
        given = params.arguments or {}
        refused = sorted(SERVER_SET & given.keys())
        if refused:
            return _error(f"invalid arguments\n- {refused[0]}: set by the server (the client's name), not an argument")
        try:
            arguments = msgspec.convert(given, tool.arguments)
        except msgspec.ValidationError as exc:
            return _error(invalid_arguments_text(exc))
        call = Call(runtime, actor_of(_client_name(ctx)), _default_project(ctx))
        try:
            return _answer(await tool.run(call, arguments))
        except ContextstackError as exc:
            return _error(problem_text(exc))

    async def list_resources(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        notices.seen(ctx)
        return types.ListResourcesResult(
            resources=[
                types.Resource(
                    uri=resources.uri(project.slug, aspect.name),
                    name=f"{project.slug}/{aspect.name}",
                    title=f"{project.name}: {aspect.title.partition(' (')[0]}",
                    description=f"The project {project.name!r}'s {aspect.title}.",
                    mime_type=aspect.mime_type,
                )
                for project in await resources.all_projects(runtime)
                for aspect in resources.ASPECTS
            ]
        )

    async def list_resource_templates(
        ctx: ServerRequestContext[Any, Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(
            resource_templates=[
                types.ResourceTemplate(
                    uri_template=resources.uri("{slug}", aspect.name),
                    name=f"project-{aspect.name}",
                    description=f"A project's {aspect.title}.",
                    mime_type=aspect.mime_type,
                )
                for aspect in resources.ASPECTS
            ]
        )

    async def read_resource(
        ctx: ServerRequestContext[Any, Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        notices.seen(ctx)
        address = str(params.uri)
        try:
            text, mime_type = await resources.read(runtime, address)
        except ContextstackError as exc:
            raise MCPError(RESOURCE_NOT_FOUND, problem_text(exc), {"uri": address}) from None
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=address, mime_type=mime_type, text=text)]
        )

    return _Server(
        "contextstack",
        version=__version__,
        title="Contextstack",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_resource_templates,
        on_read_resource=read_resource,
        on_subscribe_resource=notices.subscribe,
        on_unsubscribe_resource=notices.unsubscribe,
        on_subscriptions_listen=notices.listen,
    )


def session_manager(runtime: Runtime) -> tuple[StreamableHTTPSessionManager, ChangeNotices]:
    """The SDK's Streamable HTTP sessions over `build_server(runtime)`, and the notices that server sends (its
    `run()` belongs beside the sessions').

    Host, Origin and token are checked in front of it by the daemon's guard, so the SDK's own checks are off.
    """
    notices = ChangeNotices(runtime)
    sessions = StreamableHTTPSessionManager(
        app=build_server(runtime, notices),
        security_settings=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    return sessions, notices
