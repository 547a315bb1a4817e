"""The CLI's tests share one real daemon per test process; each test works in its own directory and project."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import pytest

from contextstack.cli import main
from contextstack.providers.presets import PRESETS
from tests.conftest import Daemon, start_daemon, stop_daemon

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def shared_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """One daemon for all the CLI tests of a process: starting one per test would cost more than the tests."""
    # No provider key of this machine's reaches it: `doctor` would try the real providers.
    no_keys = {preset.api_key_env: "" for preset in PRESETS.values() if preset.api_key_env}
    running = start_daemon(tmp_path_factory.mktemp("cli-daemon"), env=no_keys)
    yield running
    stop_daemon(running)


@dataclass(frozen=True)
class Result:
    status: int
    out: str
    err: str


class Cli:
    """`contextstack ARGS…` run in this process against the shared daemon, its output captured."""

    def __init__(self, capsys: pytest.CaptureFixture[str], url: str) -> None:
        self._capsys = capsys
        self.url = url

    def __call__(self, *args: str) -> Result:
        self._capsys.readouterr()
        status = main(list(args))
        captured = self._capsys.readouterr()
        return Result(status, captured.out, captured.err)

    def ok(self, *args: str) -> str:
        """The output of a command that must succeed."""
        result = self(*args)
        assert result.status == 0, result.err
        return result.out

    def json(self, *args: str) -> Any:
        return msgspec.json.decode(self.ok(*args, "--json"))


@pytest.fixture
def cli(
    shared_daemon: Daemon, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Cli:
    """The CLI in a fresh directory (where `use` writes), talking to the shared daemon, output plain."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONTEXTSTACK_URL", shared_daemon.url)
    for name in ("NO_COLOR", "FORCE_COLOR", "CONTEXTSTACK_TOKEN", "CONTEXTSTACK_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return Cli(capsys, shared_daemon.url)


@pytest.fixture
def project(cli: Cli) -> str:
    """A new project, made the current one: its slug."""
    slug = f"project-{next(_numbers)}"
    cli.ok("project", "new", f"Project {slug}", "--slug", slug, "--use")
    return slug


@pytest.fixture
def launch(cli: Cli, project: str) -> str:
    """The current project with a plan: 1 Backend / 1.1 Build (Schema, API, Load test), 2 Ops / 2.1 Release (Deploy)."""
    cli.ok("track", "add", "Backend")
    cli.ok("phase", "add", "Build")
    for title in ("Schema", "API", "Load test"):
        cli.ok("step", "add", title)
    cli.ok("track", "add", "Ops")
    cli.ok("phase", "add", "Release")
    cli.ok("step", "add", "Deploy")
    return project
