"""The documentation keeps up with the code it describes."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import msgspec
import pytest
from cogapp import Cog

from contextstack.settings import ENV_FIELDS, ENV_PREFIX, Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"
SERVER = Path(__file__).resolve().parent.parent / "server" / "contextstack"


def test_generated_tables_are_current(capsys: pytest.CaptureFixture[str]) -> None:
    """The settings and MCP tool tables are made from the code by cog; `cog --check` fails when one is stale."""
    pages = sorted(str(page) for page in DOCS.glob("*.md") if "[[[cog" in page.read_text())
    assert {Path(page).name for page in pages} >= {"configuration.md", "mcp.md"}
    status = Cog().main(["cog", "--check", "--diff", *pages])
    assert status == 0, f"generated docs are out of date: run `.venv/bin/cog -r docs/*.md`\n{capsys.readouterr().out}"


def test_configuration_reference_names_every_setting_and_variable() -> None:
    page = (DOCS / "configuration.md").read_text()
    for field in msgspec.structs.fields(Settings):
        assert f"| `{field.name}` |" in page, f"docs/configuration.md does not describe `{field.name}`"
    for name in ENV_FIELDS:
        assert f"`{ENV_PREFIX}{name.upper()}`" in page


def _prose(path: Path) -> list[tuple[int, str]]:
    """The comments and docstrings of a module, with their line numbers."""
    source = path.read_text()
    found = [
        (token.start[0], token.string)
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            docstring = ast.get_docstring(node, clean=False)
            if docstring and node.body:
                found.append((node.body[0].lineno, docstring))
    return found


def test_timings_live_in_the_benchmarks_page_not_in_code_comments() -> None:
    """A figure in a comment goes stale unseen; docs/benchmarks.md says how, where and when each was measured."""
    timing = re.compile(r"\b\d+(\.\d+)? ?(ms|µs)\b")
    found = [
        f"{path.relative_to(SERVER)}:{line}"
        for path in sorted(SERVER.rglob("*.py"))
        for line, text in _prose(path)
        if timing.search(text)
    ]
    assert not found, "move these figures to docs/benchmarks.md: " + ", ".join(found)
