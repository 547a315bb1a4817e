"""docs/cli.md's reference is the parser's own help, regenerated and compared."""

from __future__ import annotations

from pathlib import Path

from contextstack.cli import build_parser
from contextstack.cli.reference import MARKER, page

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_docs_cli_md_is_what_the_parser_says() -> None:
    current = PAGE.read_text()
    assert MARKER in current
    assert page(current, build_parser()) == current, (
        "docs/cli.md is out of date: run `.venv/bin/python -m contextstack.cli.reference docs/cli.md`"
    )


def test_every_command_of_the_design_is_in_the_reference() -> None:
    current = PAGE.read_text()
    for command in (
        "project new",
        "project list",
        "project show",
        "project archive",
        "use",
        "plan",
        "track add",
        "phase move",
        "step rm",
        "start",
        "block",
        "done",
        "next",
        "status",
        "decide",
        "constrain",
        "note",
        "kb list",
        "kb search",
        "kb show",
        "kb edit",
        "kb supersede",
        "kb import",
        "context",
        "init",
        "doctor",
        "serve",
        "openapi",
        "export",
        "import",
        "completion",
    ):
        assert f"### `contextstack {command}`" in current
