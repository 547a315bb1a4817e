"""`contextstack mcp`: the MCP server over stdio, for clients that launch a command.

It serves nothing itself: it bridges stdin/stdout to the running daemon's `/mcp` (the SDK's Streamable HTTP
client), so one process writes the store. When no daemon answers it starts one (`contextstack serve` with the
same config) and waits for `/health`. Standard output carries protocol messages only; anything else goes to
standard error.
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from contextstack.cli import workspace
from contextstack.remote import TOKEN_ENV, URL_ENV
from contextstack.settings import Settings, default_db_path, load_settings

STARTUP_SECONDS = 30.0
DAEMON_LOG = "contextstack-daemon.log"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "mcp",
        help="serve MCP over stdio (for agents that launch a command), bridged to the daemon",
        description=(
            "Speak the Model Context Protocol on stdin/stdout, bridged to the running daemon's /mcp; start the "
            "daemon in the background (with the same config) when none answers. docs/mcp.md shows each client's "
            "configuration."
        ),
    )
    parser.add_argument(
        "-p",
        "--project",
        help="the default project of tools that take one (default: the one `contextstack use` chose here)",
    )
    parser.add_argument("--url", help="the daemon (default: host and port of the config file; env CONTEXTSTACK_URL)")
    parser.add_argument(
        "--config",
        help="TOML config file, also for a daemon it starts (default: config.toml in the user config dir; "
        "env CONTEXTSTACK_CONFIG)",
    )
    parser.set_defaults(local=run_mcp)


def configured_url(settings: Settings) -> str:
    """Where the daemon of these settings answers."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
    host = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{host}:{settings.port}"


def default_project(given: str | None) -> str | None:
    """`--project`, else the project of the nearest `.contextstack`, else none."""
    if given:
        return given
    found = workspace.find_file(Path.cwd())
    if found is None:
        return None
    try:
        return workspace.read_project(found)
    except ValueError as exc:
        print(f"contextstack: {exc}", file=sys.stderr)
        return None


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2.0).status_code == 200
    except httpx.TransportError:
        return False


def daemon_log(settings: Settings) -> Path:
    """Where a daemon started here writes: beside its SQLite file, or in the user data dir for a PostgreSQL store."""
    if settings.db == ":memory:":
        return Path(os.devnull)
    if "://" in settings.db:
        return Path(default_db_path()).with_name(DAEMON_LOG)
    return Path(settings.db).with_name(DAEMON_LOG)


def start_daemon(settings: Settings, config: str | None) -> subprocess.Popen[bytes]:
    """`contextstack serve` with this config, in the background, its output in a log beside the store."""
    log_path = daemon_log(settings)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "contextstack", "serve", *(["--config", config] if config else [])]
    with log_path.open("ab") as log:
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, close_fds=True
        )


def ensure_daemon(url: str, settings: Settings, config: str | None, *, may_start: bool) -> str | None:
    """None once a daemon answers at `url` (started here if need be), else why not."""
    if _answers(url):
        return None
    if not may_start:
        return f"no daemon answers at {url}; start one with `contextstack serve`"
    started = start_daemon(settings, config)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if _answers(url):
            return None
        # A daemon that exits at once may have lost the store's lock to one another client started: wait for that.
        started.poll()
        time.sleep(0.1)
    log = daemon_log(settings)
    return f"the daemon started for {url} did not answer within {STARTUP_SECONDS:.0f} s; see {log}"


def run_mcp(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    given_url = args.url or os.environ.get(URL_ENV)
    url = (given_url or configured_url(settings)).rstrip("/")
    problem = ensure_daemon(url, settings, args.config, may_start=given_url is None)
    if problem is not None:
        print(f"contextstack: {problem}", file=sys.stderr)
        return 1
    project = default_project(args.project)
    endpoint = f"{url}/mcp" + (f"?project={quote(project)}" if project else "")
    token = os.environ.get(TOKEN_ENV) or settings.token

    import anyio

    anyio.run(bridge, endpoint, token)
    return 0


def http_headers(message: Any) -> dict[str, str] | None:
    """The headers Streamable HTTP wants beside a 2026-07-28 request, from its own envelope (`_meta`); else None.

    Over stdio a request carries its protocol version only in `_meta`; over HTTP the server checks that headers
    say the same (version, method and, for tools/call and resources/read, the name), so the bridge writes them.
    """
    from mcp.shared.inbound import (
        MCP_METHOD_HEADER,
        MCP_NAME_HEADER,
        MCP_PROTOCOL_VERSION_HEADER,
        NAME_BEARING_METHODS,
        encode_header_value,
    )
    from mcp_types import PROTOCOL_VERSION_META_KEY, JSONRPCRequest
    from mcp_types.version import MODERN_PROTOCOL_VERSIONS

    if not isinstance(message, JSONRPCRequest) or not isinstance(message.params, dict):
        return None
    meta = message.params.get("_meta")
    version = meta.get(PROTOCOL_VERSION_META_KEY) if isinstance(meta, dict) else None
    if version not in MODERN_PROTOCOL_VERSIONS:
        return None
    headers = {MCP_PROTOCOL_VERSION_HEADER: str(version), MCP_METHOD_HEADER: message.method}
    name_key = NAME_BEARING_METHODS.get(message.method)
    name = message.params.get(name_key) if name_key else None
    if isinstance(name, str):
        headers[MCP_NAME_HEADER] = encode_header_value(name)
    return headers


async def bridge(endpoint: str, token: str | None) -> None:
    """Relay protocol messages between stdin/stdout and the daemon's Streamable HTTP endpoint until stdin closes."""
    import anyio
    from mcp.client.streamable_http import streamable_http_client
    from mcp.server.stdio import stdio_server
    from mcp.shared._httpx_utils import create_mcp_http_client
    from mcp.shared._stream_protocols import ReadStream, WriteStream
    from mcp.shared.message import ClientMessageMetadata, SessionMessage

    async def relay(
        source: ReadStream[SessionMessage | Exception], sink: WriteStream[SessionMessage], *, stamp: bool
    ) -> None:
        async for message in source:
            if isinstance(message, Exception):
                print(f"contextstack: {message}", file=sys.stderr)
                continue
            headers = http_headers(message.message) if stamp else None
            if headers is not None:
                message = SessionMessage(message.message, metadata=ClientMessageMetadata(headers=headers))
            await sink.send(message)

    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with (
        create_mcp_http_client(headers=headers) as http,
        streamable_http_client(endpoint, http_client=http) as (from_daemon, to_daemon),
        stdio_server() as (from_client, to_client),
        anyio.create_task_group() as relays,
    ):
        relays.start_soon(functools.partial(relay, from_daemon, to_client, stamp=False))
        await relay(from_client, to_daemon, stamp=True)  # until the client closes stdin
        relays.cancel_scope.cancel()
        await to_client.aclose()  # else stdio_server waits for more to write
