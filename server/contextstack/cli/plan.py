"""`contextstack plan` and `track|phase|step add|edit|move|rm`."""

from __future__ import annotations

import argparse
from typing import Any

from rich.markup import escape
from rich.tree import Tree

from contextstack.cli.output import STATUS_MARKS, STATUS_STYLES
from contextstack.cli.refs import Level, PlanItem, is_id, plan_items, resolve
from contextstack.cli.session import Commands, Session
from contextstack.cli.usage import UsageError
from contextstack.remote import RemoteError, answer
from contextstack_client.api.phases import create_phase, delete_phase, get_phase, move_phase, update_phase
from contextstack_client.api.plan import get_project_plan
from contextstack_client.api.steps import create_step, delete_step, move_step, update_step
from contextstack_client.api.tracks import create_track, delete_track, get_track, move_track, update_track
from contextstack_client.models import (
    Deleted,
    Move,
    Phase,
    PhaseCreate,
    PhaseUpdate,
    Plan,
    Step,
    StepCreate,
    StepUpdate,
    Track,
    TrackCreate,
    TrackUpdate,
)

REFERENCE_HELP = "its id, plan position ({example}) or a unique title prefix"
PARENT: dict[Level, Level] = {"phase": "track", "step": "phase"}
CHILD: dict[Level, Level] = {"track": "phase", "phase": "step"}


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    commands.add_parser(
        "plan",
        parents=[common],
        help="print the plan as a tree, with positions such as 2.1.3",
        description="Print the project's tracks, phases and steps with their positions and statuses.",
    ).set_defaults(handler=plan_command)
    levels: list[tuple[Level, str, str]] = [
        ("track", "2", "name"),
        ("phase", "2.1", "name"),
        ("step", "2.1.3", "title"),
    ]
    for level, example, name_option in levels:
        group = commands.add_parser(level, help=f"add, edit, move and remove {level}s")
        actions = group.add_subparsers(dest="action", metavar="ACTION", required=True)
        reference = REFERENCE_HELP.format(example=example)

        add = actions.add_parser(
            "add", parents=[common], help=f"add a {level}", description=f"Add a {level}, appended unless --at says."
        )
        add.add_argument(name_option, help=f"the {level}'s {name_option}")
        if level in PARENT:
            parent = PARENT[level]
            add.add_argument(f"--{parent}", help=f"the {parent} to add it to (default: the plan's last {parent})")
        add.add_argument("--at", type=int, metavar="N", help="its place among its siblings, from 1")
        _add_fields(add, level)
        add.set_defaults(handler=add_command, level=level)

        edit = actions.add_parser(
            "edit", parents=[common], help=f"change a {level}", description=f"Change the {level}'s fields given."
        )
        edit.add_argument("reference", metavar=level.upper(), help=reference)
        edit.add_argument(f"--{name_option}", help=f"a new {name_option}")
        _add_fields(edit, level)
        edit.set_defaults(handler=edit_command, level=level)

        move = actions.add_parser(
            "move",
            parents=[common],
            help=f"move a {level}",
            description=f"Move the {level} to place N among its siblings (from 1)"
            + (f", or into another {PARENT[level]} with --to." if level in PARENT else "."),
        )
        move.add_argument("reference", metavar=level.upper(), help=reference)
        move.add_argument("position", type=int, metavar="N", help="its new place, from 1")
        if level in PARENT:
            move.add_argument("--to", metavar=PARENT[level].upper(), help=f"the {PARENT[level]} to move it into")
        move.set_defaults(handler=move_command, level=level)

        remove = actions.add_parser(
            "rm",
            parents=[common],
            help=f"remove a {level}",
            description=f"Remove the {level}"
            + (f" and what it holds (that takes --yes when it holds any {CHILD[level]})." if level in CHILD else "."),
        )
        remove.add_argument("reference", metavar=level.upper(), help=reference)
        if level in CHILD:
            remove.add_argument("--yes", action="store_true", help=f"also remove its {CHILD[level]}s")
        remove.set_defaults(handler=remove_command, level=level)


def _add_fields(parser: argparse.ArgumentParser, level: Level) -> None:
    parser.add_argument("--description", help="what it is about")
    if level == "step":
        parser.add_argument("--instructions", help="how to do it")
        parser.add_argument(
            "--criterion",
            action="append",
            dest="criteria",
            metavar="TEXT",
            help="an acceptance criterion (repeat for more; on edit, replaces them all)",
        )
        parser.add_argument(
            "--after",
            action="append",
            metavar="STEP",
            help="a step that must be done first (repeat for more; on edit, replaces them all)",
        )


def plan_command(session: Session) -> None:
    session.reply(
        get_project_plan.sync_detailed(session.project(), client=session.daemon), lambda p: print_plan(session, p)
    )


def print_plan(session: Session, plan: Plan) -> None:
    items = plan_items(plan)
    steps = {step.id: step for track in plan.tracks for phase in track.phases for step in phase.steps}
    header = f"{plan.project.name} ({plan.project.slug})"
    if not items:
        session.out.line(f"{header}: no tracks yet; add one with `contextstack track add NAME`")
        return
    if not session.out.styled:
        session.out.line(header)
        for item in items:
            indent = "  " * item.position.count(".")
            mark = f"{STATUS_MARKS[item.status]} " if item.level == "step" else ""
            print(f"{indent}{item.position} {mark}{item.title}{_reason(steps.get(item.id))}")
        return
    root = Tree(f"[bold]{escape(header)}[/bold]")
    branches: dict[int, Tree] = {0: root}
    for item in items:
        depth = item.position.count(".")
        if item.level == "step":
            style = STATUS_STYLES[item.status]
            text = escape(f"{STATUS_MARKS[item.status]} {item.title}{_reason(steps.get(item.id))}")
            label = f"[dim]{item.position}[/dim] " + (f"[{style}]{text}[/{style}]" if style else text)
            branches[depth].add(label)
        else:
            branches[depth + 1] = branches[depth].add(f"[bold]{escape(item.position)} {escape(item.title)}[/bold]")
    session.out.tree(root)


