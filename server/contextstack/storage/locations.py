"""The store a `db` setting names: PostgreSQL for a postgresql:// or postgres:// URL, else a SQLite file."""

from __future__ import annotations

from contextstack.storage.base import Database
from contextstack.storage.database import SQLiteDatabase
from contextstack.storage.postgres import PostgresDatabase
from contextstack.storage.urls import check_location, is_postgres


def open_database(db: str, *, readers: int = 4) -> Database:
    """The store `db` names, not yet open; a StoreError for a URL of a scheme Contextstack does not know."""
    check_location(db)
    if is_postgres(db):
        return PostgresDatabase(db, readers=readers)
    return SQLiteDatabase(db, readers=readers)
