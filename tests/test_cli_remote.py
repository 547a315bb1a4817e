"""The CLI commands that talk to a running daemon: `--url`, CONTEXTSTACK_URL and CONTEXTSTACK_TOKEN, and clear failures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from contextstack.cli import main
from contextstack.remote import DEFAULT_URL, daemon_url
from tests.conftest import SERVER_DIR, Daemon, free_port, start_daemon, stop_daemon

pytestmark = pytest.mark.e2e

CLIENT_DIR = SERVER_DIR.parent / "client"


def contextstack(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The `contextstack` command as a separate process, with no CONTEXTSTACK_* variables but those in `env`."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CONTEXTSTACK_")},
        "PYTHONPATH": os.pathsep.join([str(SERVER_DIR), str(CLIENT_DIR)]),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "contextstack", *args], env=environment, capture_output=True, text=True, timeout=30
    )


def test_projects_lists_slug_status_and_name(daemon: Daemon, capsys: pytest.CaptureFixture[str]) -> None:
    for body in ({"name": "Contextstack"}, {"name": "Garden shed", "slug": "shed"}):
        httpx.post(daemon.url + "/api/projects", json=body).raise_for_status()
    assert main(["projects", "--url", daemon.url]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "contextstack  active    Contextstack",
        "shed          active    Garden shed",
    ]


def test_the_daemon_url_comes_from_contextstack_url(
    daemon: Daemon, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CONTEXTSTACK_URL", daemon.url + "/")
    assert main(["projects"]) == 0
    assert capsys.readouterr().err == "no projects yet\n"


def test_the_default_daemon_is_the_local_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTEXTSTACK_URL", raising=False)
    assert daemon_url(None) == DEFAULT_URL == "http://127.0.0.1:8765"
    monkeypatch.setenv("CONTEXTSTACK_URL", "http://127.0.0.1:9000")
    assert daemon_url("http://localhost:9001/") == "http://localhost:9001"


def test_no_daemon_is_one_line_that_says_how_to_start_one() -> None:
    result = contextstack("projects", env={"CONTEXTSTACK_URL": f"http://127.0.0.1:{free_port()}"})
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "no daemon answers at http://127.0.0.1:" in result.stderr
    assert "`contextstack serve`" in result.stderr


@pytest.mark.parametrize("url", ["localhost:8765", "ftp://127.0.0.1"])
def test_an_address_that_is_not_a_url_is_named(url: str) -> None:
    result = contextstack("projects", "--url", url)
    assert result.returncode == 1
    assert result.stderr == f"contextstack: {url} is not a daemon address; give one like http://127.0.0.1:8765\n"


def test_contextstack_token_is_sent_as_the_bearer_token(tmp_path: Path) -> None:
    running = start_daemon(tmp_path, env={"CONTEXTSTACK_TOKEN": "t0ken"})
    try:
        refused = contextstack("projects", "--url", running.url)
        assert refused.returncode == 1
        assert "access token" in refused.stderr
        assert "Set CONTEXTSTACK_TOKEN" in refused.stderr
        assert "Traceback" not in refused.stderr

        accepted = contextstack("projects", "--url", running.url, env={"CONTEXTSTACK_TOKEN": "t0ken"})
        assert accepted.returncode == 0, accepted.stderr
    finally:
        stop_daemon(running)