def _reason(step: Step | None) -> str:
    return f" — {step.blocked_reason}" if step is not None and step.status == "blocked" and step.blocked_reason else ""


def add_command(session: Session) -> None:
    args = session.args
    level: Level = args.level
    fields = _fields(args, level, session)
    if args.at is not None:
        fields["position"] = _zero_based(args.at)
    if level == "track":
        fields["name"] = args.name
        response: Any = create_track.sync_detailed(
            session.project(), client=session.daemon, body=TrackCreate.from_dict(fields)
        )
        parent_position = ""
    else:
        parent = _parent(session, level, getattr(args, PARENT[level]))
        parent_position = parent.position + "."
        if level == "phase":
            fields["name"] = args.name
            response = create_phase.sync_detailed(parent.id, client=session.daemon, body=PhaseCreate.from_dict(fields))
        else:
            fields["title"] = args.title
            response = create_step.sync_detailed(parent.id, client=session.daemon, body=StepCreate.from_dict(fields))

    def render(created: Track | Phase | Step) -> None:
        session.out.line(f"added {level} {parent_position}{created.position + 1} {_title(created)} ({created.id})")

    session.reply(response, render)


def _parent(session: Session, level: Level, reference: str | None) -> PlanItem:
    parent_level = PARENT[level]
    if reference is not None:
        return resolve(session.plan(), parent_level, reference)
    candidates = [item for item in plan_items(session.plan()) if item.level == parent_level]
    if not candidates:
        grandparent = " --track TRACK" if parent_level == "phase" else ""
        hint = f"`contextstack {parent_level} add NAME{grandparent}`"
        raise RemoteError(f"no {parent_level} yet to add a {level} to; add one with {hint}")
    return candidates[-1]


def edit_command(session: Session) -> None:
    args = session.args
    level: Level = args.level
    target = session.locate(level, args.reference)
    fields = _fields(args, level, session)
    name_option = "title" if level == "step" else "name"
    if getattr(args, name_option) is not None:
        fields[name_option] = getattr(args, name_option)
    if not fields:
        raise UsageError(f"nothing to change: give --{name_option}, --description or another field")
    if level == "track":
        response: Any = update_track.sync_detailed(target, client=session.daemon, body=TrackUpdate.from_dict(fields))
    elif level == "phase":
        response = update_phase.sync_detailed(target, client=session.daemon, body=PhaseUpdate.from_dict(fields))
    else:
        response = update_step.sync_detailed(target, client=session.daemon, body=StepUpdate.from_dict(fields))
    session.reply(response, lambda changed: session.out.line(f"changed {level} {_title(changed)} ({changed.id})"))


def _fields(args: argparse.Namespace, level: Level, session: Session) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if args.description is not None:
        fields["description"] = args.description
    if level == "step":
        if args.instructions is not None:
            fields["instructions"] = args.instructions
        if args.criteria is not None:
            fields["acceptance_criteria"] = args.criteria
        if args.after is not None:
            fields["depends_on"] = [session.locate("step", reference) for reference in args.after]
    return fields


def move_command(session: Session) -> None:
    args = session.args
    level: Level = args.level
    target = session.locate(level, args.reference)
    fields: dict[str, Any] = {"position": _zero_based(args.position)}
    if getattr(args, "to", None) is not None:
        fields["parent"] = session.locate(PARENT[level], args.to)
    body = Move.from_dict(fields)
    mover = {"track": move_track, "phase": move_phase, "step": move_step}[level]
    session.reply(
        mover.sync_detailed(target, client=session.daemon, body=body),
        lambda moved: session.out.line(f"moved {level} {_title(moved)} to place {moved.position + 1}"),
    )


def remove_command(session: Session) -> None:
    args = session.args
    level: Level = args.level
    target = session.locate(level, args.reference)
    if level in CHILD and not args.yes:
        held = next((item for item in plan_items(_plan_holding(session, level, target)) if item.id == target), None)
        if held is not None and held.children:
            raise RemoteError(
                f"{level} {held.position} {held.title} holds {held.children} {CHILD[level]}(s); "
                "add --yes to remove them with it"
            )
    remover = {"track": delete_track, "phase": delete_phase, "step": delete_step}[level]
    session.reply(remover.sync_detailed(target, client=session.daemon), lambda gone: _removed(session, level, gone))


def _plan_holding(session: Session, level: Level, target: str) -> Plan:
    """The plan `target` is in: the current project's, unless it was named by an id, which may be another's."""
    if not is_id(session.args.reference):
        return session.plan()
    getter = get_track if level == "track" else get_phase
    entity = answer(getter.sync_detailed(target, client=session.daemon))
    return answer(get_project_plan.sync_detailed(entity.project_id, client=session.daemon))


def _removed(session: Session, level: Level, gone: Deleted) -> None:
    held = [
        f"{count} {kind.removesuffix('s') if count == 1 else kind}"
        for kind, count in gone.deleted.additional_properties.items()
        if count and kind != f"{level}s"
    ]
    session.out.line(f"removed {level} {gone.id}" + (f" with {', '.join(held)}" if held else ""))


def _zero_based(place: int) -> int:
    if place < 1:
        raise UsageError(f"places count from 1; {place} is not one")
    return place - 1


def _title(entity: Track | Phase | Step) -> str:
    return entity.title if isinstance(entity, Step) else entity.name
