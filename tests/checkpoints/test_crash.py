"""A daemon killed (SIGKILL) during a restore leaves the project wholly as it was or wholly restored, never a mix.

A real `contextstack serve` process: the restore has thousands of entries to take out (and the checkpoint of the
present to write first), the daemon is killed once the transaction is writing, and the daemon started again over
the same store answers with one state or the other, its full-text index in step and the file intact.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.checkpoints.test_restore_property import normalised
from tests.conftest import Daemon, start_daemon, stop_daemon

# The crash is judged by SQLite's WAL (what was written before the kill).
pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]

ADDED = 3_000
BATCH = 500


def export(daemon: Daemon, project: str) -> Any:
    response = httpx.get(f"{daemon.url}/api/projects/{project}/export", timeout=60)
    assert response.status_code == 200, response.text
    return normalised(response.json())


def wal_written(db: Path) -> tuple[int, int]:
    """When the write-ahead log was last written, and its size: it changes as a transaction spills pages to it."""
    wal = db.with_name(db.name + "-wal")
    found = wal.stat() if wal.exists() else None
    return (found.st_mtime_ns, found.st_size) if found else (0, 0)


def test_a_restore_cut_off_by_sigkill_leaves_the_old_state_or_the_new(tmp_path: Path) -> None:
    daemon = start_daemon(tmp_path)
    try:
        api = httpx.Client(base_url=daemon.url, timeout=60)
        assert api.post("/api/projects", json={"name": "Crash", "slug": "crash"}).status_code == 201
        track = api.post("/api/projects/crash/tracks", json={"name": "Kept"}).json()
        api.post(f"/api/tracks/{track['id']}/phases", json={"name": "Phase"})
        api.post("/api/knowledge", json={"kind": "decision", "title": "Kept", "body": "b", "project": "crash"})
        checkpoint = api.post("/api/projects/crash/checkpoints", json={"label": "small"}).json()
        restored_state = export(daemon, "crash")
        for start in range(0, ADDED, BATCH):
            items = [
                {"kind": "note", "title": f"Added {n}", "body": f"zanzibar entry {n}", "project": "crash"}
                for n in range(start, start + BATCH)
            ]
            assert api.post("/api/knowledge/bulk", json={"items": items}).status_code == 201
        api.patch(f"/api/tracks/{track['id']}", json={"name": "Renamed"})
        old_state = export(daemon, "crash")
        assert old_state != restored_state

        answered: list[int] = []
        before = wal_written(daemon.db)

        def restore() -> None:
            with contextlib.suppress(httpx.TransportError):  # killed before it answered
                answered.append(api.post(f"/api/checkpoints/{checkpoint['id']}/restore").status_code)

        request = threading.Thread(target=restore)
        request.start()
        while not answered and wal_written(daemon.db) == before and request.is_alive():
            pass  # until the transaction writes (or the answer comes)
        os.kill(daemon.process.pid, signal.SIGKILL)
        daemon.process.wait()
        request.join()
        api.close()
    finally:
        stop_daemon(daemon)

    again = start_daemon(tmp_path)  # the same store; the killed daemon's lock went with it
    try:
        state = export(again, "crash")
        assert state in (old_state, restored_state), "a restore cut off half-way left a mix"
        found = httpx.get(f"{again.url}/api/knowledge/search", params={"q": "zanzibar", "limit": 1}).json()
        assert bool(found["items"]) == (state == old_state)  # the index says what the table holds
        if state == restored_state:
            listed = httpx.get(f"{again.url}/api/projects/crash/checkpoints").json()["items"]
            assert listed[0]["trigger"] == "restore"  # the checkpoint taken first came with it
        found_state = "restored" if state == restored_state else "old"
        print(f"killed {'after' if answered else 'before'} the answer; found the {found_state} state")
    finally:
        stop_daemon(again)
    with sqlite3.connect(again.db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # FTS5's own check, that the index matches its content table (rank 1); it raises if not.
        connection.execute("INSERT INTO knowledge_fts (knowledge_fts, rank) VALUES ('integrity-check', 1)")
