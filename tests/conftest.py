"""Shared fixtures: a temporary store, the real app in-process, and a real daemon process on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from litestar.testing import AsyncTestClient

import contextstack
from contextstack.app import create_asgi_app
from contextstack.settings import Settings
from contextstack.storage import Database, SQLiteDatabase

SERVER_DIR = Path(contextstack.__file__).resolve().parent.parent


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "contextstack.db"


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings(db=str(db_path), readers=2)


@pytest.fixture
async def db(db_path: Path) -> AsyncIterator[Database]:
    """An open store on a fresh SQLite file."""
    store = SQLiteDatabase(db_path, readers=2)
    await store.open()
    yield store
    await store.close()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[object]]:
    """The real app, in-process, as the daemon serves it (guard included), over a fresh store."""
    async with AsyncTestClient(app=create_asgi_app(settings), base_url="http://127.0.0.1:8765") as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Daemon:
    """A `contextstack serve` process started for a test."""

    url: str
    db: Path
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


# How long a daemon may take to answer: a guard against a hang (on a loaded machine startup takes a while).
STARTUP_PATIENCE = 60


def start_daemon(tmp_path: Path, *, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> Daemon:
    port = free_port()
    db = tmp_path / "daemon.db"
    log = tmp_path / f"daemon-{port}.log"
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CONTEXTSTACK_")},
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SERVER_DIR), os.environ.get("PYTHONPATH")])),
        "CONTEXTSTACK_CONFIG": str(tmp_path / "no-config.toml"),
        **(env or {}),
    }
    if not Path(environment["CONTEXTSTACK_CONFIG"]).exists():
        Path(environment["CONTEXTSTACK_CONFIG"]).write_text("")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "contextstack", "serve", "--port", str(port), "--db", str(db), *args],
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    daemon = Daemon(url=f"http://127.0.0.1:{port}", db=db, process=process, log=log)
    deadline = time.monotonic() + STARTUP_PATIENCE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daemon exited with {process.returncode}:\n{daemon.output()}")
        try:
            if httpx.get(daemon.url + "/health", timeout=1).status_code == 200:
                return daemon
        except httpx.TransportError:
            time.sleep(0.05)
    stop_daemon(daemon)
    raise RuntimeError(f"daemon did not answer within {STARTUP_PATIENCE} s:\n{daemon.output()}")


def stop_daemon(daemon: Daemon) -> int:
    if daemon.process.poll() is None:
        daemon.process.terminate()
        try:
            daemon.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            daemon.process.kill()
            daemon.process.wait()
    return daemon.process.returncode


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    """A real daemon process on a free port over a fresh store; stopped (SIGTERM) afterwards."""
    running = start_daemon(tmp_path)
    yield running
    stop_daemon(running)
