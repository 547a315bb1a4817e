"""One command's run: the daemon it talks to, the project it works on, and how it prints."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias, TypeVar

from contextstack.cli import refs, workspace
from contextstack.cli.output import Output
from contextstack.cli.usage import UsageError
from contextstack.remote import Daemon, answer
from contextstack_client.api.plan import get_project_plan
from contextstack_client.models import Plan, Problem
from contextstack_client.types import Response

T = TypeVar("T")

if TYPE_CHECKING:
    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]
else:  # subscripting it at run time fails before Python 3.12
    Commands = argparse._SubParsersAction


class Session:
    """What a command handler works with."""

    def __init__(self, daemon: Daemon, args: argparse.Namespace) -> None:
        self.daemon = daemon
        self.args = args
        self.out = Output(as_json=bool(getattr(args, "json", False)))
        self._plan: Plan | None = None

    def project(self) -> str:
        """The project named by `--project`, else the command's own argument, else the nearest `.contextstack`."""
        named = getattr(self.args, "project", None) or getattr(self.args, "project_argument", None)
        if named:
            return str(named)
        found = workspace.find_file(Path.cwd())
        if found is None:
            raise UsageError("no project chosen: pass --project SLUG, or run `contextstack use SLUG` here")
        try:
            return workspace.read_project(found)
        except ValueError as exc:
            raise UsageError(str(exc)) from None

    def project_if_chosen(self) -> str | None:
        """The project as `project()` finds it, or None where none is chosen (commands that also work globally)."""
        try:
            return self.project()
        except UsageError:
            if workspace.find_file(Path.cwd()) is not None:
                raise
            return None

    def plan(self) -> Plan:
        """The project's plan, read once per command."""
        if self._plan is None:
            self._plan = answer(get_project_plan.sync_detailed(self.project(), client=self.daemon))
        return self._plan

    def reply(self, response: Response[T | Problem], render: Callable[[T], None]) -> T:
        """The answer, printed as the daemon's JSON on `--json`, else by `render`."""
        parsed = answer(response)
        if self.out.as_json:
            self.out.json(response.content)
        else:
            render(parsed)
        return parsed

    def locate(self, level: refs.Level, reference: str) -> str:
        """The id of the track, phase or step `reference` names: an id as it is, else looked up in the plan."""
        if refs.is_id(reference):
            return refs.check_id(reference, level)
        return refs.resolve(self.plan(), level, reference).id
