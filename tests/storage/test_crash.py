"""A daemon killed with SIGKILL while several clients write loses no acknowledged write, and its store stays whole.

Each round starts `contextstack serve` on the same store, lets clients write knowledge entries and steps (and move
steps, which renumbers their siblings), kills the daemon with writes in flight, and checks the store before the
next round starts a daemon on it again.
"""

from __future__ import annotations

import random
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import start_daemon

# About SQLite's WAL and its durability when the daemon is killed.
pytestmark = pytest.mark.sqlite_only


ROUNDS = 4
WRITERS = 4


@dataclass
class Acknowledged:
    """What the daemon answered a success for: the writes that must survive."""

    knowledge: set[str] = field(default_factory=set)
    steps: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def count(self) -> int:
        return len(self.knowledge) + len(self.steps)


def _write_until_refused(url: str, phase: str, writer: int, done: Acknowledged) -> None:
    """Write as fast as the daemon answers, until it is gone; only a 2xx answer counts as acknowledged."""
    rng = random.Random(writer)
    with httpx.Client(base_url=url, timeout=10) as http:
        number = 0
        while True:
            number += 1
            try:
                if number % 3:
                    answer = http.post(
                        "/api/knowledge", json={"kind": "note", "title": f"w{writer} n{number}", "body": "x" * 300}
                    )
                    if answer.status_code == 201:
                        with done.lock:
                            done.knowledge.add(answer.json()["id"])
                elif number % 2:
                    answer = http.post(f"/api/phases/{phase}/steps", json={"title": f"w{writer} s{number}"})
                    if answer.status_code == 201:
                        with done.lock:
                            done.steps.add(answer.json()["id"])
                else:
                    with done.lock:
                        step = rng.choice(sorted(done.steps)) if done.steps else None
                    if step is not None:
                        http.post(f"/api/steps/{step}/move", json={"position": 0})
            except httpx.TransportError:
                return


def _check_store(store: Path, done: Acknowledged) -> None:
    conn = sqlite3.connect(store)  # opening replays the WAL, as the next daemon will
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        knowledge = {row[0] for row in conn.execute("SELECT id FROM knowledge")}
        steps = {row[0] for row in conn.execute("SELECT id FROM steps")}
        assert done.knowledge <= knowledge, f"{len(done.knowledge - knowledge)} acknowledged entries lost"
        assert done.steps <= steps, f"{len(done.steps - steps)} acknowledged steps lost"
        # Nothing half-written: every row that is there came with its event, in the same transaction.
        created = {
            row[0]
            for row in conn.execute("SELECT entity_id FROM events WHERE type IN ('knowledge.created', 'step.created')")
        }
        assert knowledge | steps == created
        positions = [row[0] for row in conn.execute("SELECT position FROM steps ORDER BY position")]
        assert positions == list(range(len(positions))), "sibling positions stay 0..n-1"
    finally:
        conn.close()


def test_no_acknowledged_write_is_lost_when_the_daemon_is_killed_mid_write(tmp_path: Path) -> None:
    done = Acknowledged()
    phase = ""
    rng = random.Random(23)
    for round_number in range(ROUNDS):
        daemon = start_daemon(tmp_path)
        try:
            if not phase:
                with httpx.Client(base_url=daemon.url, timeout=10) as http:
                    http.post("/api/projects", json={"name": "Crash", "slug": "crash"}).raise_for_status()
                    track = http.post("/api/projects/crash/tracks", json={"name": "T"}).json()["id"]
                    phase = http.post(f"/api/tracks/{track}/phases", json={"name": "P"}).json()["id"]
            before = done.count
            writers = [
                threading.Thread(
                    target=_write_until_refused, args=(daemon.url, phase, n + WRITERS * round_number, done)
                )
                for n in range(WRITERS)
            ]
            for writer in writers:
                writer.start()
            # Kill at a different point each round, with every writer's request in flight.
            target = before + rng.randint(60, 160)
            while done.count < target:
                threading.Event().wait(0.005)
        finally:
            daemon.process.kill()
            daemon.process.wait()
        for writer in writers:
            writer.join(timeout=15)
            assert not writer.is_alive()
        assert done.count > before
        _check_store(daemon.db, done)
    assert done.count >= ROUNDS * 60
