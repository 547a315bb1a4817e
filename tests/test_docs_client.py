"""docs/client.md's client examples work when pasted, against a real daemon, and print what they say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Daemon

pytestmark = pytest.mark.e2e

PAGE = Path(__file__).resolve().parent.parent / "docs" / "client.md"
BLOCKS = [
    block for block in re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S) if "contextstack_client" in block
]
PRINTED = re.compile(r"^\s*print\(.*\)  # (.*)$", re.M)


def test_client_examples_run_and_print_what_the_page_says(daemon: Daemon, capsys: pytest.CaptureFixture[str]) -> None:
    assert len(BLOCKS) >= 2
    for block in BLOCKS:
        exec(compile(block.replace("http://127.0.0.1:8765", daemon.url), str(PAGE), "exec"), {})
        printed = capsys.readouterr().out.splitlines()
        expected = PRINTED.findall(block)
        if expected and len(expected) == block.count("print("):
            assert printed == expected
        else:
            assert printed
