"""`contextstack checkpoint create|list|diff|restore|delete` and `undo`: snapshots of a project, and putting it back."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import msgspec

from contextstack.cli.session import Commands, Session
from contextstack.remote import RemoteError
from contextstack_client.api.checkpoints import (
    create_checkpoint,
    delete_checkpoint,
    diff_checkpoint,
    list_checkpoints,
    restore_checkpoint,
    undo_ai_changes,
)
from contextstack_client.models import (
    ChangeCounts,
    Checkpoint,
    CheckpointCreate,
    CheckpointDiff,
    CheckpointList,
    Problem,
    RestoreResult,
    UndoRequest,
    UndoResult,
)
from contextstack_client.types import UNSET, Response

TRIGGERS = ("manual", "ai_burst", "import", "restore", "delete", "undo")
MAX_VALUE_CHARS = 60


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    checkpoint = commands.add_parser(
        "checkpoint",
        help="snapshot a project, see what changed since, put it back",
        description=(
            "Checkpoints are complete snapshots of a project (plan, statuses, knowledge, every id kept). Some are "
            "taken automatically: before an AI's burst of changes, an import that replaces the project, a restore, "
            "an undo, a deletion."
        ),
    )
    actions = checkpoint.add_subparsers(dest="action", metavar="ACTION", required=True)

    create = actions.add_parser(
        "create",
        parents=[common],
        help="take a checkpoint of the project now",
        description="Take a checkpoint of the project as it is now; a labelled one is kept until deleted.",
    )
    create.add_argument("label", nargs="?", help="what to call it, e.g. 'before the refactor'")
    create.add_argument("--reason", help="why it was taken")
    create.set_defaults(handler=create_command)

    listing = actions.add_parser(
        "list",
        parents=[common],
        help="list the project's checkpoints, newest first",
        description="List the project's checkpoints, newest first: id, when, how it was taken, label or reason, "
        "what it holds. A deleted project's checkpoints are listed by its id (prj_…).",
    )
    listing.add_argument("project_argument", nargs="?", metavar="PROJECT", help="the project (default: --project)")
    listing.add_argument("--trigger", choices=TRIGGERS, help="only the checkpoints taken so")
    listing.add_argument("-n", "--limit", type=int, default=20, help="how many (default 20)")
    listing.set_defaults(handler=list_command)

    diff = actions.add_parser(
        "diff",
        parents=[common],
        help="what changed since a checkpoint",
        description="Entities added, removed, and changed field by field since CHECKPOINT: up to now, or up to a "
        "later checkpoint of the same project with --against.",
    )
    diff.add_argument("checkpoint", metavar="CHECKPOINT", help="the checkpoint (chk_…)")
    diff.add_argument("--against", default="now", metavar="now|chk_…", help="the other side (default: now)")
    diff.set_defaults(handler=diff_command)

    restore = actions.add_parser(
        "restore",
        parents=[common],
        help="put the project back as a checkpoint holds it",
        description="Put the project back as CHECKPOINT holds it, in one transaction. The present is checkpointed "
        "first, so the restore can itself be undone (the command prints how).",
    )
    restore.add_argument("checkpoint", metavar="CHECKPOINT", help="the checkpoint (chk_…)")
    restore.set_defaults(handler=restore_command)

    remove = actions.add_parser(
        "delete",
        parents=[common],
        help="delete a checkpoint",
        description="Delete a checkpoint; what it shares with other checkpoints stays.",
    )
    remove.add_argument("checkpoint", metavar="CHECKPOINT", help="the checkpoint (chk_…)")
    remove.set_defaults(handler=delete_command)

    undo = commands.add_parser(
        "undo",
        parents=[common],
        help="undo the last burst of changes an AI made to the project",
        description="Revert what the last burst of AI changes (an `ai:*` actor: an agent over MCP, a script) did to "
        "the project, and only that; what a person changed elsewhere stays. If a person changed the same entities "
        "since, it stops and lists them, unless --force.",
    )
    undo.add_argument("project_argument", nargs="?", metavar="PROJECT", help="the project (default: --project)")
    undo.add_argument("--force", action="store_true", help="also revert what a person changed since on them")
    undo.set_defaults(handler=undo_command)


def _counts(counts: ChangeCounts) -> str:
    return f"{counts.added} added, {counts.removed} removed, {counts.changed} changed"


def _holds(checkpoint: Checkpoint) -> str:
    counts = checkpoint.counts.additional_properties
    parts = [f"{counts.get(kind, 0)} {name}" for kind, name in (("step", "steps"), ("knowledge", "entries"))]
    return ", ".join(parts)


def _row(checkpoint: Checkpoint) -> list[str]:
    return [
        checkpoint.id,
        checkpoint.created_at[:19].replace("T", " "),
        str(checkpoint.trigger),
        checkpoint.label or checkpoint.reason or "",
        _holds(checkpoint),
    ]


def create_command(session: Session) -> None:
    args = session.args
    body = CheckpointCreate(label=args.label or UNSET, reason=args.reason or UNSET)
    session.reply(
        create_checkpoint.sync_detailed(session.project(), client=session.daemon, body=body),
        lambda checkpoint: session.out.line(
            f"took {checkpoint.id} of {checkpoint.project_slug}"
            + (f" ({checkpoint.label})" if checkpoint.label else "")
            + f": {_holds(checkpoint)}"
        ),
    )


def list_command(session: Session) -> None:
    args = session.args
    response = list_checkpoints.sync_detailed(
        session.project(), client=session.daemon, trigger=args.trigger or UNSET, limit=args.limit
    )

    def render(page: CheckpointList) -> None:
        if not page.items:
            print("no checkpoints yet; take one with `contextstack checkpoint create LABEL`", file=sys.stderr)
            return
        session.out.table(["id", "taken", "trigger", "label or reason", "holds"], [_row(c) for c in page.items])

    session.reply(response, render)


def _value(value: Any) -> str:
    text = msgspec.json.encode(value).decode()
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def diff_command(session: Session) -> None:
    args = session.args

    def render(diff: CheckpointDiff) -> None:
        if not (diff.added or diff.removed or diff.changed):
            session.out.line("no differences")
            return
        for entity in diff.added:
            session.out.line(f"+ {entity.kind} {entity.title!r} ({entity.id})", style="green")
        for entity in diff.removed:
            session.out.line(f"- {entity.kind} {entity.title!r} ({entity.id})", style="red")
        for changed in diff.changed:
            session.out.line(f"~ {changed.kind} {changed.title!r} ({changed.id})", style="yellow")
            for name, change in changed.fields.additional_properties.items():
                session.out.line(f"    {name}: {_value(change.before)} -> {_value(change.after)}")

    session.reply(diff_checkpoint.sync_detailed(args.checkpoint, client=session.daemon, against=args.against), render)


def restore_command(session: Session) -> None:
    checkpoint = session.args.checkpoint

    def render(result: RestoreResult) -> None:
        session.out.line(f"restored {result.project.slug} to {checkpoint}: {_counts(result.counts)}")
        if result.checkpoint_before_restore:
            session.out.line(
                f"the state before is {result.checkpoint_before_restore}: "
                f"`contextstack checkpoint restore {result.checkpoint_before_restore}` puts it back"
            )

    session.reply(restore_checkpoint.sync_detailed(checkpoint, client=session.daemon, body=None), render)


def delete_command(session: Session) -> None:
    session.reply(
        delete_checkpoint.sync_detailed(session.args.checkpoint, client=session.daemon),
        lambda checkpoint: session.out.line(f"deleted {checkpoint.id} of {checkpoint.project_slug}"),
    )


def undo_command(session: Session) -> None:
    body = UndoRequest(force=True) if session.args.force else None
    response = undo_ai_changes.sync_detailed(session.project(), client=session.daemon, body=body)
    if response.status_code == 409 and isinstance(response.parsed, Problem):
        raise RemoteError(_conflicts(response))

    def render(result: UndoResult) -> None:
        session.out.line(f"undid the AI burst after {result.undone} in {result.project.slug}: {_counts(result.counts)}")
        session.out.line(
            f"the state before is {result.checkpoint_before_undo}: "
            f"`contextstack checkpoint restore {result.checkpoint_before_undo}` puts it back"
        )

    session.reply(response, render)


def _conflicts(response: Response[Problem | UndoResult]) -> str:
    """A 409's detail with each entity in conflict, then what to do (one line, as every refusal)."""
    problem = response.parsed
    assert isinstance(problem, Problem)
    errors = problem.errors if isinstance(problem.errors, list) else []
    listed = "; ".join(f"{error.field}: {error.message}" for error in errors)
    said = problem.detail.split(";")[0].rstrip(".")  # its advice is the API's (`force`); the CLI's is --force
    return f"{said}: {listed}. `contextstack undo --force` reverts them too"
