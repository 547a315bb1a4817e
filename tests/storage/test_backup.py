"""`contextstack backup` copies a live store consistently; `restore-backup` brings a checked copy back, and only with
no daemon on the store; an upgrade backs the store up first."""

from __future__ import annotations

import hashlib
import logging
import re
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import aiosqlite
import httpx
import pytest

from contextstack.cli import main
from contextstack.storage import SQLiteDatabase
from contextstack.storage.migrations import available_migrations, latest_version, migrate
from tests.conftest import Daemon, start_daemon, stop_daemon

# About SQLite's backups, restores and the backup before an upgrade: files of a SQLite store.
pytestmark = pytest.mark.sqlite_only

NOW = "2026-11-30T10:00:00.000Z"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def note(http: httpx.Client, title: str) -> str:
    response = http.post("/api/knowledge", json={"kind": "note", "title": title, "body": f"body of {title}"})
    assert response.status_code == 201, response.text
    entry_id: str = response.json()["id"]
    return entry_id


def knowledge_ids(store: Path) -> set[str]:
    with sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True) as conn:
        return {row[0] for row in conn.execute("SELECT id FROM knowledge")}


def integrity(store: Path) -> str:
    with sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Daemon, httpx.Client]]:
    running = start_daemon(tmp_path)
    with httpx.Client(base_url=running.url, timeout=10) as http:
        yield running, http
    stop_daemon(running)


