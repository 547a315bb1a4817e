"""The checkpoints migration upgrades a schema-7 store with data in place."""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import pytest

from contextstack.checkpoints import service as checkpoints
from contextstack.checkpoints.models import CheckpointCreate
from contextstack.storage import SQLiteDatabase
from contextstack.storage.migrations import available_migrations, latest_version, migrate

# About upgrading a SQLite store of an older schema.
pytestmark = pytest.mark.sqlite_only


NOW = "2026-11-30T10:00:00.000Z"


async def test_a_schema_7_store_with_data_is_upgraded_and_can_be_checkpointed(tmp_path: Path) -> None:
    path = tmp_path / "seven.db"
    async with aiosqlite.connect(path) as conn:
        await migrate(conn, str(path), available_migrations()[:7])
        await conn.execute(
            "INSERT INTO projects (id, slug, name, created_at, updated_at) VALUES ('prj_1', 'old', 'Old', ?, ?)",
            (NOW, NOW),
        )
        await conn.execute(
            "INSERT INTO knowledge (id, project_id, kind, title, body, created_at, updated_at) "
            "VALUES ('kno_1', 'prj_1', 'decision', 'Kept', 'through the upgrade', ?, ?)",
            (NOW, NOW),
        )
        await conn.commit()
    db = SQLiteDatabase(path, readers=1)
    await db.open()
    try:
        assert db.schema_version == latest_version() >= 8
        taken = await checkpoints.create_checkpoint(db, "old", CheckpointCreate(label="after upgrade"), "api")
        assert taken.counts == {"knowledge": 1, "project": 1}
        diff = await checkpoints.diff_checkpoint(db, taken.id)
        assert (diff.added, diff.removed, diff.changed) == ([], [], [])
        row = await db.fetchone("SELECT title FROM knowledge WHERE id = 'kno_1'")
        assert row is not None
        assert row["title"] == "Kept"
    finally:
        await db.close()
