"""docs/cli.md's reference section, made from the parser: `python -m contextstack.cli.reference docs/cli.md`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from contextstack.cli.completion import walk

MARKER = "<!-- The reference below is generated from the parser: python -m contextstack.cli.reference docs/cli.md -->"
WIDTH = 100


def reference(parser: argparse.ArgumentParser) -> str:
    """Every command's `--help`, in the order the parser has them."""
    sections = ["## Reference", ""]
    for command in walk(parser):
        found = _parser_at(parser, command.path)
        name = " ".join(("contextstack", *command.path))
        sections.extend([f"### `{name}`", "", "```text", _help(found).rstrip(), "```", ""])
    return "\n".join(sections)


def _parser_at(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> argparse.ArgumentParser:
    for name in path:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = action.choices[name]
    return parser


def _help(parser: argparse.ArgumentParser) -> str:
    # A fixed width, whatever the terminal that regenerates it: the page must come out the same everywhere.
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=WIDTH)
    return parser.format_help()


def page(current: str, parser: argparse.ArgumentParser) -> str:
    """`current` with everything after the marker replaced by the reference."""
    head = current.split(MARKER, 1)[0].rstrip("\n")
    return f"{head}\n\n{MARKER}\n\n{reference(parser)}"


def main(argv: list[str] | None = None) -> int:
    from contextstack.cli import build_parser

    target = Path((argv or sys.argv[1:] or ["docs/cli.md"])[0])
    target.write_text(
        page(target.read_text(encoding="utf-8") if target.exists() else "", build_parser()), encoding="utf-8"
    )
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
