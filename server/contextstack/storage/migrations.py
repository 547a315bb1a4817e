"""Schema migrations: numbered SQL files applied in order, one transaction each, tracked by `user_version`."""

from __future__ import annotations

import logging
import re
from importlib import resources
from typing import NamedTuple

import aiosqlite

from contextstack.errors import StoreError
from contextstack.storage.base import Dialect

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

log = logging.getLogger("contextstack.storage")


class Migration(NamedTuple):
    version: int
    name: str
    sql: str


def available_migrations(dialect: Dialect = "sqlite") -> list[Migration]:
    """Every migration shipped with this version for a backend, in order; versions run 1, 2, 3 … without gaps.

    The PostgreSQL migrations (in migrations/postgresql/) carry the same numbers as the SQLite ones: one schema
    version means the same tables on either backend.
    """
    folder = resources.files("contextstack.storage") / "migrations"
    if dialect == "postgresql":
        folder = folder / "postgresql"
    found = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise StoreError(f"migration {migration.name} is out of sequence: expected number {expected:04d}")
    return found


def latest_version() -> int:
    return len(available_migrations())


async def schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def refuse_newer_schema(conn: aiosqlite.Connection, path: str, latest: int | None = None) -> int:
    """The database's schema version; a StoreError if a newer Contextstack wrote it."""
    latest = latest_version() if latest is None else latest
    current = await schema_version(conn)
    if current > latest:
        raise StoreError(
            f"the database {path} has schema version {current}, but this Contextstack only knows up to "
            f"{latest}: it was written by a newer version. Upgrade Contextstack, or point --db at another "
            "file. The database was not touched."
        )
    return current


async def migrate(conn: aiosqlite.Connection, path: str, migrations: list[Migration] | None = None) -> tuple[int, int]:
    """Bring the database up to date; refuse one made by a newer Contextstack. Returns (from, to)."""
    migrations = available_migrations() if migrations is None else migrations
    latest = len(migrations)
    current = await refuse_newer_schema(conn, path, latest)
    if current and current < latest:
        log.info("upgrading the store %s from schema %d to %d", path, current, latest)
    for migration in migrations[current:]:
        if current:  # a new store is made in a blink; an existing one's upgrade says where it is
            log.info("store upgrade %d/%d: %s", migration.version - current, latest - current, migration.name)
        # executescript commits any open transaction first; BEGIN/COMMIT inside the script make the
        # migration and its version bump one transaction, rolled back together if any statement fails.
        script = f"BEGIN IMMEDIATE;\n{migration.sql}\n;PRAGMA user_version = {migration.version};\nCOMMIT;"
        try:
            await conn.executescript(script)
        except Exception as exc:
            if conn.in_transaction:
                await conn.rollback()
            raise StoreError(f"migration {migration.name} failed and was rolled back: {exc}") from exc
    return current, latest
