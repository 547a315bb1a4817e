"""Copying a whole store into an empty one, between SQLite and PostgreSQL either way (`contextstack migrate-store`).

Both stores are opened (so migrated) first: they are at the same schema, table for table. Every row of every table
is copied as it is — ids, versions, times, events, conversations, checkpoints, vectors — in one transaction of the
target, so a copy that fails leaves the target as empty as it was. What each backend keeps for itself is not
copied but made again as its store makes it:

- SQLite's FTS5 tables (and their shadow tables) are filled by their insert triggers as the rows go in;
- PostgreSQL's full-text columns, which the SQLite tables lack, come from `Derived` hooks the caller gives (the
  stores' own functions: this package imports no feature), and its search totals from its triggers;
- the counters that hand out ids move past the copied ones: PostgreSQL's identities (setval) and SQLite's
  AUTOINCREMENT high-water marks, each to the highest id the source ever handed out, so a key is never reused.

Foreign keys are checked once every row is in (SQLite defers them to COMMIT; PostgreSQL's are dropped for the copy
and added back, which checks every row), since rows refer to rows copied later (an entry to the one superseding
it, a conversation to its last message).

The source must not change meanwhile: stop the daemons first (a SQLite store's lock is taken by the caller).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from contextstack.errors import StoreError
from contextstack.storage.base import Database, Reader, Transaction

log = logging.getLogger("contextstack.storage")

# Rows read from the source and written to the target at a time.
BATCH = 1000
# How often a table's progress is logged while it is copied, in seconds.
PROGRESS_EVERY = 5.0
_FTS_SHADOWS = ("_config", "_content", "_data", "_docsize", "_idx")
# PostgreSQL's own derived tables, kept by its triggers from the rows as they go in (FTS5 keeps the same figures in
# its shadow tables): the totals conversation search ranks by (migration 0017).
_POSTGRES_DERIVED = {"search_totals"}
# PostgreSQL's full-text columns beside the tsvectors: how many words a row holds (FTS5 counts them itself).
_POSTGRES_SEARCH = {"search_length", "search_words"}


@dataclass(frozen=True)
class Derived:
    """Columns of a target table that the other backend does not have, made from each copied row as the store
    makes them (PostgreSQL's full-text columns): SQL expressions with one `?` each, and their values."""

    table: str
    columns: tuple[str, ...]
    expressions: tuple[str, ...]
    values: Callable[[Mapping[str, Any]], Sequence[Any]]


@dataclass
class Table:
    """One table as a backend has it: its columns in order, their types, the key rows are read in order of."""

    name: str
    columns: list[str]
    types: dict[str, str] = field(default_factory=dict)
    key: list[str] = field(default_factory=list)
    identity: str | None = None  # the column a counter hands out (PostgreSQL identity, SQLite AUTOINCREMENT)


@dataclass(frozen=True)
class Copied:
    """What one table's copy moved."""

    table: str
    rows: int


async def _sqlite_tables(view: Reader) -> dict[str, Table]:
    rows = await view.fetchall("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
    virtual = [row["name"] for row in rows if (row["sql"] or "").upper().startswith("CREATE VIRTUAL TABLE")]
    skipped = {"sqlite_sequence", *virtual, *(name + shadow for name in virtual for shadow in _FTS_SHADOWS)}
    counters = {row["name"] for row in rows if "AUTOINCREMENT" in (row["sql"] or "").upper()}
    tables: dict[str, Table] = {}
    for row in rows:
        name = row["name"]
        if name in skipped or name.startswith("sqlite_"):
            continue
        info = await view.fetchall(f'SELECT name, type, pk FROM pragma_table_info("{name}") ORDER BY cid')
        keys = sorted((column for column in info if column["pk"]), key=lambda column: column["pk"])
        identity = keys[0]["name"] if len(keys) == 1 and keys[0]["type"].upper() == "INTEGER" else None
        without_rowid = "WITHOUT ROWID" in (row["sql"] or "").upper()
        tables[name] = Table(
            name,
            [column["name"] for column in info],
            {column["name"]: column["type"].lower() for column in info},
            # The rowid is the order rows were written in; a table without one is read in its key's order.
            [column["name"] for column in keys] if without_rowid else ["rowid"],
            identity if name in counters else None,
        )
    return tables


async def _postgres_tables(view: Reader) -> dict[str, Table]:
    columns = await view.fetchall(
        "SELECT table_name, column_name, data_type, is_identity FROM information_schema.columns "
        "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
    )
    keys = await view.fetchall(
        "SELECT c.relname AS table_name, a.attname AS column_name FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
        "WHERE i.indisprimary AND n.nspname = current_schema() ORDER BY c.relname, k.position"
    )
    tables: dict[str, Table] = {}
    for row in columns:
        if row["table_name"] == "schema_version" or row["table_name"] in _POSTGRES_DERIVED:
            continue  # the schema's own bookkeeping, and what triggers make: the target has or makes its own
        table = tables.setdefault(row["table_name"], Table(row["table_name"], []))
        table.columns.append(row["column_name"])
        table.types[row["column_name"]] = row["data_type"].lower()
        if row["is_identity"] == "YES":
            table.identity = row["column_name"]
    for row in keys:
        if row["table_name"] in tables:
            tables[row["table_name"]].key.append(row["column_name"])
    for table in tables.values():
        if not table.key:
            table.key = list(table.columns)
    return tables


async def tables_of(db: Database) -> dict[str, Table]:
    """The store's tables, as the copy sees them (a backend's own bookkeeping and full-text tables left out)."""
    return await db.read_committed(_sqlite_tables if db.dialect == "sqlite" else _postgres_tables)


async def row_counts(db: Database, tables: Mapping[str, Table]) -> dict[str, int]:
    """How many rows each of `tables` holds."""

    async def count(view: Reader) -> dict[str, int]:
        counts = {}
        for name in tables:
            row = await view.fetchone(f'SELECT count(*) AS n FROM "{name}"')
            counts[name] = int(row["n"]) if row is not None else 0
        return counts

    return await db.read_committed(count)


async def _high_water(db: Database, table: Table) -> int:
    """The highest id `table`'s counter ever handed out in `db` (deleted rows' included), 0 if none."""
    assert table.identity is not None
    column = table.identity

    async def read(view: Reader) -> int:
        top = await view.fetchone(f'SELECT coalesce(max("{column}"), 0) AS n FROM "{table.name}"')
        highest = int(top["n"]) if top is not None else 0
        if db.dialect == "sqlite":
            seen = await view.fetchone("SELECT seq FROM sqlite_sequence WHERE name = ?", (table.name,))
        else:
            seen = await view.fetchone(
                f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS seq FROM {await _sequence(view, table)}"
            )
        return max(highest, int(seen["seq"]) if seen is not None and seen["seq"] is not None else 0)

    return await db.read_committed(read)


async def _sequence(view: Reader, table: Table) -> str:
    row = await view.fetchone("SELECT pg_get_serial_sequence(?, ?) AS name", (table.name, table.identity))
    if row is None or row["name"] is None:
        raise StoreError(f"the PostgreSQL table {table.name} has no sequence behind {table.identity}")
    return str(row["name"])


def _coerce(value: Any, column_type: str) -> Any:
    """A SQLite value as PostgreSQL's column type takes it (SQLite keeps what it is given; asyncpg is strict)."""
    if value is None:
        return None
    if column_type in ("bigint", "integer", "smallint"):
        return int(value)
    if column_type in ("double precision", "real", "numeric"):
        return float(value)
    if column_type == "bytea":
        return (
            value
            if isinstance(value, bytes)
            else bytes(value)
            if isinstance(value, memoryview)
            else str(value).encode()
        )
    if column_type in ("text", "character varying") and not isinstance(value, str):
        return value.decode() if isinstance(value, bytes) else str(value)
    return value


async def _read_batch(db: Database, table: Table, columns: list[str], after: Sequence[Any] | None) -> list[Any]:
    """The next rows of `table` after the key `after` (None: the first), in the key's order (keyset paging)."""
    names = ", ".join(f'"{column}"' for column in columns)
    quoted = [key if key == "rowid" else f'"{key}"' for key in table.key]
    keys = ", ".join(quoted)
    picked = ", ".join(f'{key} AS "__key{i}"' for i, key in enumerate(quoted))
    where = "" if after is None else f"WHERE ({keys}) > ({', '.join('?' for _ in table.key)})"
    sql = f'SELECT {picked}, {names} FROM "{table.name}" {where} ORDER BY {keys} LIMIT {BATCH}'
    params = () if after is None else tuple(after)

    async def read(view: Reader) -> list[Any]:
        return await view.fetchall(sql, params)

    # As committed: the copy's own change is the target's, and may be on the same backend.
    return await db.read_committed(read)


async def _copy_table(
    source: Database,
    target: Database,
    tx: Transaction,
    table: str,
    source_table: Table,
    target_table: Table,
    derived: Derived | None,
    expected: int,
) -> int:
    derived_columns = set(derived.columns) if derived else set()
    columns = [c for c in target_table.columns if c in source_table.columns and c not in derived_columns]
    # PostgreSQL's full-text columns have no place in SQLite, whose FTS5 tables are filled as the rows go in.
    missing = [
        c
        for c in source_table.columns
        if c not in target_table.columns and source_table.types.get(c) != "tsvector" and c not in _POSTGRES_SEARCH
    ]
    if missing:
        raise StoreError(f"the target's table {table} has no column {', '.join(missing)}: the schemas differ")
    expressions = ["?"] * len(columns) + (list(derived.expressions) if derived else [])
    names = ", ".join(f'"{column}"' for column in [*columns, *(derived.columns if derived else ())])
    insert = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join(expressions)})'
    types = target_table.types if target.dialect == "postgresql" else {}
    keys = len(source_table.key)
    copied, after = 0, None
    last_said = time.monotonic()
    while True:
        rows = await _read_batch(source, source_table, columns, after)
        if not rows:
            return copied
        batch = []
        for row in rows:
            values = [_coerce(row[column], types.get(column, "")) if types else row[column] for column in columns]
            if derived:
                values.extend(derived.values({column: row[column] for column in columns}))
            batch.append(values)
        await tx.executemany(insert, batch)
        copied += len(rows)
        after = [rows[-1][f"__key{i}"] for i in range(keys)]
        if time.monotonic() - last_said >= PROGRESS_EVERY:
            log.info("copying %s: %d of %d rows", table, copied, expected)
            last_said = time.monotonic()


