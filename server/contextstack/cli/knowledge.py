"""`contextstack decide|constrain|note` and `kb list|search|show|edit|supersede|import`: the project's memory."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.markup import escape

from contextstack.cli import knowledge_import
from contextstack.cli.session import Commands, Session
from contextstack.cli.usage import UsageError
from contextstack.remote import answer
from contextstack_client.api.knowledge import (
    create_knowledge,
    get_knowledge,
    list_knowledge,
    search_knowledge,
    update_knowledge,
)
from contextstack_client.models import KnowledgeCreate, KnowledgeEntry, KnowledgeSearchResult, KnowledgeUpdate
from contextstack_client.models.list_knowledge_kind_type_1 import check_list_knowledge_kind_type_1
from contextstack_client.models.search_knowledge_kind_type_1 import check_search_knowledge_kind_type_1
from contextstack_client.types import UNSET

KINDS = ["decision", "constraint", "architecture", "convention", "reference", "note"]
BODY_HELP = "the body (Markdown); `-` reads it from stdin; left out: $EDITOR on a terminal, else stdin"


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    for name, kind, summary in (
        ("decide", "decision", "record a decision"),
        ("constrain", "constraint", "record a constraint"),
        ("note", "note", "record a note"),
    ):
        command = commands.add_parser(
            name,
            parents=[common],
            help=summary,
            description=f"{summary.capitalize()} in the project's knowledge (with --global, for every project).",
        )
        command.add_argument("title", help="one line that says it")
        command.add_argument("body", nargs="?", help=BODY_HELP)
        _add_entry_options(command)
        command.set_defaults(handler=record_command, kind=kind)

    kb = commands.add_parser("kb", help="list, search, show, edit, supersede and import knowledge")
    actions = kb.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list",
        parents=[common],
        help="list knowledge entries",
        description="List the project's knowledge and the global entries (or only the global ones, with no project).",
    )
    listing.add_argument("--kind", choices=KINDS, help="only entries of this kind")
    listing.add_argument("--tag", help="only entries with this tag")
    listing.add_argument("--all", action="store_true", help="also entries a newer one superseded")
    listing.add_argument("-n", "--limit", type=int, default=50, help="how many (default 50, at most 500)")
    listing.set_defaults(handler=list_command)

    search = actions.add_parser(
        "search", parents=[common], help="search knowledge", description="Search the knowledge, best match first."
    )
    search.add_argument("query", help="words to look for; the last one may be a prefix")
    search.add_argument("--kind", choices=KINDS, help="only entries of this kind")
    search.add_argument("-n", "--limit", type=int, default=20, help="how many hits (default 20, at most 100)")
    search.set_defaults(handler=search_command)

    show = actions.add_parser("show", parents=[common], help="show an entry", description="Show a knowledge entry.")
    show.add_argument("id", help="the entry's id (kno_…)")
    show.set_defaults(handler=show_command)

    edit = actions.add_parser(
        "edit",
        parents=[common],
        help="change an entry",
        description="Change the fields given; with none, edit the body in $EDITOR.",
    )
    edit.add_argument("id", help="the entry's id (kno_…)")
    edit.add_argument("--title", help="a new title")
    edit.add_argument("--body", help="a new body; `-` reads it from stdin")
    edit.add_argument("--kind", choices=KINDS, help="a new kind")
    edit.add_argument("--tag", action="append", dest="tags", metavar="TAG", help="its tags (repeat; replaces them)")
    edit.add_argument("--pin", action=argparse.BooleanOptionalAction, help="pin it into every context (or not)")
    edit.set_defaults(handler=edit_command)

    supersede = actions.add_parser(
        "supersede",
        parents=[common],
        help="replace an entry by a newer one",
        description="Record a new entry that supersedes OLD: the old one stays, marked, and leaves lists and searches.",
    )
    supersede.add_argument("old", metavar="OLD", help="the id of the entry it replaces")
    supersede.add_argument("title", help="the new entry's title")
    supersede.add_argument("body", nargs="?", help=BODY_HELP)
    supersede.add_argument("--kind", choices=KINDS, help="its kind (default: the old one's)")
    supersede.add_argument("--tag", action="append", dest="tags", metavar="TAG", help="a tag (repeat for more)")
    supersede.add_argument("--edit", action="store_true", help="write the body in $EDITOR")
    supersede.set_defaults(handler=supersede_command)

    knowledge_import.register(actions, common)


def _add_entry_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tag", action="append", dest="tags", metavar="TAG", help="a tag (repeat for more)")
    parser.add_argument("--pin", action="store_true", help="put it into every context, whatever the question")
    parser.add_argument("--source", help="where it comes from: free text or a URL")
    parser.add_argument("--global", action="store_true", dest="everywhere", help="for every project, not this one")
    parser.add_argument("--edit", action="store_true", help="write the body in $EDITOR")


def read_body(argument: str | None, *, edit: bool, initial: str = "") -> str:
    """The body from the argument, `-` (stdin), $EDITOR (asked for, or on a terminal) or piped stdin."""
    if argument is not None and argument != "-":
        return argument
    if argument is None and (edit or sys.stdin.isatty()):
        return edit_text(initial)
    return sys.stdin.read()


def edit_text(initial: str) -> str:
    """What the person wrote in $VISUAL or $EDITOR (else vi), starting from `initial`."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="contextstack-") as directory:
        path = Path(directory) / "body.md"
        path.write_text(initial, encoding="utf-8")
        try:
            finished = subprocess.run([*shlex.split(editor), str(path)], check=False)
        except OSError as exc:
            raise UsageError(
                f"cannot run the editor {editor!r} ({exc.strerror}); set EDITOR, or give the body"
            ) from None
        if finished.returncode != 0:
            raise UsageError(f"the editor {editor!r} exited with {finished.returncode}; nothing was recorded")
        return path.read_text(encoding="utf-8")


