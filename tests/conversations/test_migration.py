"""Schema 8 upgrades a schema-7 store with data in place: what was there stays, and conversations work on it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite
import pytest
from litestar.testing import AsyncTestClient

from contextstack.app import create_asgi_app
from contextstack.settings import Settings
from contextstack.storage.migrations import available_migrations, migrate

# About upgrading SQLite stores of older schemas.
pytestmark = pytest.mark.sqlite_only


NOW = "2026-11-30T10:00:00.000Z"


async def _schema_7_store_with_data(path: Path) -> None:
    async with aiosqlite.connect(path) as conn:
        assert await migrate(conn, str(path), available_migrations()[:7]) == (0, 7)
        await conn.execute(
            "INSERT INTO projects (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            ("prj_01JD3XK5V0Q6X4T3N8W2ZC9RBE", "shop", "Shop", NOW, NOW),
        )
        await conn.execute(
            "INSERT INTO knowledge (id, project_id, kind, title, body, created_at, updated_at) "
            "VALUES (?, ?, 'decision', 'Use Postgres', 'For the ledger.', ?, ?)",
            ("kno_01JD3XK5V0Q6X4T3N8W2ZC9RBF", "prj_01JD3XK5V0Q6X4T3N8W2ZC9RBE", NOW, NOW),
        )
        await conn.execute(
            "INSERT INTO events (created_at, project_id, actor, type, entity_id, data) VALUES (?, ?, 'api', ?, ?, '{}')",
            (NOW, "prj_01JD3XK5V0Q6X4T3N8W2ZC9RBE", "project.created", "prj_01JD3XK5V0Q6X4T3N8W2ZC9RBE"),
        )
        await conn.commit()


async def test_a_schema_7_store_is_upgraded_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "v7.db"
    await _schema_7_store_with_data(path)
    async with AsyncTestClient(
        app=create_asgi_app(Settings(db=str(path), readers=1)), base_url="http://127.0.0.1:8765"
    ) as client:
        assert (await client.get("/api/projects/shop")).json()["name"] == "Shop"
        knowledge = (await client.get("/api/knowledge", params={"project": "shop"})).json()["items"]
        assert [entry["title"] for entry in knowledge] == ["Use Postgres"]
        created = await client.post("/api/conversations", json={"project": "shop", "title": "Ledger talk"})
        assert created.status_code == 201, created.text
        found = (await client.get("/api/conversations/search", params={"q": "ledger"})).json()["items"]
        assert [hit["conversation"]["id"] for hit in found] == [created.json()["id"]]
        activity = (await client.get("/api/projects/shop/activity")).json()["items"]
        assert [event["type"] for event in activity] == ["conversation.created", "project.created"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(available_migrations())
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


async def test_a_schema_10_store_lists_the_words_of_its_messages(tmp_path: Path) -> None:
    """0012 fills message_terms from the index as it stands: a word finds its stem's variants in old messages."""
    path = tmp_path / "v10.db"
    async with aiosqlite.connect(path) as conn:
        assert await migrate(conn, str(path), available_migrations()[:10]) == (0, 10)
        await conn.execute(
            "INSERT INTO projects (id, slug, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            ("prj_01JD3XK5V0Q6X4T3N8W2ZC9RBE", "shop", "Shop", NOW, NOW),
        )
        await conn.execute(
            "INSERT INTO conversations (id, project_id, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            ("cnv_01JD3XK5V0Q6X4T3N8W2ZC9RBF", "prj_01JD3XK5V0Q6X4T3N8W2ZC9RBE", "Couriers", NOW, NOW),
        )
        await conn.execute(
            "INSERT INTO messages (id, conversation_id, depth, role, content, text, status, created_at) "
            "VALUES (?, ?, 1, 'user', ?, ?, 'complete', ?)",
            ("msg_01JD3XK5V0Q6X4T3N8W2ZC9RBG", "cnv_01JD3XK5V0Q6X4T3N8W2ZC9RBF", '"Two couriers quit."',
             "Two couriers quit.", NOW),
        )  # fmt: skip
        await conn.commit()
    async with AsyncTestClient(
        app=create_asgi_app(Settings(db=str(path), readers=1)), base_url="http://127.0.0.1:8765"
    ) as client:
        context = (await client.get("/api/projects/shop/context", params={"query": "courier"})).json()
        assert [item["id"] for item in context["manifest"] if item["kind"] == "message"] == [
            "msg_01JD3XK5V0Q6X4T3N8W2ZC9RBG"
        ]
    with sqlite3.connect(path) as conn:
        terms = {row[0] for row in conn.execute("SELECT term FROM message_terms")}
        assert terms == {"two", "couriers", "quit"}