async def _drop_foreign_keys(tx: Transaction) -> list[tuple[str, str, str]]:
    """PostgreSQL: the target's foreign keys, dropped for the copy; (table, name, definition) to add them back."""
    found = await tx.fetchall(
        "SELECT c.conrelid::regclass::text AS table_name, c.conname AS name, pg_get_constraintdef(c.oid) AS definition "
        "FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
        "WHERE c.contype = 'f' AND n.nspname = current_schema() ORDER BY 1, 2"
    )
    keys = [(row["table_name"], row["name"], row["definition"]) for row in found]
    for table, name, _ in keys:
        await tx.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return keys


async def copy_store(
    source: Database,
    target: Database,
    *,
    derived: Sequence[Derived] = (),
    progress: Callable[[str, int], None] | None = None,
) -> list[Copied]:
    """Copy every row of `source` into `target`, both open and at the same schema; `target` must be empty.

    `derived` makes the target's columns the source's backend lacks. `progress(table, rows)` hears of each table as
    it is done. A StoreError, with the target left as it was, when the target is not empty or the schemas differ.
    """
    if source.schema_version != target.schema_version:
        raise StoreError(
            f"the source is at schema {source.schema_version} and the target at {target.schema_version}: "
            "open both with the same Contextstack"
        )
    source_tables = await tables_of(source)
    target_tables = await tables_of(target)
    if sorted(source_tables) != sorted(target_tables):
        only = sorted(set(source_tables) ^ set(target_tables))
        raise StoreError(f"the two stores' tables differ ({', '.join(only)}): the schemas do not match")
    held = {name: n for name, n in (await row_counts(target, target_tables)).items() if n}
    if held:
        said = ", ".join(f"{n} {'row' if n == 1 else 'rows'} in {name}" for name, n in sorted(held.items()))
        raise StoreError(f"the target {target.location} is not empty: it holds {said}; copy into an empty store")
    counts = await row_counts(source, source_tables)
    by_table = {hook.table: hook for hook in derived}
    for hook in derived:
        if hook.table not in target_tables:
            raise StoreError(f"derived columns for a table the target does not have: {hook.table}")
    order = sorted(source_tables)
    copied: list[Copied] = []
    async with target.transaction() as tx:
        foreign_keys: list[tuple[str, str, str]] = []
        if target.dialect == "sqlite":
            await tx.execute("PRAGMA defer_foreign_keys = ON")  # checked at COMMIT, once every row is in
        else:
            foreign_keys = await _drop_foreign_keys(tx)
        for name in order:
            rows = await _copy_table(
                source, target, tx, name, source_tables[name], target_tables[name], by_table.get(name), counts[name]
            )
            copied.append(Copied(name, rows))
            if progress is not None:
                progress(name, rows)
        for table, constraint, definition in foreign_keys:
            await tx.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {definition}')
        for name in order:
            counter = target_tables[name].identity or source_tables[name].identity
            if counter is None:
                continue
            highest = await _high_water(source, source_tables[name]) if source_tables[name].identity else 0
            await _move_counter(tx, target, target_tables[name], highest)
    return copied


async def _move_counter(tx: Transaction, target: Database, table: Table, highest: int) -> None:
    """The target's counter for `table` past `highest`, so that the next id it hands out is new."""
    if table.identity is None:
        return
    if target.dialect == "postgresql":
        sequence = await _sequence(tx, table)
        top = await tx.fetchone(f'SELECT coalesce(max("{table.identity}"), 0) AS n FROM "{table.name}"')
        highest = max(highest, int(top["n"]) if top is not None else 0)
        if highest:
            await tx.execute("SELECT setval(CAST(CAST(? AS text) AS regclass), ?)", (sequence, highest))
        return
    if highest:
        await tx.execute(
            "INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM sqlite_sequence WHERE name = ?)",
            (table.name, highest, table.name),
        )
        await tx.execute("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (highest, table.name))
