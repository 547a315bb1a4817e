"""The CLI commands that talk to a running daemon, through the generated client (`contextstack_client`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import TypeVar

import httpx
import msgspec

from contextstack.private_files import write_private
from contextstack_client import AuthenticatedClient, Client
from contextstack_client.api.context import get_project_context
from contextstack_client.api.projects import import_project as import_project_call
from contextstack_client.api.projects import list_projects
from contextstack_client.api.status import get_project_status
from contextstack_client.models import LocatedStep, Problem, Project, ProjectImport, StatusCounts, StatusReport
from contextstack_client.types import UNSET, Response, Unset

DEFAULT_URL = "http://127.0.0.1:8765"
URL_ENV = "CONTEXTSTACK_URL"
TOKEN_ENV = "CONTEXTSTACK_TOKEN"
TIMEOUT = httpx.Timeout(60.0, connect=5.0)

T = TypeVar("T")
Daemon = Client | AuthenticatedClient


class RemoteError(Exception):
    """The daemon could not be reached or refused the request; the message is one line for the user."""


class _Refusal(msgspec.Struct):
    detail: str = ""


def daemon_url(url: str | None) -> str:
    """The daemon to talk to: `--url`, else CONTEXTSTACK_URL, else the default local address."""
    return (url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")


def connect(url: str) -> Daemon:
    """A client for the daemon at `url`, acting as the user, with CONTEXTSTACK_TOKEN as bearer token if set."""
    headers = {"X-Contextstack-Actor": "user"}
    token = os.environ.get(TOKEN_ENV)
    if token:
        return AuthenticatedClient(base_url=url, token=token, headers=headers, timeout=TIMEOUT)
    return Client(base_url=url, headers=headers, timeout=TIMEOUT)


def answer(response: Response[T | Problem]) -> T:
    """The parsed body of a successful response; a RemoteError with the daemon's own explanation otherwise."""
    parsed = response.parsed
    if response.status_code < 300 and parsed is not None and not isinstance(parsed, Problem):
        return parsed
    try:
        detail = msgspec.json.decode(response.content, type=_Refusal).detail
    except msgspec.DecodeError:
        detail = ""
    message = detail or f"the daemon answered HTTP {int(response.status_code)}"
    if response.status_code == 401:
        message += f" Set {TOKEN_ENV} to the daemon's token."
    raise RemoteError(message)


def list_all_projects(daemon: Daemon) -> list[Project]:
    projects: list[Project] = []
    cursor: str | Unset = UNSET
    while True:
        page = answer(list_projects.sync_detailed(client=daemon, cursor=cursor, limit=500))
        projects.extend(page.items)
        if page.next_cursor is None:
            return projects
        cursor = page.next_cursor


def show_projects(daemon: Daemon, args: argparse.Namespace) -> None:
    projects = list_all_projects(daemon)
    if not projects:
        print("no projects yet", file=sys.stderr)
        return
    width = max(len(project.slug) for project in projects)
    for project in projects:
        print(f"{project.slug:<{width}}  {project.status:<8}  {project.name}")


def show_context(daemon: Daemon, args: argparse.Namespace) -> None:
    # Always the JSON form: it carries the markdown document too, and the generated client can type it.
    response = get_project_context.sync_detailed(
        args.project, client=daemon, query=args.query or UNSET, budget=UNSET if args.budget is None else args.budget
    )
    context = answer(response)
    if args.format == "json":
        _print_json(response.content)
    else:
        sys.stdout.write(context.document if context.document.endswith("\n") else context.document + "\n")


def show_status(daemon: Daemon, args: argparse.Namespace) -> None:
    response = get_project_status.sync_detailed(args.project, client=daemon, next_=args.next, recent=args.recent)
    report = answer(response)
    if args.format == "json":
        _print_json(response.content)
    else:
        print("\n".join(status_lines(report)))


def status_lines(report: StatusReport) -> list[str]:
    """The "where am I" report as text: progress per project, track and phase, then the steps that matter now."""
    lines = [f"{report.project.name} ({report.project.slug}): {_progress(report.counts)}"]
    rows: list[tuple[str, StatusCounts]] = []
    for track in report.tracks:
        rows.append((f"  {track.name}", track.counts))
        rows.extend((f"    {phase.name}", phase.counts) for phase in track.phases)
    width = max((len(label) for label, _ in rows), default=0)
    lines.extend(f"{label:<{width}}  {_progress(counts)}" for label, counts in rows)
    for title, steps in (
        ("In progress", report.in_progress),
        ("Blocked", report.blocked),
        ("Next", report.next_steps),
        ("Recently done", report.recently_done),
    ):
        if steps:
            lines.extend(["", f"{title}:"])
            lines.extend(_step_line(step) for step in steps)
    return lines


def _progress(counts: StatusCounts) -> str:
    if counts.total == 0:
        return "no steps yet"
    parts = [f"{counts.done}/{counts.total} done ({counts.percent_done:g}%)"]
    if counts.in_progress:
        parts.append(f"{counts.in_progress} in progress")
    if counts.blocked:
        parts.append(f"{counts.blocked} blocked")
    return ", ".join(parts)


def _step_line(step: LocatedStep) -> str:
    reason = f": {step.blocked_reason}" if step.status == "blocked" and step.blocked_reason else ""
    return f"  - {step.title} [{step.track_name} / {step.phase_name}] {step.id}{reason}"


def _print_json(content: bytes) -> None:
    sys.stdout.buffer.write(msgspec.json.format(content, indent=2) + b"\n")


def export_project(daemon: Daemon, args: argparse.Namespace) -> None:
    # Straight over the client's HTTP connection: the AGENTS.md form is Markdown, which the typed call cannot parse.
    response = daemon.get_httpx_client().get(f"/api/projects/{args.project}/export", params={"format": args.format})
    if response.status_code >= 300:
        answer(
            Response(
                status_code=HTTPStatus(response.status_code),
                content=response.content,
                headers=response.headers,
                parsed=None,
            )
        )
    if args.output:
        write_private(args.output, response.content)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.buffer.write(response.content)


def import_project(daemon: Daemon, args: argparse.Namespace) -> None:
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
    result = answer(import_project_call.sync_detailed(client=daemon, body=ProjectImport.from_dict(body)))
    counts = result.counts
    print(
        f"imported into {result.project.slug} ({result.mode}): {counts.tracks} tracks, {counts.phases} phases, "
        f"{counts.steps} steps, {counts.knowledge} knowledge entries"
    )


COMMANDS: dict[str, Callable[[Daemon, argparse.Namespace], None]] = {
    "projects": show_projects,
    "context": show_context,
    "status": show_status,
    "export": export_project,
    "import": import_project,
}


def run(args: argparse.Namespace) -> int:
    """Run one remote command; every failure is one line on stderr and exit status 1."""
    url = daemon_url(args.url)
    try:
        with connect(url) as daemon:
            COMMANDS[args.command](daemon, args)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        return _fail(f"no daemon answers at {url} ({exc}); start one with `contextstack serve`")
    except (httpx.UnsupportedProtocol, httpx.InvalidURL):
        return _fail(f"{url} is not a daemon address; give one like {DEFAULT_URL}")
    except httpx.TransportError as exc:
        return _fail(f"the daemon at {url} did not answer properly: {exc!r}")
    except RemoteError as exc:
        return _fail(str(exc))
    return 0


def _fail(message: str) -> int:
    print(f"contextstack: {message}", file=sys.stderr)
    return 1