class Writers:
    """Clients writing knowledge entries as fast as the daemon takes them, each noting what was acknowledged."""

    def __init__(self, url: str, count: int = 3) -> None:
        self.acknowledged: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._write, args=(url, n)) for n in range(count)]

    def _write(self, url: str, writer: int) -> None:
        with httpx.Client(base_url=url, timeout=10) as http:
            number = 0
            while not self._stop.is_set():
                number += 1
                self.acknowledged.append(note(http, f"writer {writer} entry {number}"))

    def __enter__(self) -> Writers:
        for thread in self._threads:
            thread.start()
        return self

    def wait_for(self, count: int) -> None:
        while len(self.acknowledged) < count:
            self._stop.wait(0.01)

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def test_a_backup_of_a_live_store_holds_every_write_acknowledged_before_it(
    served: tuple[Daemon, httpx.Client], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    daemon, http = served
    copy = tmp_path / "copy.db"
    with Writers(daemon.url) as writers:
        writers.wait_for(30)
        before = set(writers.acknowledged)
        status, out, err = run(capsys, "backup", str(copy), "--db", str(daemon.db))
        assert status == 0, err
        writers.wait_for(len(before) + 30)  # the daemon went on taking writes during and after the copy
    assert f"to {copy}" in out
    assert copy.stat().st_mode & 0o777 == 0o600
    assert not copy.with_name(copy.name + "-wal").exists(), "a backup is one file"
    assert integrity(copy) == "ok"
    copied = knowledge_ids(copy)
    assert before <= copied
    assert copied <= set(writers.acknowledged), "nothing but what was written"
    assert len(copied) < len(writers.acknowledged), "the copy is of one moment, not of the end"
    with sqlite3.connect(copy) as conn:
        # One moment of the store: every entry's event is in the copy, and no event of an entry that is not.
        events = {row[0] for row in conn.execute("SELECT entity_id FROM events WHERE type = 'knowledge.created'")}
        assert events == copied
        assert conn.execute("PRAGMA user_version").fetchone()[0] == latest_version()
    assert http.get("/health").status_code == 200


def test_a_backup_into_a_folder_is_named_for_its_time_and_an_existing_file_needs_force(
    served: tuple[Daemon, httpx.Client], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    daemon, http = served
    note(http, "kept")
    folder = tmp_path / "backups"
    folder.mkdir()
    assert run(capsys, "backup", str(folder), "--db", str(daemon.db))[0] == 0
    (made,) = folder.iterdir()
    assert made.name.startswith("contextstack-")
    assert made.suffix == ".db"
    status, _, err = run(capsys, "backup", str(made), "--db", str(daemon.db))
    assert status == 1
    assert "--force" in err
    note(http, "later")
    assert run(capsys, "backup", str(made), "--db", str(daemon.db), "--force")[0] == 0
    assert len(knowledge_ids(made)) == 2


def test_a_backup_of_no_store_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "backup", str(tmp_path / "copy.db"), "--db", str(tmp_path / "none.db"))
    assert status == 1
    assert "there is no store at" in err
    assert not (tmp_path / "copy.db").exists()


def test_restoring_is_refused_while_a_daemon_serves_the_store(
    served: tuple[Daemon, httpx.Client], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    daemon, http = served
    copy = tmp_path / "copy.db"
    note(http, "in the backup")
    assert run(capsys, "backup", str(copy), "--db", str(daemon.db))[0] == 0
    note(http, "after the backup")
    status, _, err = run(capsys, "restore-backup", str(copy), "--db", str(daemon.db))
    assert status == 1
    assert f"pid {daemon.process.pid}" in err
    assert "Stop that daemon" in err
    assert len(http.get("/api/knowledge").json()["items"]) == 2


def test_a_restored_backup_is_what_the_next_daemon_serves_and_the_replaced_store_is_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    daemon = start_daemon(tmp_path)
    with httpx.Client(base_url=daemon.url, timeout=10) as http:
        kept = note(http, "in the backup")
        copy = tmp_path / "copy.db"
        assert run(capsys, "backup", str(copy), "--db", str(daemon.db))[0] == 0
        lost = note(http, "after the backup")
    stop_daemon(daemon)
    status, out, err = run(capsys, "restore-backup", str(copy), "--db", str(daemon.db))
    assert status == 0, err
    replaced = Path(out.split("kept at ")[1].split(";")[0])
    assert replaced.parent == daemon.db.parent
    assert knowledge_ids(replaced) == {kept, lost}
    assert replaced.stat().st_mode & 0o777 == 0o600
    assert daemon.db.stat().st_mode & 0o777 == 0o600
    again = start_daemon(tmp_path)
    try:
        with httpx.Client(base_url=again.url, timeout=10) as http:
            assert [entry["id"] for entry in http.get("/api/knowledge").json()["items"]] == [kept]
            assert http.get(f"/api/knowledge/{lost}").status_code == 404
            note(http, "after the restore")
    finally:
        stop_daemon(again)
    assert integrity(daemon.db) == "ok"


def test_a_restore_over_a_killed_daemons_store_is_not_mixed_with_its_wal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    daemon = start_daemon(tmp_path)
    with httpx.Client(base_url=daemon.url, timeout=10) as http:
        in_backup = note(http, "in the backup")
        copy = tmp_path / "copy.db"
        assert run(capsys, "backup", str(copy), "--db", str(daemon.db))[0] == 0
        only_in_wal = {note(http, f"after {n}") for n in range(20)}
    daemon.process.kill()
    daemon.process.wait()
    assert daemon.db.with_name(daemon.db.name + "-wal").stat().st_size > 0, "the killed daemon left its WAL"
    status, out, err = run(capsys, "restore-backup", str(copy), "--db", str(daemon.db))
    assert status == 0, err
    assert knowledge_ids(daemon.db) == {in_backup}
    assert integrity(daemon.db) == "ok"
    replaced = Path(out.split("kept at ")[1].split(";")[0])
    assert knowledge_ids(replaced) == {in_backup} | only_in_wal, "the store replaced is kept whole, WAL and all"


def _store_at(path: Path, version: int) -> Path:
    conn = sqlite3.connect(path, isolation_level=None)
    for migration in available_migrations()[:version]:
        conn.executescript(migration.sql)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()
    return path


def _corrupted(path: Path) -> Path:
    conn = sqlite3.connect(_store_at(path, latest_version()), isolation_level=None)
    conn.executemany(
        "INSERT INTO events (created_at, actor, type, data) VALUES (?, 'api', 'filler', ?)",
        [(NOW, "x" * 200) for _ in range(2000)],
    )
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    middle = (len(data) // page_size // 2) * page_size
    data[middle + 8 : middle + page_size] = b"\xff" * (page_size - 8)
    path.write_bytes(bytes(data))
    return path


def _other_app(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("PRAGMA user_version = 3")
    return path


def _missing_table(path: Path) -> Path:
    with sqlite3.connect(_store_at(path, latest_version())) as conn:
        conn.execute("DROP TABLE knowledge_terms")
    return path


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (lambda path: path, "there is no backup at"),
        (lambda path: path.write_bytes(b"not a database, just some bytes" * 100) and path, "not a SQLite database"),
        (lambda path: sqlite3.connect(path).close() or path, r"not a Contextstack store \(it has no schema version\)"),
        (_other_app, "not a Contextstack store at schema 3"),
        (_missing_table, "missing knowledge_terms"),
        (lambda path: _store_at(path, latest_version() + 1), "written by a newer version"),
        (_corrupted, "integrity check|disk image is malformed"),
    ],
    ids=["absent", "junk", "empty-sqlite", "another-app", "missing-table", "newer", "corrupt"],
)
def test_a_backup_that_is_not_a_sound_store_is_refused_and_the_store_left_as_it_was(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, says: str
) -> None:
    store = _store_at(tmp_path / "store.db", latest_version())
    before = digest(store)
    backup = make(tmp_path / "backup.db")  # type: ignore[operator]
    status, _, err = run(capsys, "restore-backup", str(backup), "--db", str(store))
    assert status == 1
    assert "nothing was restored" in err
    assert re.search(says, err), err
    assert digest(store) == before
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(("store", ".store"))) == [
        "store.db",
        "store.db.lock",
    ]


async def test_an_upgrade_backs_the_store_up_first_and_says_where(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:

    caplog.set_level(logging.INFO, logger="contextstack.storage")
    store = tmp_path / "seven.db"
    async with aiosqlite.connect(store) as conn:
        await migrate(conn, str(store), available_migrations()[:7])
        await conn.execute(
            "INSERT INTO projects (id, slug, name, created_at, updated_at) VALUES ('prj_1', 'old', 'Old', ?, ?)",
            (NOW, NOW),
        )
        await conn.commit()
    db = SQLiteDatabase(store, readers=1)
    await db.open()
    await db.close()
    (backup,) = tmp_path.glob("seven.db.schema-7-*.backup")
    said = [record.getMessage() for record in caplog.records if "backed up" in record.getMessage()]
    assert said == [f"backed up the store at schema 7 to {backup} before upgrading it to {latest_version()}"]
    assert said[0] in caplog.text
    assert backup.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(backup) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 7
        assert conn.execute("SELECT slug FROM projects").fetchall() == [("old",)]
    # The backup is a store this version can restore, and upgrade again.
    status, out, err = run(capsys, "restore-backup", str(backup), "--db", str(store))
    assert status == 0, err
    assert f"upgrades it to schema {latest_version()}" in out
    assert integrity(store) == "ok"
    with sqlite3.connect(store) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 7


async def test_opening_an_up_to_date_or_new_store_makes_no_backup(tmp_path: Path) -> None:
    for _ in range(2):
        db = SQLiteDatabase(tmp_path / "fresh.db", readers=1)
        await db.open()
        await db.close()
    assert not list(tmp_path.glob("*.backup"))
