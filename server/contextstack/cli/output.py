"""What the commands print: rich tables and trees for a terminal, plain aligned text otherwise, the API's JSON on
`--json`."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import msgspec
from rich.console import Console
from rich.markup import escape
from rich.progress import DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table
from rich.tree import Tree

STATUS_MARKS = {"todo": "[ ]", "in_progress": "[>]", "blocked": "[!]", "done": "[x]"}
STATUS_STYLES = {"todo": "", "in_progress": "bold yellow", "blocked": "bold red", "done": "green"}


def wants_terminal_output() -> bool:
    """Rich output for a terminal (or FORCE_COLOR), plain text when piped or NO_COLOR is set."""
    if os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()


class Output:
    """One command's printer; `styled` says whether it draws for a terminal."""

    def __init__(self, *, as_json: bool) -> None:
        self.as_json = as_json
        self.styled = wants_terminal_output()

    def console(self) -> Console:
        # Made on use: sys.stdout may have been replaced (by a test's capture, say) since the command started.
        return Console(file=sys.stdout, highlight=False, force_terminal=self.styled, no_color=not self.styled)

    def json(self, content: bytes) -> None:
        """The daemon's answer as it sent it, indented."""
        sys.stdout.buffer.write(msgspec.json.format(content, indent=2) + b"\n")
        sys.stdout.flush()

    def line(self, text: str = "", style: str = "") -> None:
        if self.styled:
            self.console().print(escape(text), style=style or None)
        else:
            print(text)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], *, styles: Sequence[str] = ()) -> None:
        """Rows under headers: a rich table, or columns two spaces apart without headers when plain."""
        if self.styled:
            table = Table(box=None, header_style="bold", pad_edge=False, show_header=any(headers))
            for header in headers or [""] * len(rows[0] if rows else ()):
                table.add_column(header)
            for index, row in enumerate(rows):
                table.add_row(*(escape(cell) for cell in row), style=styles[index] if index < len(styles) else None)
            self.console().print(table)
            return
        print("\n".join(plain_columns(rows)))

    def tree(self, tree: Tree) -> None:
        self.console().print(tree)

    @contextmanager
    def progress(self, description: str, total: int) -> Iterator[ProgressLine]:
        """A progress bar on a terminal; plain, a line on stderr after each piece of work."""
        if self.styled:
            with Progress(console=Console(file=sys.stderr, force_terminal=True), transient=False) as bar:
                task = bar.add_task(description, total=total)
                yield ProgressLine(description, total, lambda done: bar.update(task, completed=done))
        else:
            yield ProgressLine(description, total, None)

    @contextmanager
    def transfer(self, description: str, total: int | None) -> Iterator[Callable[[int], None]]:
        """A bar of bytes moved, on a terminal (stderr); nothing otherwise. Yields: advance by so many bytes."""
        if not self.styled:
            yield lambda moved: None
            return
        columns = (*Progress.get_default_columns(), DownloadColumn(), TransferSpeedColumn())
        with Progress(*columns, console=Console(file=sys.stderr, force_terminal=True), transient=False) as bar:
            task = bar.add_task(description, total=total)
            yield lambda moved: bar.advance(task, moved)


class ProgressLine:
    """Where a long piece of work has got to."""

    def __init__(self, description: str, total: int, on_update: Callable[[int], None] | None) -> None:
        self.description = description
        self.total = total
        self._on_update = on_update

    def advance_to(self, done: int) -> None:
        if self._on_update is not None:
            self._on_update(done)
        else:
            print(f"{self.description}: {done}/{self.total}", file=sys.stderr)


def plain_columns(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows as columns two spaces apart, the last one unpadded."""
    if not rows:
        return []
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    return [
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]]).rstrip()
        for row in rows
    ]
