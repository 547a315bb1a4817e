"""The PostgreSQL migrations bring an empty database to the SQLite schema: the same tables, columns, types,
nullability, defaults, indexes and triggers, but for the differences each PostgreSQL file's header names.

Needs a PostgreSQL server: `CONTEXTSTACK_TEST_PG` (a server URL; a fresh database is made on it and dropped).
Run as a script (`python tests/storage/test_postgres_schema.py URL`) it prints both schemas side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import aiosqlite
import pytest

from contextstack.storage.migrations import available_migrations, migrate

# SQLite's declared types and what each becomes (pg-common's type rules).
_TYPES = {"INTEGER": "bigint", "TEXT": "text", "REAL": "double precision", "BLOB": "bytea"}
# The full-text columns that replace the FTS5 tables, by table.
_SEARCH_COLUMNS = {"knowledge": "search_vector", "conversations": "search_vector", "messages": "search_vector"}
# Indexes one backend has and the other has not, each for a reason given in the PostgreSQL migration's header.
_SQLITE_ONLY_INDEXES = {"knowledge_search_filter"}  # for SQLite's INDEXED BY join with its FTS5 table
_POSTGRES_ONLY_INDEXES = {"knowledge_search", "conversations_search", "messages_search"}  # GIN over search_vector
# Triggers that keep FTS5 tables in step (the store writes search_vector instead).
_FTS_TRIGGER = re.compile(r"^(knowledge|conversations|messages)_fts_(insert|update|delete)$")


class Column(NamedTuple):
    type: str
    not_null: bool
    default: str | None
    primary_key: bool

    def __str__(self) -> str:
        default = "" if self.default is None else f" default {self.default}"
        return f"{self.type}{' not null' if self.not_null else ''}{default}{' key' if self.primary_key else ''}"


class ForeignKey(NamedTuple):
    table: str
    columns: tuple[str, ...]
    references: str
    referenced: tuple[str, ...]
    on_delete: str


Schema = dict[str, dict[str, Column]]


class Objects(NamedTuple):
    tables: Schema
    indexes: set[str]
    triggers: set[str]
    foreign_keys: set[ForeignKey]
    unique: set[tuple[str, frozenset[str]]]  # (table, columns) of each primary key, UNIQUE constraint and index


def _normal_default(value: str | None) -> str | None:
    """A column default as both engines can be compared by: the literal alone, no casts or quotes' type."""
    if value is None:
        return None
    value = re.sub(r"::[a-z ]+$", "", value.strip())
    return value


async def sqlite_objects(path: Path) -> Objects:
    """The schema the SQLite migrations make in a new file at `path`."""
    async with aiosqlite.connect(path) as conn:
        await migrate(conn, str(path))
        conn.row_factory = sqlite3.Row
        async with conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema") as cursor:
            rows = list(await cursor.fetchall())
        tables: Schema = {}
        for row in rows:
            if row["type"] != "table" or row["name"].startswith("sqlite_") or "VIRTUAL TABLE" in (row["sql"] or ""):
                continue
            if re.match(r"^(knowledge|conversations|messages)_fts_", row["name"]):  # FTS5's shadow tables
                continue
            async with conn.execute(f"PRAGMA table_xinfo({row['name']})") as cursor:
                info = list(await cursor.fetchall())
            tables[row["name"]] = {
                column["name"]: Column(
                    _TYPES[column["type"]],
                    bool(column["notnull"]) or column["pk"] > 0,
                    _normal_default(column["dflt_value"]),
                    column["pk"] > 0,
                )
                for column in info
            }
        foreign_keys: set[ForeignKey] = set()
        unique: set[tuple[str, frozenset[str]]] = set()
        for table in tables:
            async with conn.execute(f"PRAGMA foreign_key_list({table})") as cursor:
                links: dict[int, list[sqlite3.Row]] = {}
                for row in await cursor.fetchall():
                    links.setdefault(row["id"], []).append(row)
            for parts in links.values():
                parts.sort(key=lambda part: part["seq"])
                foreign_keys.add(
                    ForeignKey(
                        table,
                        tuple(part["from"] for part in parts),
                        parts[0]["table"],
                        tuple(part["to"] for part in parts),
                        parts[0]["on_delete"],
                    )
                )
            keys = [name for name, column in tables[table].items() if column.primary_key]
            unique.add((table, frozenset(keys)))
            async with conn.execute(f"PRAGMA index_list({table})") as cursor:
                for index in await cursor.fetchall():
                    if index["unique"]:
                        async with conn.execute(f"PRAGMA index_info({index['name']})") as info:
                            unique.add((table, frozenset(row["name"] for row in await info.fetchall())))
        indexes = {row["name"] for row in rows if row["type"] == "index" and not row["name"].startswith("sqlite_")}
        triggers = {row["name"] for row in rows if row["type"] == "trigger"}
    return Objects(tables, indexes, triggers, foreign_keys, unique)


