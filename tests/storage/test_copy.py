"""`contextstack migrate-store`: a store with every kind of row, SQLite → PostgreSQL → SQLite, holds the same rows
table by table and answers the same reads; a non-empty target and a bad location are refused, the target as it was.

The PostgreSQL side comes from `postgres_url` (skipped without a server, failed in CI), on either backend.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from contextstack.app import create_asgi_app
from contextstack.cli import main
from contextstack.settings import ProjectProxyConfig, ProviderConfig, Settings
from tests.conftest import execute, free_port, query, start_daemon, stop_daemon, table_names
from tests.fakes.fixtures import OPENAI_KEY, fake_openai, fake_openai_server, no_provider_keys
from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.server import ThreadedServer

__all__ = ["fake_openai", "fake_openai_server", "no_provider_keys"]

pytestmark = pytest.mark.e2e

# Read from each store and compared: what a client sees of everything copied.
READS = [
    "/api/projects",
    "/api/projects/shed/plan",
    "/api/projects/shed/status",
    "/api/knowledge?include_superseded=true",
    "/api/knowledge?q=cedar",
    "/api/knowledge?q=roof&project=shed",
    "/api/conversations",
    "/api/conversations?q=shed",
    "/api/projects/shed/checkpoints",
    "/api/projects/shed/activity",
    "/api/projects/fence/activity",
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def _ok(response: httpx.Response, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def fill(url: str) -> None:
    """One of every kind of row, through the API: plan and execution, knowledge (superseded, edited, deleted),
    conversations (turns, a fork, an idempotency key, a recorded exchange), checkpoints, and the events of it all."""
    with httpx.Client(base_url=url, timeout=30, headers={"X-Contextstack-Actor": "user"}) as http:
        _ok(http.post("/api/projects", json={"name": "Shed", "slug": "shed", "description": "A garden shed."}))
        _ok(http.post("/api/projects", json={"name": "Fence", "slug": "fence"}))
        track = _ok(http.post("/api/projects/shed/tracks", json={"name": "Build"}))
        phase = _ok(http.post(f"/api/tracks/{track['id']}/phases", json={"name": "Frame"}))
        base = _ok(
            http.post(f"/api/phases/{phase['id']}/steps", json={"title": "Base", "acceptance_criteria": ["level"]})
        )
        walls = _ok(http.post(f"/api/phases/{phase['id']}/steps", json={"title": "Walls", "depends_on": [base["id"]]}))
        _ok(http.post(f"/api/phases/{phase['id']}/steps", json={"title": "Paint", "position": 0}))
        _ok(http.post(f"/api/steps/{base['id']}/status", json={"status": "done"}), 200)
        _ok(http.post(f"/api/steps/{walls['id']}/status", json={"status": "in_progress"}), 200)
        _ok(
            http.post(
                "/api/knowledge", json={"kind": "note", "title": "Timber", "body": "Cedar boards", "tags": ["wood"]}
            )
        )
        old = _ok(
            http.post("/api/knowledge", json={"kind": "decision", "title": "Roof", "body": "felt", "project": "shed"})
        )
        new = {"kind": "decision", "title": "Roof again", "body": "metal roof sheets", "project": "shed"}
        _ok(http.post("/api/knowledge", json={**new, "supersedes": old["id"], "pinned": True}))
        edited = _ok(http.post("/api/knowledge", json={"kind": "convention", "title": "Screws", "body": "brass"}))
        _ok(http.patch(f"/api/knowledge/{edited['id']}", json={"body": "stainless steel"}), 200)
        gone = _ok(http.post("/api/knowledge", json={"kind": "note", "title": "Scratch", "body": "to delete"}))
        _ok(http.delete(f"/api/knowledge/{gone['id']}"), 200)
        _ok(http.post("/api/projects/shed/checkpoints", json={"label": "before the roof"}))
        conversation = _ok(http.post("/api/conversations", json={"title": "Planning the shed", "project": "shed"}))
        messages = f"/api/conversations/{conversation['id']}/messages"
        first = _ok(http.post(messages, json={"content": "How big should the shed be?"}))
        _ok(http.post(messages, json={"content": "And the roof?"}, headers={"Idempotency-Key": "roof-question"}))
        fork = {"message_id": first["assistant_message"]["id"], "title": "Shed, smaller"}
        _ok(http.post(f"/api/conversations/{conversation['id']}/fork", json=fork))
        recorded = http.post(
            "/p/shed/v1/chat/completions",
            json={"model": "fake/fake-small", "messages": [{"role": "user", "content": "Which wood for a shed?"}]},
        )
        assert recorded.status_code == 200, recorded.text
        deadline = time.monotonic() + 30
        while len(_ok(http.get("/api/conversations"), 200)["items"]) < 3:
            assert time.monotonic() < deadline, "the exchange was not recorded"
            time.sleep(0.05)


def reads(url: str) -> dict[str, Any]:
    with httpx.Client(base_url=url, timeout=30) as http:
        answers = {path: _ok(http.get(path), 200) for path in READS}
        for conversation in answers["/api/conversations"]["items"]:
            path = f"/api/conversations/{conversation['id']}/messages"
            answers[path] = _ok(http.get(path), 200)
    return answers


@pytest.fixture
def source(tmp_path: Path, fake_openai: FakeOpenAI, no_provider_keys: None) -> Path:
    """A SQLite store holding one of every kind of row, with a vector of each kind put in straight."""
    path = tmp_path / "source.db"
    settings = Settings(
        db=str(path),
        readers=2,
        default_model="fake/fake-small",
        providers={"fake": ProviderConfig(base_url=fake_openai.url, api_key=OPENAI_KEY)},
        projects={"shed": ProjectProxyConfig(record=True)},
    )
    server = ThreadedServer(create_asgi_app(settings), lifespan="on")
    server.start()
    try:
        fill(server.url)
    finally:
        server.stop()
    vector = bytes(range(16))
    seq = query(path, "SELECT min(seq) FROM knowledge")[0][0]
    message = query(path, "SELECT min(seq) FROM messages")[0][0]
    execute(path, "INSERT INTO knowledge_vectors (seq, model, dimension, vector) VALUES (?, 'm', 4, ?)", (seq, vector))
    execute(
        path, "INSERT INTO message_vectors (seq, model, dimension, vector) VALUES (?, 'm', 4, ?)", (message, vector)
    )
    return path


def _fts(path: Path) -> list[Any]:
    """What SQLite's full-text tables answer: rebuilt by the copy as the store writes them."""
    return [
        query(
            path, "SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH 'cedar OR roof OR steel' ORDER BY rowid"
        ),
        query(path, "SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'shed OR roof' ORDER BY rowid"),
        query(path, "SELECT rowid FROM conversations_fts WHERE conversations_fts MATCH 'shed' ORDER BY rowid"),
    ]


