"""The walk through a day of work in docs/cli.md runs as printed: every command, and every line it prints."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.cli.conftest import Cli

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
ID = re.compile(r"\b(prj|trk|phs|stp|kno)_[0-9A-Z]{26}\b")


def day_of_work() -> list[tuple[str, list[str]]]:
    """The `$ contextstack …` lines of the page's console block, each with the lines printed after it."""
    section = PAGE.read_text().split("## A day of work", 1)[1]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    session: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            session.append((line[2:], []))
        else:
            session[-1][1].append(line)
    return session


def test_the_day_of_work_in_the_docs_prints_what_the_docs_say(cli: Cli) -> None:
    session = day_of_work()
    assert [command.split()[1] for command, _ in session][:3] == ["project", "track", "phase"]
    for command, printed in session:
        words = shlex.split(command)
        assert words[0] == "contextstack"
        out = cli.ok(*words[1:])
        assert ID.sub(r"\1_…", out).splitlines() == printed, command
