"""`contextstack project new|list|show|archive`, `projects`, and `use SLUG`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from contextstack.cli import workspace
from contextstack.cli.session import Commands, Session
from contextstack.cli.usage import UsageError
from contextstack.remote import answer, list_all_projects
from contextstack_client.api.projects import create_project, get_project, list_projects, update_project
from contextstack_client.models import Project, ProjectCreate, ProjectUpdate
from contextstack_client.types import UNSET


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    listing = commands.add_parser(
        "projects", parents=[common], help="list the projects", description="List the projects: slug, status, name."
    )
    listing.set_defaults(handler=list_command)

    project = commands.add_parser("project", help="create, list, show and archive projects")
    actions = project.add_subparsers(dest="action", metavar="ACTION", required=True)
    new = actions.add_parser(
        "new", parents=[common], help="create a project", description="Create a project; --use makes it this tree's."
    )
    new.add_argument("name", help="the project's name")
    new.add_argument("--slug", help="its short name in commands and URLs (default: made from the name)")
    new.add_argument("--description", default="", help="what the project is")
    new.add_argument("--instructions", default="", help="how a model should work on it")
    new.add_argument("--use", action="store_true", help="also make it the project of this directory tree")
    new.set_defaults(handler=new_command)
    actions.add_parser(
        "list", parents=[common], help="list the projects", description="List the projects: slug, status, name."
    ).set_defaults(handler=list_command)
    show = actions.add_parser("show", parents=[common], help="show a project", description="Show a project.")
    show.add_argument("project_argument", metavar="PROJECT", nargs="?", help="slug or id (default: the current one)")
    show.set_defaults(handler=show_command)
    archive = actions.add_parser(
        "archive",
        parents=[common],
        help="archive a project",
        description="Archive a project: it keeps everything and leaves the everyday lists; --restore brings it back.",
    )
    archive.add_argument("project_argument", metavar="PROJECT", nargs="?", help="slug or id (default: the current one)")
    archive.add_argument("--restore", action="store_true", help="make an archived project active again")
    archive.set_defaults(handler=archive_command)

    use = commands.add_parser(
        "use",
        parents=[common],
        help="make a project the current one for this directory tree",
        description=(
            "Write .contextstack at the repository root (the nearest directory with .git, else here), naming the "
            "project the other commands work on when --project is not given. Without SLUG: say which one it is."
        ),
    )
    use.add_argument("slug", nargs="?", help="the project's slug or id")
    use.set_defaults(handler=use_command)


def list_command(session: Session) -> None:
    if session.out.as_json:
        session.out.json(list_projects.sync_detailed(client=session.daemon, limit=500).content)
        return
    projects = list_all_projects(session.daemon)
    if not projects:
        print("no projects yet", file=sys.stderr)
        return
    if session.out.styled:
        session.out.table(
            ["slug", "status", "name"],
            [[project.slug, str(project.status), project.name] for project in projects],
            styles=["dim" if project.status == "archived" else "" for project in projects],
        )
        return
    width = max(len(project.slug) for project in projects)
    for project in projects:
        print(f"{project.slug:<{width}}  {project.status:<8}  {project.name}")


def new_command(session: Session) -> None:
    args = session.args
    body = ProjectCreate(
        name=args.name,
        slug=args.slug or UNSET,
        description=args.description,
        instructions=args.instructions,
    )
    project = session.reply(
        create_project.sync_detailed(client=session.daemon, body=body),
        lambda project: session.out.line(f"created project {project.slug} ({project.name})"),
    )
    if args.use:
        path = workspace.write_project(workspace.repository_root(Path.cwd()), project.slug)
        if not session.out.as_json:
            session.out.line(f"using {project.slug} in {os.path.relpath(path)}")


def show_command(session: Session) -> None:
    session.reply(get_project.sync_detailed(session.project(), client=session.daemon), lambda p: _show(session, p))


def _show(session: Session, project: Project) -> None:
    rows = [
        ["name", project.name],
        ["slug", project.slug],
        ["status", str(project.status)],
        ["id", project.id],
        ["created", project.created_at],
        ["updated", project.updated_at],
    ]
    rows.extend(
        [label, text]
        for label, text in (("description", project.description), ("instructions", project.instructions))
        if text
    )
    session.out.table([], rows)


def archive_command(session: Session) -> None:
    status = "active" if session.args.restore else "archived"
    body = ProjectUpdate.from_dict({"status": status})
    session.reply(
        update_project.sync_detailed(session.project(), client=session.daemon, body=body),
        lambda project: session.out.line(f"{'restored' if status == 'active' else 'archived'} {project.slug}"),
    )


def use_command(session: Session) -> None:
    slug = session.args.slug
    if slug is None:
        found = workspace.find_file(Path.cwd())
        if found is None:
            raise UsageError("no project chosen here yet; run `contextstack use SLUG`")
        current = session.project()
        session.reply(
            get_project.sync_detailed(current, client=session.daemon),
            lambda project: session.out.line(f"{project.slug} ({project.name}), from {os.path.relpath(found)}"),
        )
        return
    response = get_project.sync_detailed(slug, client=session.daemon)
    project = answer(response)
    path = workspace.write_project(workspace.repository_root(Path.cwd()), project.slug)
    if session.out.as_json:
        session.out.json(response.content)
    else:
        session.out.line(f"using {project.slug} in {os.path.relpath(path)}")
