"""The `contextstack` command: `serve` runs the daemon, `openapi` writes its API document, `init` and `completion`
work locally, and every other command talks to a running daemon through the generated client."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from contextstack import __version__
from contextstack.cli import serve
from contextstack.cli.serve import openapi_document, write_openapi
from contextstack.cli.usage import UsageError
from contextstack.errors import ContextstackError

if TYPE_CHECKING:
    from contextstack.cli.session import Commands

__all__ = ["build_parser", "main", "openapi_document", "write_openapi"]


def common_options() -> argparse.ArgumentParser:
    """The options every command that talks to the daemon takes."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url",
        help="the daemon to talk to (default http://127.0.0.1:8765; env CONTEXTSTACK_URL); "
        "CONTEXTSTACK_TOKEN, when set, is sent as its bearer token",
    )
    common.add_argument(
        "-p", "--project", help="the project's slug or id (default: the one `contextstack use` chose here)"
    )
    common.add_argument("--json", action="store_true", help="print the daemon's JSON answer instead")
    return common


def _top_parser() -> tuple[argparse.ArgumentParser, Commands]:
    parser = argparse.ArgumentParser(
        prog="contextstack",
        description="Contextstack: a local-first daemon that keeps your projects' context and hands it to any model.",
    )
    parser.add_argument("--version", action="version", version=f"contextstack {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    return parser, commands


def build_parser() -> argparse.ArgumentParser:
    """Every command. Their modules are imported here, not with this package, so that `serve` goes without them."""
    from contextstack.cli import (
        backup,
        checkpoints,
        completion,
        conversations,
        doctor,
        execution,
        initialise,
        knowledge,
        mcp,
        migrate_store,
        plan,
        portability,
        projects,
    )

    parser, commands = _top_parser()
    common = common_options()
    serve.register(commands)
    projects.register(commands, common)
    plan.register(commands, common)
    execution.register(commands, common)
    knowledge.register(commands, common)
    portability.register(commands, common)
    conversations.register(commands, common)
    checkpoints.register(commands, common)
    initialise.register(commands)
    mcp.register(commands)
    doctor.register(commands, common)
    backup.register(commands)
    migrate_store.register(commands)
    completion.register(commands, parser)
    return parser


@functools.cache
def _parser(serving: bool) -> argparse.ArgumentParser:
    # Built once a process: building it (some 200 subparsers) costs more than many a command's request.
    if not serving:
        return build_parser()
    # `contextstack serve` (and `openapi`) on their own: the daemon starts without importing the commands that talk
    # to it, nor the generated client they use. Their usage, help and errors read as the whole parser's would.
    parser, commands = _top_parser()
    serve.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit status is 0 on success, 1 on a refused or failed request, 2 on bad usage."""
    try:
        arguments = sys.argv[1:] if argv is None else list(argv)
        args = _parser(arguments[:1] in (["serve"], ["openapi"])).parse_args(arguments)
    except SystemExit as stopped:  # argparse's --help, --version and usage errors
        return stopped.code if isinstance(stopped.code, int) else 2
    try:
        if hasattr(args, "local"):
            status: int = args.local(args)
            return status
        return _remote(args)
    except ContextstackError as exc:
        return _fail(exc.detail, 2)
    except UsageError as exc:
        return _fail(str(exc), 2)
    except KeyboardInterrupt:
        return _fail("interrupted", 1)


def _remote(args: argparse.Namespace) -> int:
    import httpx

    from contextstack.cli.session import Session
    from contextstack.remote import DEFAULT_URL, RemoteError, connect, daemon_url

    url = daemon_url(args.url)
    try:
        with connect(url) as daemon:
            args.handler(Session(daemon, args))
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        return _fail(f"no daemon answers at {url} ({exc}); start one with `contextstack serve`", 1)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL):
        return _fail(f"{url} is not a daemon address; give one like {DEFAULT_URL}", 1)
    except httpx.TransportError as exc:
        return _fail(f"the daemon at {url} did not answer properly: {exc!r}", 1)
    except RemoteError as exc:
        return _fail(str(exc), 1)
    return 0


def _fail(message: str, status: int) -> int:
    print(f"contextstack: {' '.join(message.split())}", file=sys.stderr)
    return status