async def postgres_objects(conn: Any) -> Objects:
    """The schema of the PostgreSQL database `conn` is connected to (its public schema)."""
    columns = await conn.fetch(
        """
        SELECT c.table_name, c.column_name, c.data_type, c.is_nullable, c.column_default, c.is_identity,
               (SELECT count(*) FROM information_schema.table_constraints t
                JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name)
                WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_name = c.table_name
                  AND k.column_name = c.column_name) AS primary_key
        FROM information_schema.columns c WHERE c.table_schema = 'public' ORDER BY c.table_name, c.ordinal_position
        """
    )
    tables: Schema = {}
    for row in columns:
        tables.setdefault(row["table_name"], {})[row["column_name"]] = Column(
            row["data_type"], row["is_nullable"] == "NO", _normal_default(row["column_default"]), row["primary_key"] > 0
        )
    indexes = {
        row["indexname"]
        for row in await conn.fetch("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
        # The implicit indexes of primary keys and UNIQUE constraints (SQLite's are sqlite_autoindex_…).
        if not row["indexname"].endswith(("_pkey", "_key"))
    }
    triggers = {
        row["tgname"]
        for row in await conn.fetch(
            "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND NOT t.tgisinternal"
        )
    }
    actions = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
    foreign_keys = {
        ForeignKey(
            row["table"], tuple(row["columns"]), row["references"], tuple(row["referenced"]), actions[row["action"]]
        )
        for row in await conn.fetch(
            """
            SELECT c.conrelid::regclass::text AS table, c.confrelid::regclass::text AS references,
                   c.confdeltype::text AS action,
                   array(SELECT attname FROM unnest(c.conkey) WITH ORDINALITY AS k(n, o)
                         JOIN pg_attribute ON attrelid = c.conrelid AND attnum = k.n ORDER BY k.o) AS columns,
                   array(SELECT attname FROM unnest(c.confkey) WITH ORDINALITY AS k(n, o)
                         JOIN pg_attribute ON attrelid = c.confrelid AND attnum = k.n ORDER BY k.o) AS referenced
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
            WHERE c.contype = 'f' AND n.nspname = 'public'
            """
        )
    }
    unique = {
        (row["table"], frozenset(row["columns"]))
        for row in await conn.fetch(
            """
            SELECT i.indrelid::regclass::text AS table,
                   array(SELECT attname FROM unnest(i.indkey) AS k(n)
                         JOIN pg_attribute ON attrelid = i.indrelid AND attnum = k.n) AS columns
            FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE i.indisunique AND n.nspname = 'public'
            """
        )
    }
    return Objects(tables, indexes, triggers, foreign_keys, unique)


def _database_url(server: str, name: str) -> str:
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


@contextlib.asynccontextmanager
async def fresh_database(server: str) -> AsyncIterator[str]:
    """A new empty database on the server, dropped afterwards."""
    import asyncpg

    name = f"schema_check_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield _database_url(server, name)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def migrated_postgres(url: str) -> Objects:
    """Migrate the empty database at `url` as the daemon does (each migration in its own transaction)."""
    import asyncpg

    from contextstack.storage.postgres import migrate_postgres

    conn = await asyncpg.connect(url)
    try:
        assert await migrate_postgres(conn, url) == (0, len(available_migrations()))
        return await postgres_objects(conn)
    finally:
        await conn.close()


def expected_postgres(sqlite: Objects) -> Objects:
    """What the PostgreSQL schema should be, from the SQLite one and the differences the migrations name."""
    tables: Schema = {}
    for table, columns in sqlite.tables.items():
        tables[table] = dict(columns)
        if table in _SEARCH_COLUMNS:
            tables[table][_SEARCH_COLUMNS[table]] = Column("tsvector", True, None, False)
    # SQLite keeps the version in its header (PRAGMA user_version), PostgreSQL in a table.
    tables["schema_version"] = {"version": Column("integer", True, None, False)}
    indexes = (sqlite.indexes - _SQLITE_ONLY_INDEXES) | _POSTGRES_ONLY_INDEXES
    triggers = {
        # SQLite's knowledge_changed_update and _delete are one trigger here, on both.
        "knowledge_changed" if name.startswith("knowledge_changed_") else name
        for name in sqlite.triggers
        if not _FTS_TRIGGER.match(name)
    }
    return Objects(tables, indexes, triggers, sqlite.foreign_keys, sqlite.unique)


@pytest.fixture
def postgres_server(postgres_url: str) -> str:
    """A server the check makes its databases on: the harness's (skipped without one, failed in CI)."""
    return postgres_url


async def test_every_postgres_migration_has_a_sqlite_twin() -> None:
    sqlite = [migration.name for migration in available_migrations()]
    assert [migration.name for migration in available_migrations("postgresql")] == sqlite


async def test_postgres_migrations_make_the_sqlite_schema(postgres_server: str, tmp_path: Path) -> None:
    expected = expected_postgres(await sqlite_objects(tmp_path / "contextstack.db"))
    async with fresh_database(postgres_server) as url:
        found = await migrated_postgres(url)
    assert sorted(found.tables) == sorted(expected.tables)
    for table, columns in expected.tables.items():
        assert found.tables[table] == columns, table
    assert found.indexes == expected.indexes
    assert found.triggers == expected.triggers
    assert found.foreign_keys == expected.foreign_keys
    assert found.unique == expected.unique


async def test_postgres_triggers_keep_the_derived_tables(postgres_server: str) -> None:
    """knowledge_changes numbers each edited, superseded (through ON DELETE SET NULL too) or deleted entry's latest
    change; a changed text makes its vector stale, as SQLite's triggers do."""
    import asyncpg

    async with fresh_database(postgres_server) as url:
        await migrated_postgres(url)
        conn = await asyncpg.connect(url)
        try:
            insert = (
                "INSERT INTO knowledge (id, kind, title, body, created_at, updated_at, search_vector)"
                " VALUES ($1, 'note', $2, '', 't', 't', array_to_tsvector($3::text[])) RETURNING seq"
            )
            first = await conn.fetchval(insert, "kno_a", "first", ["first"])
            second = await conn.fetchval(insert, "kno_b", "second", ["second"])
            third = await conn.fetchval(insert, "kno_c", "third", ["third"])
            assert (first, second, third) == (1, 2, 3)
            assert await conn.fetch("SELECT * FROM knowledge_changes") == []
            await conn.execute("UPDATE knowledge SET superseded_by = 'kno_a' WHERE id = 'kno_b'")
            await conn.execute(
                "INSERT INTO knowledge_vectors (seq, model, dimension, vector) VALUES ($1, 'm', 1, $2), ($3, 'm', 1, $2)",
                first,
                b"\0\0\0\0",
                third,
            )
            await conn.execute("UPDATE knowledge SET version = 2 WHERE id = 'kno_c'")
            assert await conn.fetchval("SELECT count(*) FROM knowledge_vectors") == 2  # no text was set
            await conn.execute("UPDATE knowledge SET title = 'third' WHERE id = 'kno_c'")
            assert [row["seq"] for row in await conn.fetch("SELECT seq FROM knowledge_vectors")] == [first]
            await conn.execute("DELETE FROM knowledge WHERE id = 'kno_a'")  # sets kno_b's superseded_by to NULL
            changes = await conn.fetch("SELECT entry_seq, change FROM knowledge_changes ORDER BY change")
            # The delete and the update it makes through the foreign key are numbered 4 and 5 (in the order
            # PostgreSQL fires them; SQLite fires the update first: the index applies both alike).
            assert (changes[0]["entry_seq"], changes[0]["change"]) == (third, 3)
            assert {(row["entry_seq"], row["change"]) for row in changes[1:]} in (
                {(first, 4), (second, 5)},
                {(second, 4), (first, 5)},
            )
            assert await conn.fetchval("SELECT superseded_by FROM knowledge WHERE id = 'kno_b'") is None
            assert await conn.fetchval("SELECT count(*) FROM knowledge_vectors") == 0
            assert (
                await conn.fetchval("SELECT id FROM knowledge WHERE search_vector @@ $1::tsquery", "'seco':*")
                == "kno_b"
            )
        finally:
            await conn.close()


def _print_side_by_side(sqlite: Objects, postgres: Objects) -> None:
    for table in sorted(set(sqlite.tables) | set(postgres.tables)):
        print(f"{table}:")
        left, right = sqlite.tables.get(table, {}), postgres.tables.get(table, {})
        for column in [*left, *(name for name in right if name not in left)]:
            mark = "  " if column in left and column in right else "!!"
            print(f"  {mark} {column:22} {left.get(column, '-')!s:40} {right.get(column, '-')}")
    print("indexes only in SQLite:", sorted(sqlite.indexes - postgres.indexes))
    print("indexes only in PostgreSQL:", sorted(postgres.indexes - sqlite.indexes))
    print("triggers in SQLite:", sorted(sqlite.triggers))
    print("triggers in PostgreSQL:", sorted(postgres.triggers))
    for name, left_set, right_set in (
        ("foreign keys", sqlite.foreign_keys, postgres.foreign_keys),
        ("unique keys", sqlite.unique, postgres.unique),
    ):
        print(f"{name}: {len(left_set)} in SQLite, {len(right_set)} in PostgreSQL")
        for only in sorted(map(str, left_set - right_set)):
            print("  only in SQLite:", only)
        for only in sorted(map(str, right_set - left_set)):
            print("  only in PostgreSQL:", only)


async def _main(server: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        sqlite = await sqlite_objects(Path(folder) / "contextstack.db")
    async with fresh_database(server) as url:
        postgres = await migrated_postgres(url)
    _print_side_by_side(sqlite, postgres)


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1]))
