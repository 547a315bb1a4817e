"""README's commands as a new user runs them: the install commands install from the locks, and the tour's
shell lines, replayed against a real daemon, work and print what README says they print."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Daemon

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DEFAULT_URL = "http://127.0.0.1:8765"


def _section(title: str) -> str:
    return README.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_install_commands_install_from_the_hash_locks() -> None:
    [daemon] = _blocks(_section("Install and start the daemon"), "sh")
    [tests] = _blocks(_section("Run the whole test suite"), "sh")
    assert "--require-hashes -r requirements/daemon.lock" in daemon
    assert "--no-deps" in daemon
    assert "--require-hashes -r requirements/test.lock" in tests
    assert "--no-deps" in tests
    # The command goes where pipx and uv tool put theirs, so a new shell finds it without activating the venv.
    assert 'ln -sf "$PWD/.venv/bin/contextstack" ~/.local/bin/contextstack' in daemon
    assert daemon.strip().endswith("~/.local/bin/contextstack serve")
    assert tests.strip().endswith(".venv/bin/pytest")
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests.strip() in ci, "CI runs README's test command exactly"


def _tour() -> list[tuple[str, str | None]]:
    """The tour's shell lines, each with the output README shows for it (the `# …` line after it), if any."""
    lines = [line for block in _blocks(_section("A five-minute tour"), "sh") for line in block.splitlines()]
    steps: list[tuple[str, str | None]] = []
    for line in lines:
        if line.startswith("# ") and steps and steps[-1][1] is None:
            steps[-1] = (steps[-1][0], line[2:])
        elif line.strip() and not line.startswith("#"):
            steps.append((line, None))
    return steps


def _same_shape(shown: object, got: object) -> bool:
    if isinstance(shown, dict) and isinstance(got, dict):
        return shown.keys() == got.keys()
    return type(shown) is type(got)


@pytest.mark.e2e
def test_the_tour_works_against_a_real_daemon(daemon: Daemon) -> None:
    steps = _tour()
    assert len(steps) >= 5
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        "CONTEXTSTACK_URL": daemon.url,
        "NO_COLOR": "1",
    }
    for command, shown in steps:
        line = command.replace(DEFAULT_URL, daemon.url)
        words = shlex.split(line, comments=True)
        assert words[0] in {"curl", "contextstack"}, f"the tour runs only curl and contextstack: {line}"
        done = subprocess.run(["bash", "-c", line], env=env, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"
        if shown is None:
            continue
        if shown.startswith("{"):
            assert _same_shape(json.loads(shown), json.loads(done.stdout)), (line, done.stdout)
        else:
            assert shown.split() == done.stdout.split()[: len(shown.split())], (line, done.stdout)
