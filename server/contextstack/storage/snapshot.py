"""Consistent reads: several queries that all see the store as it was at one moment."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

import aiosqlite

from contextstack.storage.database import Database, Params, first_row


class Reader(Protocol):
    """Anything that answers queries: the store, an open transaction, a snapshot."""

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None: ...

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]: ...


class Snapshot:
    """A read transaction on a pooled read-only connection."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        return first_row(await self._conn.execute_fetchall(sql, params))

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return list(await self._conn.execute_fetchall(sql, params))


@asynccontextmanager
async def snapshot(db: Database) -> AsyncIterator[Snapshot]:
    """Every query in the block sees the same committed state (a WAL read transaction), whatever commits meanwhile."""
    async with db.read() as conn:
        await conn.execute("BEGIN")
        yield Snapshot(conn)
