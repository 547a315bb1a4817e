"""`contextstack serve` runs the daemon; `contextstack openapi` writes its API document."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import socket
import sys
from pathlib import Path

import msgspec

from contextstack.settings import Settings, is_loopback, load_settings

log = logging.getLogger("contextstack")


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
    from contextstack.storage import open_database

    db = open_database(settings.db, readers=1)
    await db.open()
    await db.close()


def settle_heap() -> None:
    """Move what the daemon holds once it has started (modules, the app, its routes, the runtime) out of the
    garbage collector's sight, so that a full collection walks only what requests made since.

    Without it each full collection, which requests' short reference cycles bring about every few hundred of them,
    walks every object of every module loaded and pauses the event loop, and every request in flight with it, for
    as long (docs/benchmarks.md, Proxy in bursts). What is frozen is kept for the life of the process: it is the
    daemon's own.
    """
    gc.collect()
    gc.freeze()


def serve(settings: Settings) -> int:
    """Run the daemon until SIGINT/SIGTERM; in-flight requests finish and the store closes cleanly."""
    import uvicorn

    from contextstack.app import create_app, create_asgi_app, end_streams
    from contextstack.serving import server_config
    from contextstack.storage.lock import StoreInUse, lock_store, release_store
    from contextstack.storage.urls import check_location, is_postgres, without_password

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            # uvicorn's graceful shutdown waits for every open response, and an event stream never ends by itself.
            end_streams(app)
            await super().shutdown(sockets)

        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            settle_heap()

    if not is_loopback(settings.host) and not settings.token:
        print(
            f"contextstack: refusing to listen on {settings.host} without an access token; set "
            "CONTEXTSTACK_TOKEN (or `token` in the config file), or bind to 127.0.0.1",
            file=sys.stderr,
        )
        return 2
    check_location(settings.db)  # a URL of another scheme than PostgreSQL's stops here, saying which are known
    # One daemon a SQLite file; a PostgreSQL database is shared by every daemon given it, and takes no lock.
    try:
        lock = None if is_postgres(settings.db) else lock_store(settings.db)
    except StoreInUse as exc:
        print(f"contextstack: {exc}", file=sys.stderr)
        return 1
    _configure_logging(settings.log_level)
    app = create_app(settings)
    config = server_config(settings, create_asgi_app(settings, app))  # from here on no log line holds a secret
    asyncio.run(_prepare_store(settings))
    log.info("store %s ready", without_password(settings.db))
    server = Server(config)
    try:
        server.run()
    finally:
        if lock is not None:
            release_store(lock)
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


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve_parser = commands.add_parser(
        "serve",
        help="run the daemon",
        description=(
            "Run the daemon. Settings come from the defaults, then the config file, then CONTEXTSTACK_* "
            "environment variables, then these flags."
        ),
    )
    serve_parser.add_argument("--host", help="address to bind (default 127.0.0.1; env CONTEXTSTACK_HOST)")
    serve_parser.add_argument("--port", type=int, help="port to listen on (default 8765; env CONTEXTSTACK_PORT)")
    serve_parser.add_argument(
        "--db",
        help=(
            "the store: a SQLite file, or a PostgreSQL URL postgresql://user@host/dbname (default: contextstack.db "
            "in the user data dir; env CONTEXTSTACK_DB)"
        ),
    )
    serve_parser.add_argument(
        "--config",
        help="TOML config file (default: config.toml in the user config dir; env CONTEXTSTACK_CONFIG)",
    )
    serve_parser.add_argument(
        "--log-level",
        choices=["debug", "info", "warning", "error"],
        help="log verbosity (default info; env CONTEXTSTACK_LOG_LEVEL)",
    )
    serve_parser.set_defaults(local=run_serve)

    openapi = commands.add_parser("openapi", help="write the OpenAPI document of the API")
    openapi.add_argument("-o", "--output", help="file to write (default: standard output)")
    openapi.set_defaults(local=lambda args: write_openapi(args.output))


def run_serve(args: argparse.Namespace) -> int:
    settings = load_settings(args.config, host=args.host, port=args.port, db=args.db, log_level=args.log_level)
    return serve(settings)
