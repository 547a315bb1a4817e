"""The `contextstack` process itself: drawing on a real terminal, plain through a pipe, and its exit statuses."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from tests.cli.conftest import Cli
from tests.conftest import SERVER_DIR

pytestmark = pytest.mark.e2e


def run(*args: str, url: str, terminal: bool, env: dict[str, str] | None = None) -> tuple[int, str]:
    """`contextstack ARGS…` as its own process, its stdout a pseudo-terminal or a pipe: (exit status, output)."""
    environment = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith("CONTEXTSTACK_") and k not in ("NO_COLOR", "FORCE_COLOR")
        },
        "PYTHONPATH": os.pathsep.join([str(SERVER_DIR), str(SERVER_DIR.parent / "client")]),
        "CONTEXTSTACK_URL": url,
        "COLUMNS": "100",
        **(env or {}),
    }
    command = [sys.executable, "-m", "contextstack", *args]
    if not terminal:
        done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=30)
        return done.returncode, done.stdout
    leader, follower = pty.openpty()
    with subprocess.Popen(command, env=environment, stdout=follower, stderr=subprocess.DEVNULL) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closes when the process ends
                break
            if not chunk:
                break
            chunks.append(chunk)
        status = process.wait(timeout=30)
    os.close(leader)
    return status, b"".join(chunks).decode().replace("\r\n", "\n")


def test_a_terminal_gets_colour_and_a_pipe_gets_plain_text(cli: Cli, launch: str) -> None:
    status, drawn = run("plan", "--project", launch, url=cli.url, terminal=True)
    assert status == 0
    assert "\x1b[" in drawn
    assert "├── " in drawn
    status, plain = run("plan", "--project", launch, url=cli.url, terminal=False)
    assert (status, plain) == (0, cli.ok("plan"))
    assert "\x1b[" not in plain


def test_no_color_on_a_terminal_is_plain(cli: Cli, launch: str) -> None:
    status, printed = run("plan", "--project", launch, url=cli.url, terminal=True, env={"NO_COLOR": "1"})
    assert status == 0
    assert printed == cli.ok("plan")


def test_the_process_exits_1_on_a_refusal_and_2_on_bad_usage(cli: Cli, launch: str) -> None:
    assert run("start", "nothing-like-it", "--project", launch, url=cli.url, terminal=False)[0] == 1
    assert run("start", "--project", launch, url=cli.url, terminal=False)[0] == 2
