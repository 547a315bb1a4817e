"""Where the store is: `--db`, CONTEXTSTACK_DB and the config file take a SQLite path or a PostgreSQL URL; any
other scheme stops start-up; a URL's password is never shown; PostgreSQL takes no store lock and no SQLite backup.

The tests that need a PostgreSQL server get one from `postgres_url` (skipped without one, failed in CI).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from contextstack.cli import main
from contextstack.storage.migrations import latest_version
from tests.conftest import SERVER_DIR, free_port, postgres_server, start_daemon, stop_daemon

pytestmark = pytest.mark.e2e

PASSWORD = "hunter2-not-shown"


def _serve(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "empty.toml"
    config.write_text("")
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CONTEXTSTACK_")},
        "PYTHONPATH": str(SERVER_DIR),
        "CONTEXTSTACK_CONFIG": str(config),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "contextstack", "serve", "--port", str(free_port()), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit((parts.scheme, f"{user or 'postgres'}:{password}@{host}", parts.path, parts.query, ""))


def without_password(url: str) -> str:
    parts = urlsplit(url)
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit((parts.scheme, f"{user.partition(':')[0]}@{host}", parts.path, parts.query, ""))


@pytest.mark.parametrize("given_by", ["--db", "CONTEXTSTACK_DB", "config file"])
def test_a_url_of_an_unknown_scheme_stops_start_up_naming_the_known_ones(tmp_path: Path, given_by: str) -> None:
    url = f"mysql://me:{PASSWORD}@db.example/contextstack"
    if given_by == "--db":
        result = _serve(tmp_path, "--db", url)
    elif given_by == "CONTEXTSTACK_DB":
        result = _serve(tmp_path, env={"CONTEXTSTACK_DB": url})
    else:
        config = tmp_path / "config.toml"
        config.write_text(f'db = "{url}"\n')
        result = _serve(tmp_path, env={"CONTEXTSTACK_CONFIG": str(config)})
    assert result.returncode == 2, result.stderr
    assert "mysql://" in result.stderr
    assert "postgresql://" in result.stderr
    assert PASSWORD not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "mysql:").exists()  # not taken for a folder, as it once was


@pytest.mark.parametrize("password_in", ["user part", "query"])
def test_an_unreachable_postgres_store_stops_start_up_saying_where_without_the_password(
    tmp_path: Path, password_in: str
) -> None:
    port = free_port()  # nothing listens there
    if password_in == "user part":
        url = f"postgresql://me:{PASSWORD}@127.0.0.1:{port}/contextstack"
    else:
        url = f"postgresql://me@127.0.0.1:{port}/contextstack?password={PASSWORD}"
    result = _serve(tmp_path, "--db", url)
    assert result.returncode == 2, result.stderr
    assert f"postgresql://me@127.0.0.1:{port}/contextstack" in result.stderr
    assert PASSWORD not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["backup", "restore-backup"])
def test_backup_and_restore_refuse_a_postgres_store_and_point_at_pg_dump(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "empty.toml").write_text("")
    monkeypatch.setenv("CONTEXTSTACK_CONFIG", str(tmp_path / "empty.toml"))
    url = f"postgresql://me:{PASSWORD}@db.example/contextstack"
    status = main([command, str(tmp_path / "copy.db"), "--db", url])
    err = capsys.readouterr().err
    assert status == 2
    assert "pg_dump" in err
    assert "docs/postgres.md" in err
    assert "postgresql://me@db.example/contextstack" in err
    assert PASSWORD not in err
    assert not list(tmp_path.glob("copy.db*"))


def test_a_daemon_on_postgres_shows_its_store_without_the_password(tmp_path: Path, postgres_url: str) -> None:
    # The test cluster trusts local connections, so the password is carried and never checked: what matters is
    # that it is nowhere in what the daemon says.
    url = with_password(postgres_url, PASSWORD)
    running = start_daemon(tmp_path, db=url, args=("--log-level", "debug"))
    try:
        health = httpx.get(running.url + "/health").json()
        assert health["store"] == "postgresql"
        assert health["database"] == without_password(url)
        assert health["schema_version"] == latest_version()
        created = httpx.post(running.url + "/api/projects", json={"name": "Shared shed"})
        assert created.status_code == 201, created.text
        assert httpx.get(running.url + "/api/nothing-here").status_code == 404
    finally:
        stop_daemon(running)
    assert PASSWORD not in running.output()
    assert without_password(url) in running.output()  # "store … ready"
    assert not list(tmp_path.glob("*.lock"))


def test_several_daemons_serve_one_postgres_database(tmp_path: Path, postgres_url: str) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = start_daemon(tmp_path / "a", db=postgres_url)
    try:
        # SQLite's one-daemon lock would refuse this one; a PostgreSQL database is shared.
        second = start_daemon(tmp_path / "b", db=postgres_url)
        try:
            created = httpx.post(first.url + "/api/projects", json={"name": "One store"})
            assert created.status_code == 201, created.text
            slugs = [p["slug"] for p in httpx.get(second.url + "/api/projects").json()["items"]]
            assert slugs == [created.json()["slug"]]
        finally:
            stop_daemon(second)
    finally:
        stop_daemon(first)


def _execute(url: str, sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def test_a_daemon_refuses_a_postgres_store_from_a_newer_version(tmp_path: Path, postgres_url: str) -> None:
    _execute(
        postgres_url,
        "CREATE TABLE schema_version (version integer NOT NULL); "
        f"INSERT INTO schema_version (version) VALUES ({latest_version() + 1})",
    )
    result = _serve(tmp_path, "--db", postgres_url)
    assert result.returncode == 2, result.stderr
    assert "newer version" in result.stderr
    assert "Traceback" not in result.stderr


def test_tls_is_as_the_urls_sslmode_says(tmp_path: Path, postgres_url: str) -> None:
    tcp = postgres_server().tcp_url(postgres_url)
    if tcp is None:
        pytest.skip("the server given by CONTEXTSTACK_TEST_PG is reached on a unix socket, where TLS does not apply")
    # The test server speaks no TLS: `require` must not fall back to a plain connection, `disable` connects.
    refused = _serve(tmp_path, "--db", tcp + "?sslmode=require")
    assert refused.returncode == 2, refused.stderr
    assert "SSL" in refused.stderr
    assert "Traceback" not in refused.stderr
    running = start_daemon(tmp_path, db=tcp + "?sslmode=disable")
    try:
        assert httpx.get(running.url + "/health").json()["store"] == "postgresql"
    finally:
        stop_daemon(running)
