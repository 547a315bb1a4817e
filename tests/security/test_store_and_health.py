"""Other users of the machine: the store is its owner's alone, /health tells a stranger only that the daemon is
up, and only loopback addresses and localhost count as loopback."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contextstack.private_files import write_private
from contextstack.settings import Settings, is_loopback
from contextstack.storage import Database, SQLiteDatabase
from tests.conftest import app_for

TOKEN = "front-door-token-1234"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    yield
    os.umask(previous)


async def _write_something(store: Database) -> None:
    async with store.transaction() as tx:
        await tx.execute("CREATE TABLE IF NOT EXISTS scratch (x)")
        await tx.execute("INSERT INTO scratch VALUES (1)")


@pytest.mark.parametrize("folder", ["new", "new/deeper/still"])
@pytest.mark.usefixtures("loose_umask")
@pytest.mark.sqlite_only
async def test_a_new_store_is_its_owners_alone(tmp_path: Path, folder: str) -> None:
    path = tmp_path / folder / "contextstack.db"
    store = SQLiteDatabase(path, readers=1)
    await store.open()
    try:
        await _write_something(store)
        assert _mode(path.parent) == 0o700
        for name in ("contextstack.db", "contextstack.db-wal", "contextstack.db-shm"):
            assert _mode(path.parent / name) == 0o600, name
    finally:
        await store.close()


@pytest.mark.parametrize("loose", [0o644, 0o666, 0o640, 0o604])
@pytest.mark.usefixtures("loose_umask")
@pytest.mark.sqlite_only
async def test_an_existing_store_is_tightened_once_with_a_log_line(
    tmp_path: Path, loose: int, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "contextstack.db"
    store = SQLiteDatabase(path, readers=1)
    await store.open()
    await _write_something(store)
    for file in tmp_path.glob("contextstack.db*"):
        file.chmod(loose)
    await store.close()
    with caplog.at_level(logging.WARNING, logger="contextstack.storage"):
        for _ in range(2):
            reopened = SQLiteDatabase(path, readers=1)
            await reopened.open()
            await _write_something(reopened)
            await reopened.close()
    tightened = [r for r in caplog.records if "readable by other users" in r.getMessage()]
    assert len(tightened) == 1
    assert all(_mode(file) == 0o600 for file in tmp_path.glob("contextstack.db*"))


@pytest.fixture
async def guarded(settings: Settings) -> Any:
    with app_for(Settings(db=settings.db, readers=1, token=TOKEN)) as app:
        async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8765") as client:
            yield client


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token-value", "Basic Zm9vOmJhcg==", f"bearer  {TOKEN}x"])
async def test_health_tells_a_stranger_only_that_the_daemon_is_up(
    guarded: AsyncTestClient[Any], authorization: str | None
) -> None:
    headers = {"authorization": authorization} if authorization else {}
    response = await guarded.get("/health", headers=headers)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_health_tells_the_token_holder_everything(
    guarded: AsyncTestClient[Any], settings: Settings, backend: str
) -> None:
    body = (await guarded.get("/health", headers={"authorization": f"Bearer {TOKEN}"})).json()
    assert body["database"] == settings.db
    assert body["store"] == backend
    assert set(body) == {"status", "version", "store", "database", "schema_version"}


async def test_health_without_a_token_configured_is_as_the_readme_shows(client: AsyncTestClient[Any]) -> None:
    assert set((await client.get("/health")).json()) == {"status", "version", "store", "database", "schema_version"}


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1.attacker.example", False),
        ("127.attacker.example", False),
        ("localhost.attacker.example", False),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.5", False),
        ("", False),
    ],
)
def test_loopback_means_a_loopback_address_or_localhost(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize("existing", [None, 0o644, 0o666])
@pytest.mark.usefixtures("loose_umask")
def test_an_export_the_cli_writes_is_its_owners_alone(tmp_path: Path, existing: int | None) -> None:
    path = tmp_path / "shop.contextstack.json"
    if existing is not None:
        path.write_bytes(b"old, longer content than the new")
        path.chmod(existing)
    write_private(path, b"{}")
    assert path.read_bytes() == b"{}"
    assert _mode(path) == 0o600


@pytest.mark.usefixtures("loose_umask")
def test_a_daemon_started_on_a_new_folder_keeps_it_private(tmp_path: Path) -> None:
    """`serve` takes the store's lock before it opens the store: the lock must not make the folder first, open."""
    from contextstack.storage.lock import lock_store, release_store

    path = tmp_path / "fresh" / "contextstack.db"
    held = lock_store(str(path))
    try:
        assert _mode(path.parent) == 0o700
        assert _mode(path.with_name("contextstack.db.lock")) == 0o600
    finally:
        if held is not None:
            release_store(held)
