"""create_app(settings) -> Litestar: wiring only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import swagger_ui_bundle
from litestar import Litestar, asgi
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Server
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from contextstack import __version__
from contextstack.asgi import Receive, Scope, Send
from contextstack.assembly.controller import get_project_context
from contextstack.checkpoints.controller import CheckpointController, ProjectCheckpointController
from contextstack.conversations.controller import ConversationController
from contextstack.dependencies import DEPENDENCIES
from contextstack.events.controller import EventController
from contextstack.execution.controller import ExecutionController
from contextstack.guard import RequestGuard
from contextstack.json_request import JSONBodyRequest
from contextstack.mcp.endpoint import McpEndpoint
from contextstack.memory.controller import KnowledgeController
from contextstack.plan.controller import (
    PhaseController,
    ProjectController,
    StepController,
    TrackController,
    get_project_plan,
)
from contextstack.portability.controller import export_project_handler, import_project_handler
from contextstack.problems import EXCEPTION_HANDLERS
from contextstack.providers.controller import list_models, list_providers
from contextstack.proxy.controller import OpenAIProxy, ProjectOpenAIProxy
from contextstack.proxy.errors import on_proxy_paths
from contextstack.proxy.messages_controller import AnthropicProxy, probe_root
from contextstack.proxy.paths import ProjectPaths
from contextstack.runtime import Runtime
from contextstack.settings import MAX_BODY_BYTES, Settings
from contextstack.system.controller import health

ASSETS = "/schema/assets"


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Contextstack",
        version=__version__,
        description=(
            "A local-first daemon that keeps your projects' context — plan, knowledge, progress — and hands it "
            "to any model. Errors are RFC 9457 problem+json."
        ),
        servers=[Server(url="http://127.0.0.1:8765", description="the local daemon")],
        path="/schema",
        use_handler_docstrings=True,
        render_plugins=[
            SwaggerRenderPlugin(
                path=["/", "/swagger"],
                js_url=f"{ASSETS}/swagger-ui-bundle.js",
                css_url=f"{ASSETS}/swagger-ui.css",
                standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
                favicon=f"<link rel='icon' type='image/png' href='{ASSETS}/favicon-32x32.png'>",
            )
        ],
    )


@asgi("/mcp", name="mcp", copy_scope=False)
async def mcp_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """The MCP server's Streamable HTTP transport (the SDK's), behind the same guard as every route."""
    endpoint: McpEndpoint = scope["litestar_app"].state.mcp
    await endpoint(scope, receive, send)


def route_handlers() -> list[ControllerRouterHandler]:
    return [
        health,
        mcp_endpoint,
        ProjectController,
        get_project_context,
        TrackController,
        PhaseController,
        StepController,
        get_project_plan,
        ExecutionController,
        EventController,
        KnowledgeController,
        list_providers,
        list_models,
        OpenAIProxy,
        ProjectOpenAIProxy,
        AnthropicProxy,
        probe_root,
        export_project_handler,
        import_project_handler,
        ConversationController,
        ProjectCheckpointController,
        CheckpointController,
        create_static_files_router(
            path=ASSETS, directories=[swagger_ui_bundle.swagger_ui_path], include_in_schema=False
        ),
    ]


def create_app(settings: Settings, runtime: Runtime | None = None) -> Litestar:
    """The daemon's ASGI app over the store named in `settings` (or over `runtime`, shared with another front end)."""
    return Litestar(
        route_handlers=route_handlers(),
        dependencies=DEPENDENCIES,
        exception_handlers=on_proxy_paths(EXCEPTION_HANDLERS),
        logging_config=None,
        lifespan=[lifespan],
        state=runtime_state(Runtime(settings) if runtime is None else runtime),
        openapi_config=openapi_config(),
        request_max_body_size=MAX_BODY_BYTES,
        request_class=JSONBodyRequest,
        debug=False,
    )


def runtime_state(runtime: Runtime) -> State:
    """What the app serves from, which its handlers find in its state: the runtime, and the MCP endpoint over it."""
    return State({"runtime": runtime, "mcp": McpEndpoint(runtime)})


@asynccontextmanager
async def lifespan(app: Litestar) -> AsyncIterator[None]:
    """Open the app's runtime and MCP endpoint for as long as it serves."""
    runtime: Runtime = app.state.runtime
    mcp: McpEndpoint = app.state.mcp
    await runtime.open()
    try:
        async with mcp.run():
            yield
    finally:
        await runtime.close()


def end_streams(app: Litestar) -> None:
    """End the live event streams now: the server is shutting down, and would otherwise wait for them."""
    runtime: Runtime = app.state.runtime
    runtime.broadcaster.close()


def create_asgi_app(settings: Settings, app: Litestar | None = None) -> RequestGuard:
    """The app as served: every request, routed or not, passes the guard (log line, Host, Origin, CORS, token);
    the proxy's project paths are then routed as the /v1 paths they mirror (proxy/paths.py)."""
    return RequestGuard(
        ProjectPaths(create_app(settings) if app is None else app),
        allowed_hosts=[*settings.allowed_hosts, settings.host],
        allowed_origins=settings.allowed_origins,
        token=settings.token,
        # `HEAD /` is Claude Code's probe of its base URL, sent without its key: it learns nothing but that the
        # daemon is up, as /health tells anyone.
        open_paths=("/health", "/"),
    )
