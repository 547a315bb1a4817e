"""The full-text index agrees with the knowledge table after any changes, and a migration can rebuild it."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import aiosqlite
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contextstack.errors import NotFound
from contextstack.memory.models import KnowledgeCreate, KnowledgeUpdate
from contextstack.memory.service import (
    create_knowledge,
    delete_knowledge,
    list_knowledge,
    search_knowledge,
    update_knowledge,
)
from contextstack.storage import Database, SQLiteDatabase
from contextstack.storage.migrations import Migration, available_migrations, migrate

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]

text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
operation = st.one_of(
    st.tuples(st.just("create"), text, text, st.lists(st.sampled_from(WORDS), max_size=2)),
    st.tuples(st.just("edit"), st.integers(0, 20), st.sampled_from(["title", "body", "tags"]), text),
    st.tuples(st.just("supersede"), st.integers(0, 20), text),
    st.tuples(st.just("delete"), st.integers(0, 20)),
)


async def integrity_check(db: Database) -> None:
    """FTS5's own check, including that the index matches the external content table (rank = 1)."""
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO knowledge_fts (knowledge_fts, rank) VALUES ('integrity-check', 1)")


async def apply(db: Database, op: tuple[object, ...]) -> None:
    entries = (await list_knowledge(db, include_superseded=True, limit=500)).items
    kind = op[0]
    if kind == "create":
        _, title, body, tags = op
        await create_knowledge(
            db, KnowledgeCreate(kind="note", title=str(title), body=str(body), tags=list(tags)), "api"
        )
        return
    if not entries:
        return
    target = entries[int(op[1]) % len(entries)]
    if kind == "edit":
        _, _, field, value = op
        change = {field: str(value).split() if field == "tags" else value}
        await update_knowledge(db, target.id, KnowledgeUpdate(**change), "api")
    elif kind == "supersede" and target.superseded_by is None:
        await create_knowledge(db, KnowledgeCreate(kind="note", title=str(op[2]), body="", supersedes=target.id), "api")
    elif kind == "delete":
        await delete_knowledge(db, target.id, "api")


async def assert_index_agrees_with_table(db: Database) -> None:
    await integrity_check(db)
    entries = (await list_knowledge(db, include_superseded=True, limit=500)).items
    for word in WORDS:
        expected = {e.id for e in entries if word in [*e.title.split(), *e.body.split(), *e.tags]}
        for q in (word, word[:3]):
            hits = await search_knowledge(db, q, include_superseded=True, limit=100)
            assert {hit.entry.id for hit in hits} == expected, q
    # Every word an entry holds is listed, so that a query word finds the words of its stem.
    terms = {row[0] for row in await db.fetchall("SELECT term FROM knowledge_terms")}
    assert {word for e in entries for word in [*e.title.split(), *e.body.split(), *e.tags]} <= terms


@settings(max_examples=50, deadline=None)
@given(operations=st.lists(operation, max_size=15))
async def test_the_index_agrees_with_the_table_after_any_changes(operations: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = SQLiteDatabase(Path(folder) / "k.db", readers=1)
        await db.open()
        try:
            for op in operations:
                await apply(db, op)
            await assert_index_agrees_with_table(db)
        finally:
            await db.close()


@pytest.mark.sqlite_only
async def test_a_broken_index_is_caught_and_a_migration_rebuilds_it(db: Database, db_path: Path) -> None:
    entry = await create_knowledge(db, KnowledgeCreate(kind="note", title="Rebuild me", body="alpha bravo"), "api")
    await db.close()
    with sqlite3.connect(db_path) as conn:
        # Change the text behind the index's back: the index no longer agrees with the table.
        conn.execute("DROP TRIGGER knowledge_fts_update")
        conn.execute("UPDATE knowledge SET title = 'Renamed' WHERE id = ?", (entry.id,))
        with pytest.raises(sqlite3.DatabaseError):
            conn.execute("INSERT INTO knowledge_fts (knowledge_fts, rank) VALUES ('integrity-check', 1)")
    shipped = available_migrations()
    rebuild = Migration(
        len(shipped) + 1,
        f"{len(shipped) + 1:04d}_rebuild_knowledge_index.sql",
        "INSERT INTO knowledge_fts (knowledge_fts) VALUES ('rebuild');",
    )
    async with aiosqlite.connect(db_path) as conn:
        await migrate(conn, str(db_path), [*shipped, rebuild])
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO knowledge_fts (knowledge_fts, rank) VALUES ('integrity-check', 1)")
        assert conn.execute("SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH 'renamed'").fetchall() == [(1,)]
        assert conn.execute("SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH 'rebuild'").fetchall() == []


async def test_deleted_entries_leave_the_index(db: Database) -> None:
    entry = await create_knowledge(db, KnowledgeCreate(kind="note", title="Gone soon", body=""), "api")
    await delete_knowledge(db, entry.id, "api")
    assert await search_knowledge(db, "gone") == []
    with pytest.raises(NotFound):
        await delete_knowledge(db, entry.id, "api")
    await integrity_check(db)
