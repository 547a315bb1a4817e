"""`contextstack context`, `export` and `import`: a project's context document, and the project as a file."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import httpx
import msgspec

from contextstack.cli.session import Commands, Session
from contextstack.private_files import write_private
from contextstack.remote import RemoteError, answer
from contextstack_client.api.context import get_project_context
from contextstack_client.models import ImportResult, ProjectImport
from contextstack_client.types import UNSET, Response


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    context = commands.add_parser(
        "context",
        parents=[common],
        help="print a project's assembled context",
        description="Print the context document a model would start from, within a token budget.",
    )
    context.add_argument("project_argument", metavar="PROJECT", nargs="?", help="slug or id (default: the current one)")
    context.add_argument("--query", help="what the model will be asked: pulls in the knowledge relevant to it")
    context.add_argument("--budget", type=int, help="token budget (default: the daemon's context_budget)")
    context.add_argument(
        "--format",
        choices=["markdown", "json"],
        default="markdown",
        help="markdown (default): the document; json: it with its token counts and manifest",
    )
    context.set_defaults(handler=context_command)

    export = commands.add_parser(
        "export",
        parents=[common],
        help="export a project (lossless JSON, or an AGENTS.md file)",
        description="Export a project: versioned lossless JSON to import elsewhere, or AGENTS.md for coding agents.",
    )
    export.add_argument("project_argument", metavar="PROJECT", nargs="?", help="slug or id (default: the current one)")
    export.add_argument("--format", choices=["json", "agents-md"], default="json", help="json (default) or agents-md")
    export.add_argument("-o", "--output", help="file to write (default: standard output)")
    export.set_defaults(handler=export_command)

    importing = commands.add_parser(
        "import",
        parents=[common],
        help="import a project exported as JSON",
        description="Import an exported project as a new project, or over an existing one with --replace.",
    )
    importing.add_argument("file", help="the JSON file `contextstack export` wrote")
    importing.add_argument("--replace", metavar="PROJECT", help="replace this project's plan and knowledge instead")
    importing.add_argument("--slug", help="the new project's slug (default: the exported one, made unique)")
    importing.set_defaults(handler=import_command)


def context_command(session: Session) -> None:
    args = session.args
    # Always the JSON form: it carries the markdown document too, and the generated client can type it.
    response = get_project_context.sync_detailed(
        session.project(),
        client=session.daemon,
        query=args.query or UNSET,
        budget=UNSET if args.budget is None else args.budget,
    )
    context = answer(response)
    if session.out.as_json or args.format == "json":
        session.out.json(response.content)
    else:
        sys.stdout.write(context.document if context.document.endswith("\n") else context.document + "\n")


CHUNK = 256 * 1024


def _refused(response: httpx.Response) -> None:
    """A RemoteError with the daemon's explanation when `response` (read) is a refusal."""
    if response.status_code >= 300:
        answer(
            Response(
                status_code=HTTPStatus(response.status_code),
                content=response.read(),
                headers=response.headers,
                parsed=None,
            )
        )


def export_command(session: Session) -> None:
    args = session.args
    project = session.project()
    # Straight over the client's HTTP connection: the AGENTS.md form is Markdown, which the typed call cannot parse;
    # streamed, so that a large project shows its progress.
    http = session.daemon.get_httpx_client()
    with http.stream("GET", f"/api/projects/{project}/export", params={"format": args.format}) as response:
        _refused(response)
        if not args.output:
            for chunk in response.iter_bytes(CHUNK):
                sys.stdout.buffer.write(chunk)
            return
        size = response.headers.get("content-length")
        chunks: list[bytes] = []
        with session.out.transfer(f"exporting {project}", int(size) if size and size.isdigit() else None) as moved:
            for chunk in response.iter_bytes(CHUNK):
                chunks.append(chunk)
                moved(len(chunk))
    write_private(args.output, b"".join(chunks))
    print(f"wrote {args.output}", file=sys.stderr)


def import_command(session: Session) -> None:
    args = session.args
    try:
        exported = msgspec.json.decode(Path(args.file).read_bytes())
    except OSError as exc:
        raise RemoteError(f"cannot read {args.file}: {exc.strerror}") from None
    except msgspec.DecodeError as exc:
        raise RemoteError(f"{args.file} is not JSON: {exc}") from None
    body: dict[str, object] = {"export": exported, "mode": "replace" if args.replace else "new"}
    if args.replace:
        body["project"] = args.replace
    if args.slug:
        body["slug"] = args.slug
    # Validated by the client's model first, then sent in pieces so that a large project shows its progress.
    content = msgspec.json.encode(ProjectImport.from_dict(body).to_dict())
    with session.out.transfer(f"importing {Path(args.file).name}", len(content)) as moved:

        def pieces() -> Iterator[bytes]:
            for start in range(0, len(content), CHUNK):
                moved(min(CHUNK, len(content) - start))
                yield content[start : start + CHUNK]

        response = session.daemon.get_httpx_client().post(
            "/api/projects/import",
            content=pieces(),
            headers={"content-type": "application/json", "content-length": str(len(content))},
        )
    _refused(response)
    if session.out.as_json:
        session.out.json(response.content)
    else:
        _imported(ImportResult.from_dict(msgspec.json.decode(response.content)))


def _imported(result: ImportResult) -> None:
    counts = result.counts
    print(
        f"imported into {result.project.slug} ({result.mode}): {counts.tracks} tracks, {counts.phases} phases, "
        f"{counts.steps} steps, {counts.knowledge} knowledge entries"
    )
