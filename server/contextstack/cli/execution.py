"""`contextstack start|block|done STEP`, `next` and `status`: moving steps along, and where a project stands."""

from __future__ import annotations

import argparse

from rich.markup import escape
from rich.table import Table

from contextstack.cli.output import STATUS_STYLES
from contextstack.cli.refs import plan_items
from contextstack.cli.session import Commands, Session
from contextstack.remote import answer
from contextstack_client.api.status import get_project_status
from contextstack_client.api.steps import change_step_status
from contextstack_client.models import LocatedStep, StatusChange, StatusCounts, StatusReport, Step

STEP_HELP = "the step: its id, plan position (2.1.3) or a unique title prefix"
DONE_WORDS = {"in_progress": "started", "blocked": "blocked", "done": "done", "todo": "reopened"}


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    for name, status, summary in (
        ("start", "in_progress", "start a step"),
        ("block", "blocked", "mark a step blocked, saying why"),
        ("done", "done", "mark a step done"),
    ):
        command = commands.add_parser(
            name,
            parents=[common],
            help=summary,
            description=summary[0].upper()
            + summary[1:]
            + "; one it depends on that is not done refuses it, unless --force.",
        )
        command.add_argument("step", help=STEP_HELP)
        if status == "blocked":
            command.add_argument("--reason", required=True, help="what it waits for")
        command.add_argument("--force", action="store_true", help="even though steps it depends on are not done")
        command.set_defaults(handler=change_command, status=status)

    next_command_parser = commands.add_parser(
        "next",
        parents=[common],
        help="the steps that can start now, best first",
        description="The steps that can start now (todo, everything they depend on done), in plan order.",
    )
    next_command_parser.add_argument("-n", "--limit", type=int, default=5, help="how many (default 5)")
    next_command_parser.set_defaults(handler=next_command)

    where = commands.add_parser(
        "status",
        parents=[common],
        help='where a project stands ("where am I")',
        description="Progress per project, track and phase; the steps in progress, blocked, next and recently done.",
    )
    where.add_argument("project_argument", metavar="PROJECT", nargs="?", help="slug or id (default: the current one)")
    where.add_argument("--next", type=int, default=5, help="how many next steps to show (default 5)")
    where.add_argument("--recent", type=int, default=5, help="how many recently done steps to show (default 5)")
    where.add_argument("--format", choices=["text", "json"], default="text", help="text (default) or the raw JSON")
    where.set_defaults(handler=status_command)


def change_command(session: Session) -> None:
    args = session.args
    target = session.locate("step", args.step)
    body = StatusChange.from_dict({"status": args.status, "reason": getattr(args, "reason", None), "force": args.force})
    session.reply(
        change_step_status.sync_detailed(target, client=session.daemon, body=body),
        lambda step: _changed(session, step),
    )


def _changed(session: Session, step: Step) -> None:
    reason = f": {step.blocked_reason}" if step.status == "blocked" and step.blocked_reason else ""
    session.out.line(
        f"{DONE_WORDS[str(step.status)]} {step.title} ({step.id}){reason}", STATUS_STYLES[str(step.status)]
    )


def next_command(session: Session) -> None:
    response = get_project_status.sync_detailed(
        session.project(), client=session.daemon, next_=session.args.limit, recent=0
    )
    report = answer(response)
    if session.out.as_json:
        session.out.json(response.content)
        return
    if not report.next_steps:
        message = (
            "nothing can start now"
            if report.counts.total
            else "no steps yet; add one with `contextstack step add TITLE`"
        )
        session.out.line(f"{report.project.slug}: {message}")
        return
    positions = {item.id: item.position for item in plan_items(session.plan())}
    session.out.table(
        ["position", "step", "where", "id"],
        [
            [positions.get(step.id, "?"), step.title, f"{step.track_name} / {step.phase_name}", step.id]
            for step in report.next_steps
        ],
    )


def status_command(session: Session) -> None:
    args = session.args
    response = get_project_status.sync_detailed(
        session.project(), client=session.daemon, next_=args.next, recent=args.recent
    )
    report = answer(response)
    if session.out.as_json or args.format == "json":
        session.out.json(response.content)
    elif session.out.styled:
        _print_styled_status(session, report)
    else:
        print("\n".join(status_lines(report)))


def _print_styled_status(session: Session, report: StatusReport) -> None:
    console = session.out.console()
    console.print(
        f"[bold]{escape(report.project.name)}[/bold] ({escape(report.project.slug)}): {progress(report.counts)}"
    )
    table = Table("", "done", "progress", box=None, pad_edge=False, show_header=False)
    for track in report.tracks:
        table.add_row(f"  [bold]{escape(track.name)}[/bold]", _bar(track.counts), progress(track.counts))
        for phase in track.phases:
            table.add_row(f"    {escape(phase.name)}", _bar(phase.counts), progress(phase.counts))
    console.print(table)
    for title, steps, style in (
        ("In progress", report.in_progress, STATUS_STYLES["in_progress"]),
        ("Blocked", report.blocked, STATUS_STYLES["blocked"]),
        ("Next", report.next_steps, ""),
        ("Recently done", report.recently_done, STATUS_STYLES["done"]),
    ):
        if steps:
            console.print(f"\n[bold]{title}[/bold]")
            for step in steps:
                console.print(escape(_step_line(step)), style=style or None)


def _bar(counts: StatusCounts, width: int = 20) -> str:
    filled = round(width * counts.done / counts.total) if counts.total else 0
    return f"[green]{'━' * filled}[/green][dim]{'━' * (width - filled)}[/dim]"


def status_lines(report: StatusReport) -> list[str]:
    """The "where am I" report as text: progress per project, track and phase, then the steps that matter now."""
    lines = [f"{report.project.name} ({report.project.slug}): {progress(report.counts)}"]
    rows: list[tuple[str, StatusCounts]] = []
    for track in report.tracks:
        rows.append((f"  {track.name}", track.counts))
        rows.extend((f"    {phase.name}", phase.counts) for phase in track.phases)
    width = max((len(label) for label, _ in rows), default=0)
    lines.extend(f"{label:<{width}}  {progress(counts)}" for label, counts in rows)
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


def progress(counts: StatusCounts) -> str:
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
