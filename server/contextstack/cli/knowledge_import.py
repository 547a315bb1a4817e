"""`contextstack kb import PATH`: a folder of Markdown notes or a JSONL file into knowledge, with progress."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import msgspec

from contextstack.cli.session import Session
from contextstack.remote import RemoteError, answer
from contextstack_client.api.knowledge import create_knowledge_bulk
from contextstack_client.models import KnowledgeBulkCreate

BATCH = 500
"""Entries per request: each batch is one transaction, and the progress moves once per batch."""


def register(actions: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    importing = actions.add_parser(
        "import",
        parents=[common],
        help="import Markdown notes or a JSONL file",
        description=(
            "Import knowledge: every .md file under a folder (its first `# ` heading is the title, else the file "
            "name; the rest is the body; the path is the source), or a .jsonl file with one entry per line "
            "({kind, title, body, tags?, pinned?, source?, project?}). Entries go to the current project unless "
            "--global, or a JSONL line names its own."
        ),
    )
    importing.add_argument("path", help="a folder of Markdown files, or a .jsonl file")
    importing.add_argument(
        "--kind",
        default="note",
        choices=["decision", "constraint", "architecture", "convention", "reference", "note"],
        help="the kind of entries that do not say (default note)",
    )
    importing.add_argument("--tag", action="append", dest="tags", metavar="TAG", help="add this tag to every entry")
    importing.add_argument("--global", action="store_true", dest="everywhere", help="for every project, not this one")
    importing.set_defaults(handler=import_command)


def import_command(session: Session) -> None:
    args = session.args
    path = Path(args.path)
    project = None if args.everywhere else session.project()
    if path.is_dir():
        entries = markdown_entries(path, kind=args.kind)
    elif path.is_file():
        entries = jsonl_entries(path, kind=args.kind)
    else:
        raise RemoteError(f"{path} is neither a folder nor a file; give a folder of .md files or a .jsonl file")
    if not entries:
        raise RemoteError(f"{path} holds no entries to import (.md files in a folder, or lines of a .jsonl file)")
    for entry in entries:
        entry.setdefault("project", project)
        entry["tags"] = [*entry.get("tags", []), *(args.tags or [])]
    ids: list[str] = []
    with session.out.progress(f"importing {path.name}", len(entries)) as progress:
        for start in range(0, len(entries), BATCH):
            body = KnowledgeBulkCreate.from_dict({"items": entries[start : start + BATCH]})
            response = create_knowledge_bulk.sync_detailed(client=session.daemon, body=body)
            try:
                created = answer(response)
            except RemoteError as exc:
                raise RemoteError(f"{exc} (entries {start + 1} on; {len(ids)} imported before)") from None
            ids.extend(created.ids)
            progress.advance_to(len(ids))
    if session.out.as_json:
        session.out.json(msgspec.json.encode({"ids": ids}))
    else:
        session.out.line(f"imported {len(ids)} entries from {path}")


def markdown_entries(folder: Path, *, kind: str) -> list[dict[str, Any]]:
    """One entry per .md file under `folder`, in path order."""
    entries = []
    for file in sorted(folder.rglob("*.md")):
        text = file.read_text(encoding="utf-8", errors="replace")
        lines = text.splitlines()
        heading = next((index for index, line in enumerate(lines) if line.strip()), None)
        if heading is not None and lines[heading].startswith("# "):
            title = lines[heading][2:].strip()
            body = "\n".join(lines[heading + 1 :]).strip()
        else:
            title, body = file.stem.replace("-", " ").replace("_", " "), text.strip()
        entries.append({"kind": kind, "title": title[:300], "body": body, "source": str(file.relative_to(folder))})
    return entries


def jsonl_entries(file: Path, *, kind: str) -> list[dict[str, Any]]:
    """One entry per non-blank line of a JSONL file; a line that is not a JSON object is named."""
    entries = []
    with file.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                entry = msgspec.json.decode(line)
            except msgspec.DecodeError as exc:
                raise RemoteError(f"{file}:{number} is not JSON ({exc}); each line is one entry") from None
            if not isinstance(entry, dict):
                raise RemoteError(f'{file}:{number} is not a JSON object like {{"title": …, "body": …}}')
            entry.setdefault("kind", kind)
            entries.append(entry)
    return entries