def record_command(session: Session) -> None:
    args = session.args
    body: dict[str, Any] = {
        "kind": args.kind,
        "title": args.title,
        "body": read_body(args.body, edit=args.edit).strip(),
        "tags": args.tags or [],
        "pinned": args.pin,
        "project": None if args.everywhere else session.project(),
    }
    if args.source:
        body["source"] = args.source
    session.reply(
        create_knowledge.sync_detailed(client=session.daemon, body=KnowledgeCreate.from_dict(body)),
        lambda entry: session.out.line(f"recorded {entry.kind} {entry.title} ({entry.id})"),
    )


def list_command(session: Session) -> None:
    args = session.args
    project = session.project_if_chosen()
    response = list_knowledge.sync_detailed(
        client=session.daemon,
        project=project or UNSET,
        scope=UNSET if project else "global",
        kind=check_list_knowledge_kind_type_1(args.kind) if args.kind else UNSET,
        tag=args.tag or UNSET,
        include_superseded=args.all,
        limit=args.limit,
    )
    page = answer(response)
    if session.out.as_json:
        session.out.json(response.content)
    elif not page.items:
        print("no knowledge yet; record some with `contextstack decide TITLE BODY`", file=sys.stderr)
    else:
        session.out.table(["id", "kind", "title", "tags"], [_entry_row(entry) for entry in page.items])


def _entry_row(entry: KnowledgeEntry) -> list[str]:
    title = entry.title + (" (pinned)" if entry.pinned else "") + (" (superseded)" if entry.superseded_by else "")
    return [entry.id, str(entry.kind), title, ", ".join(entry.tags)]


def search_command(session: Session) -> None:
    args = session.args
    session.reply(
        search_knowledge.sync_detailed(
            client=session.daemon,
            q=args.query,
            project=session.project_if_chosen() or UNSET,
            kind=check_search_knowledge_kind_type_1(args.kind) if args.kind else UNSET,
            limit=args.limit,
        ),
        lambda result: _print_hits(session, result),
    )


def _print_hits(session: Session, result: KnowledgeSearchResult) -> None:
    if not result.items:
        print(f"nothing matches {session.args.query!r}", file=sys.stderr)
        return
    if not session.out.styled:
        session.out.table([], [[hit.entry.id, str(hit.entry.kind), hit.entry.title] for hit in result.items])
        return
    console = session.out.console()
    for hit in result.items:
        console.print(f"[dim]{hit.entry.id}[/dim] [bold]{_marked(hit.title_highlight)}[/bold] ({hit.entry.kind})")
        if hit.snippet:
            console.print(f"  {_marked(hit.snippet)}")


def _marked(text: str) -> str:
    return escape(text).replace("<mark>", "[reverse]").replace("</mark>", "[/reverse]")


def show_command(session: Session) -> None:
    session.reply(get_knowledge.sync_detailed(session.args.id, client=session.daemon), lambda e: _show(session, e))


def _show(session: Session, entry: KnowledgeEntry) -> None:
    session.out.line(entry.title, "bold")
    facts = [f"{entry.kind}", entry.id]
    if entry.tags:
        facts.append("tags: " + ", ".join(entry.tags))
    if entry.pinned:
        facts.append("pinned")
    if entry.supersedes:
        facts.append(f"supersedes {entry.supersedes}")
    if entry.superseded_by:
        facts.append(f"superseded by {entry.superseded_by}")
    if isinstance(entry.source, str):
        facts.append(f"source: {entry.source}")
    session.out.line(" · ".join(facts), "dim")
    if entry.body:
        session.out.line()
        session.out.line(entry.body)


def edit_command(session: Session) -> None:
    args = session.args
    fields: dict[str, Any] = {}
    for name in ("title", "kind", "tags"):
        if getattr(args, name) is not None:
            fields[name] = getattr(args, name)
    if args.pin is not None:
        fields["pinned"] = args.pin
    if args.body is not None:
        fields["body"] = read_body(args.body, edit=False).strip()
    if not fields:
        current = answer(get_knowledge.sync_detailed(args.id, client=session.daemon))
        fields["body"] = edit_text(current.body).strip()
    session.reply(
        update_knowledge.sync_detailed(args.id, client=session.daemon, body=KnowledgeUpdate.from_dict(fields)),
        lambda entry: session.out.line(f"changed {entry.kind} {entry.title} ({entry.id})"),
    )


def supersede_command(session: Session) -> None:
    args = session.args
    old = answer(get_knowledge.sync_detailed(args.old, client=session.daemon))
    body: dict[str, Any] = {
        "kind": args.kind or str(old.kind),
        "title": args.title,
        "body": read_body(args.body, edit=args.edit).strip(),
        "tags": args.tags if args.tags is not None else list(old.tags),
        "pinned": old.pinned,
        "project": old.project_id if isinstance(old.project_id, str) else None,
        "supersedes": old.id,
    }
    session.reply(
        create_knowledge.sync_detailed(client=session.daemon, body=KnowledgeCreate.from_dict(body)),
        lambda entry: session.out.line(f"recorded {entry.kind} {entry.title} ({entry.id}), superseding {old.id}"),
    )
