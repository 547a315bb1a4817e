"""The real daemon: `contextstack serve` as a process, driven over HTTP."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from contextstack.storage.migrations import latest_version
from tests.conftest import SERVER_DIR, Daemon, start_daemon, stop_daemon

pytestmark = pytest.mark.e2e


def test_daemon_answers_health_with_version_and_store(daemon: Daemon, backend: str) -> None:
    body = httpx.get(daemon.url + "/health").json()
    assert body["status"] == "ok"
    assert body["store"] == backend
    assert body["database"] == str(daemon.db)
    assert body["schema_version"] == latest_version()
    if backend == "sqlite":
        assert Path(daemon.db).exists()


def test_daemon_serves_the_schema_and_an_offline_docs_page(daemon: Daemon) -> None:
    document = httpx.get(daemon.url + "/schema/openapi.json").json()
    assert "/health" in document["paths"]
    page = httpx.get(daemon.url + "/schema").text
    assets = re.findall(r"""(?:src|href)=['"]([^'"]+)""", page)
    assert assets
    assert all(asset.startswith("/schema/assets/") for asset in assets), assets
    assert httpx.get(daemon.url + "/schema/assets/swagger-ui-bundle.js").status_code == 200


def test_daemon_logs_one_line_per_request_and_stops_cleanly_on_sigterm(tmp_path: Path, backend: str) -> None:
    running = start_daemon(tmp_path)
    httpx.get(running.url + "/health", headers={"authorization": "Bearer sk-secret-value"})
    assert stop_daemon(running) in (0, -signal.SIGTERM)
    output = running.output()
    assert "Application shutdown complete" in output
    assert "GET /health 200" in output
    assert "sk-secret-value" not in output
    if backend == "sqlite":
        # Closed cleanly: the WAL was checkpointed into the main file and removed.
        assert not Path(str(running.db) + "-wal").exists()


def _serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CONTEXTSTACK_")},
        "PYTHONPATH": str(SERVER_DIR),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "contextstack", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
        cwd=tmp_path,
    )


def test_daemon_refuses_a_non_loopback_address_without_a_token(tmp_path: Path) -> None:
    result = _serve(tmp_path, "serve", "--host", "0.0.0.0", "--db", str(tmp_path / "x.db"))
    assert result.returncode != 0
    assert "token" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.sqlite_only
def test_daemon_refuses_a_store_from_a_newer_version(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    result = _serve(tmp_path, "serve", "--db", str(path), "--port", "1")
    assert result.returncode == 2
    assert "newer version" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_explains_every_serve_option(tmp_path: Path) -> None:
    result = _serve(tmp_path, "serve", "--help")
    for option in ("--host", "--port", "--db", "--config", "CONTEXTSTACK_PORT"):
        assert option in result.stdout


def test_a_token_protects_the_api_when_set(tmp_path: Path) -> None:
    running = start_daemon(tmp_path, env={"CONTEXTSTACK_TOKEN": "t0ken"})
    try:
        assert httpx.get(running.url + "/schema/openapi.json").status_code == 401
        authorised = httpx.get(running.url + "/schema/openapi.json", headers={"authorization": "Bearer t0ken"})
        assert authorised.status_code == 200
    finally:
        stop_daemon(running)
