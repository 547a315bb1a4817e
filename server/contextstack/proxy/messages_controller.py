"""HTTP for Anthropic's Messages API: /v1/messages and its count_tokens, and the same under /p/{project}/v1."""

from __future__ import annotations

from litestar import Controller, asgi, head

from contextstack.asgi import Receive, Scope, Send
from contextstack.proxy.errors import ANTHROPIC_ERROR_HANDLERS
from contextstack.proxy.exchange import forwarded_credentials, serve
from contextstack.proxy.messages import count_message_tokens, create_message
from contextstack.proxy.paths import project_in_path
from contextstack.proxy.service import ProxyAnswer, ProxyOptions, StreamPlace
from contextstack.runtime import Runtime


async def _message(
    runtime: Runtime, options: ProxyOptions, scope: Scope, body: bytes, place: StreamPlace
) -> ProxyAnswer:
    forwarded = forwarded_credentials(scope, runtime.settings.token, anthropic=True)
    return await create_message(
        runtime.providers,
        runtime.db,
        runtime.contexts,
        runtime.turns,
        runtime.settings,
        body,
        options,
        place,
        forwarded,
    )


async def _count(runtime: Runtime, options: ProxyOptions, scope: Scope, body: bytes, place: StreamPlace) -> ProxyAnswer:
    forwarded = forwarded_credentials(scope, runtime.settings.token, anthropic=True)
    return await count_message_tokens(
        runtime.providers, runtime.db, runtime.contexts, runtime.turns, runtime.settings, body, options, forwarded
    )


async def _messages(scope: Scope, receive: Receive, send: Send, project: str | None) -> None:
    await serve(scope, receive, send, project, _message, recorded_as="messages")


async def _count_tokens(scope: Scope, receive: Receive, send: Send, project: str | None) -> None:
    await serve(scope, receive, send, project, _count)


class AnthropicProxy(Controller):
    """Anthropic's Messages API, served by whichever provider the model names."""

    path = "/v1/messages"
    tags = ["proxy"]
    exception_handlers = ANTHROPIC_ERROR_HANDLERS
    include_in_schema = False

    # Also /p/{project}/v1/messages's (`ANTHROPIC_BASE_URL=http://…/p/{project}`), routed here before Litestar
    # with the project in the scope (proxy/paths.py).
    @asgi("/", name="create_message", copy_scope=False)
    async def messages(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _messages(scope, receive, send, project_in_path(scope))

    @asgi("/count_tokens", name="count_message_tokens", copy_scope=False)
    async def count_tokens(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _count_tokens(scope, receive, send, project_in_path(scope))


@head("/", operation_id="probe_root", include_in_schema=False)
async def probe_root() -> None:
    """Answers Claude Code's probe of its base URL (`HEAD /`) before it sends anything."""
