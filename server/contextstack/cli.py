"""The `contextstack` command: `serve` runs the daemon, `openapi` writes its API document, and the rest talk to a
running daemon through the generated client (contextstack/remote.py)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import msgspec

from contextstack import __version__
from contextstack.errors import ContextstackError
from contextstack.settings import Settings, is_loopback, load_settings

log = logging.getLogger("contextstack")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="contextstack",
        description="Contextstack: a local-first daemon that keeps your projects' context and hands it to any model.",
    )
    parser.add_argument("--version", action="version", version=f"contextstack {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser(
        "serve",
        help="run the daemon",
        description=(
            "Run the daemon. Settings come from the defaults, then the config file, then CONTEXTSTACK_* "
            "environment variables, then these flags."
        ),
    )
    serve.add_argument("--host", help="address to bind (default 127.0.0.1; env CONTEXTSTACK_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8765; env CONTEXTSTACK_PORT)")
    serve.add_argument(
        "--db",
        help="SQLite database file (default: contextstack.db in the user data dir; env CONTEXTSTACK_DB)",
    )
    serve.add_argument(
        "--config",
        help="TOML config file (default: config.toml in the user config dir; env CONTEXTSTACK_CONFIG)",
    )
    serve.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        help="log verbosity (default info; env CONTEXTSTACK_LOG_LEVEL)",
    )

    openapi = commands.add_parser("openapi", help="write the OpenAPI document of the API")
    openapi.add_argument("-o", "--output", help="file to write (default: standard output)")

    daemon = argparse.ArgumentParser(add_help=False)
    daemon.add_argument(
        "--url",
        help="the daemon to talk to (default http://127.0.0.1:8765; env CONTEXTSTACK_URL); "
        "CONTEXTSTACK_TOKEN, when set, is sent as its bearer token",
    )
    commands.add_parser(
        "projects", parents=[daemon], help="list the projects", description="List the projects: slug, status, name."
    )
    context = commands.add_parser(
        "context",
        parents=[daemon],
        help="print a project's assembled context",
        description="Print the context document a model would start from, within a token budget.",
    )
    context.add_argument("project", help="the project's slug or id")
    context.add_argument("--query", help="what the model will be asked: pulls in the knowledge relevant to it")
    context.add_argument("--budget", type=int, help="token budget (default: the daemon's context_budget)")
    context.add_argument(
        "--format",
        choices=["markdown", "json"],
        default="markdown",
        help="markdown (default): the document; json: it with its token counts and manifest",
    )
    status = commands.add_parser(
        "status",
        parents=[daemon],
        help='where a project stands ("where am I")',
        description="Progress per project, track and phase; the steps in progress, blocked, next and recently done.",
    )
    status.add_argument("project", help="the project's slug or id")
    status.add_argument("--next", type=int, default=5, help="how many next steps to show (default 5)")
    status.add_argument("--recent", type=int, default=5, help="how many recently done steps to show (default 5)")
    status.add_argument("--format", choices=["text", "json"], default="text", help="text (default) or the raw JSON")
    export = commands.add_parser(
        "export",
        parents=[daemon],
        help="export a project (lossless JSON, or an AGENTS.md file)",
        description="Export a project: versioned lossless JSON to import elsewhere, or AGENTS.md for coding agents.",
    )
    export.add_argument("project", help="the project's slug or id")
    export.add_argument("--format", choices=["json", "agents-md"], default="json", help="json (default) or agents-md")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    importing = commands.add_parser(
        "import",
        parents=[daemon],
        help="import a project exported as JSON",
        description="Import an exported project as a new project, or over an existing one with --replace.",
    )
    importing.add_argument("file", help="the JSON file `contextstack export` wrote")
    importing.add_argument("--replace", metavar="PROJECT", help="replace this project's plan and knowledge instead")
    importing.add_argument("--slug", help="the new project's slug (default: the exported one, made unique)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            settings = load_settings(args.config, host=args.host, port=args.port, db=args.db, log_level=args.log_level)
            return serve(settings)
        if args.command == "openapi":
            return write_openapi(args.output)
        from contextstack import remote

        return remote.run(args)
    except ContextstackError as exc:
        print(f"contextstack: {exc.detail}", file=sys.stderr)
        return 2


def _configure_logging(level: str) -> None:
    # The format uses no source location, thread or process: not looking them up makes every record (one per
    # request) cheaper, as the logging HOWTO's "Optimization" section describes.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


async def _prepare_store(settings: Settings) -> None:
    from contextstack.storage import Database

    db = Database(settings.db, readers=1)
    await db.open()
    await db.close()


def serve(settings: Settings) -> int:
    """Run the daemon until SIGINT/SIGTERM; in-flight requests finish and the store closes cleanly."""
    import uvicorn

    from contextstack.app import create_app, create_asgi_app, end_streams
    from contextstack.serving import server_config

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            # uvicorn's graceful shutdown waits for every open response, and an event stream never ends by itself.
            end_streams(app)
            await super().shutdown(sockets)

    if not is_loopback(settings.host) and not settings.token:
        print(
            f"contextstack: refusing to listen on {settings.host} without an access token; set "
            "CONTEXTSTACK_TOKEN (or `token` in the config file), or bind to 127.0.0.1",
            file=sys.stderr,
        )
        return 2
    _configure_logging(settings.log_level)
    asyncio.run(_prepare_store(settings))
    log.info("store %s ready", settings.db)
    app = create_app(settings)
    config = server_config(settings, create_asgi_app(settings, app))
    server = Server(config)
    server.run()
    return 0 if server.started else 1


def write_openapi(output: str | None) -> int:
    """Write the app's OpenAPI document as stable, indented JSON."""
    document = openapi_document()
    if output:
        Path(output).write_bytes(document)
    else:
        sys.stdout.buffer.write(document)
    return 0


def openapi_document() -> bytes:
    from contextstack.app import create_app

    app = create_app(Settings(db=":memory:"))
    schema = app.openapi_schema.to_schema()
    return msgspec.json.format(msgspec.json.encode(schema, order="sorted"), indent=2) + b"\n"