def _key(path: Path, table: str) -> str:
    """The columns a table's rows are ordered by for comparing: its primary key, else all of them."""
    key = query(path, f"SELECT name FROM pragma_table_info('{table}') WHERE pk > 0 ORDER BY pk")
    columns = key or query(path, f"SELECT name FROM pragma_table_info('{table}') ORDER BY cid")
    return ", ".join(f'"{name}"' for (name,) in columns)


def _sqlite_rows(path: Path) -> dict[str, list[Any]]:
    skipped = ("_fts", "_fts_config", "_fts_data", "_fts_docsize", "_fts_idx")
    return {
        table: query(path, f'SELECT * FROM "{table}" ORDER BY {_key(path, table)}')
        for table in table_names(path)
        # SQLite's own tables (the planner's statistics) but for its AUTOINCREMENT counters, and FTS5's, are not rows
        if not table.endswith(skipped) and (table == "sqlite_sequence" or not table.startswith("sqlite_"))
    }


def test_a_store_goes_to_postgres_and_back_with_every_row_and_answers_the_same(
    source: Path, postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _sqlite_rows(source)
    assert all(before[table] for table in before if table not in ("idempotency_keys",)), {
        table: len(rows) for table, rows in before.items()
    }
    status, out, err = run(capsys, "migrate-store", "--from", str(source), "--to", postgres_url)
    assert status == 0, err
    assert "the copy is at schema" in out

    # Table by table, PostgreSQL holds what SQLite did (its full-text columns aside).
    for table in before:
        if table == "sqlite_sequence":
            continue
        columns = [name for (name,) in query(source, f"SELECT name FROM pragma_table_info('{table}') ORDER BY cid")]
        listed = ", ".join(f'"{c}"' for c in columns)
        order = _key(source, table)
        assert query(postgres_url, f'SELECT {listed} FROM "{table}" ORDER BY {order}') == query(
            source, f'SELECT {listed} FROM "{table}" ORDER BY {order}'
        ), table

    back = tmp_path / "back.db"
    status, out, err = run(capsys, "migrate-store", "--from", postgres_url, "--to", str(back))
    assert status == 0, err
    assert _sqlite_rows(back) == before
    assert _fts(back) == _fts(source)
    assert all(_fts(source))

    # A daemon on the copy answers as one on the original; and goes on with new ids past the copied ones.
    answers = {}
    for name in ("source", "back", "postgres"):
        (tmp_path / name).mkdir()
    for name, store in (("source", source), ("back", back)):
        daemon = start_daemon(tmp_path / name, db=store)
        try:
            answers[name] = reads(daemon.url)
        finally:
            stop_daemon(daemon)
    assert answers["back"] == answers["source"]
    on_postgres = start_daemon(tmp_path / "postgres", db=postgres_url)
    try:
        assert reads(on_postgres.url) == answers["source"]
        with httpx.Client(base_url=on_postgres.url) as http:
            _ok(http.post("/api/projects", json={"name": "After the move"}))
    finally:
        stop_daemon(on_postgres)
    # The counters went on past every id the source handed out: events, and the keys of knowledge and messages.
    assert query(postgres_url, "SELECT max(id) FROM events")[0][0] > query(source, "SELECT max(id) FROM events")[0][0]
    for table in ("knowledge", "messages"):
        counted = query(source, "SELECT seq FROM sqlite_sequence WHERE name = ?", (table,))
        highest = max([query(source, f"SELECT max(seq) FROM {table}")[0][0], *(seq for (seq,) in counted)])
        given = query(postgres_url, f"SELECT nextval(pg_get_serial_sequence('{table}', 'seq'))")[0][0]
        assert given > highest, table


def test_a_target_that_holds_anything_is_refused_and_left_as_it_was(
    source: Path, postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "migrate-store", "--from", str(source), "--to", postgres_url)[0] == 0
    held = query(postgres_url, "SELECT count(*) FROM events")
    status, _, err = run(capsys, "migrate-store", "--from", str(source), "--to", postgres_url)
    assert status != 0
    assert "is not empty" in err
    assert "rows in events" in err
    assert query(postgres_url, "SELECT count(*) FROM events") == held

    copy = tmp_path / "copy.db"
    assert run(capsys, "migrate-store", "--from", postgres_url, "--to", str(copy))[0] == 0
    rows = _sqlite_rows(copy)
    status, _, err = run(capsys, "migrate-store", "--from", str(source), "--to", str(copy))
    assert status != 0
    assert "is not empty" in err
    assert _sqlite_rows(copy) == rows


@pytest.mark.parametrize(
    ("source", "target", "said"),
    [
        ("mysql://me:hunter2-secret@db/ctx", "{tmp}/t.db", "mysql://"),
        ("{tmp}/s.db", "redis://me:hunter2-secret@db/0", "redis://"),
        ("{tmp}/missing.db", "{tmp}/t.db", "no store at"),
        ("{tmp}/s.db", "{tmp}/s.db", "the same store"),
    ],
)
def test_a_bad_location_is_refused_saying_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, target: str, said: str
) -> None:
    (tmp_path / "s.db").write_bytes(b"")
    status, out, err = run(
        capsys, "migrate-store", "--from", source.format(tmp=tmp_path), "--to", target.format(tmp=tmp_path)
    )
    assert status != 0
    assert said in err
    assert "hunter2-secret" not in err + out
    assert not (tmp_path / "t.db").exists()


def test_an_unreachable_postgres_target_leaves_no_sqlite_file_behind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"postgresql://me:hunter2-secret@127.0.0.1:{free_port()}/ctx"
    status, out, err = run(capsys, "migrate-store", "--from", url, "--to", str(tmp_path / "t.db"))
    assert status != 0
    assert "postgresql://me@127.0.0.1" in err
    assert "hunter2-secret" not in err + out
    assert not (tmp_path / "t.db").exists()
    assert json.dumps(sorted(p.name for p in tmp_path.iterdir())) == "[]"
