"""The store: SQLite (embedded, the default) or PostgreSQL (shared), its migrations and the event log table."""

from contextstack.storage.base import Database, Dialect, Event, Reader, Row, Transaction, in_list, list_parameter
from contextstack.storage.database import SQLiteDatabase
from contextstack.storage.locations import open_database

__all__ = [
    "Database",
    "Dialect",
    "Event",
    "Reader",
    "Row",
    "SQLiteDatabase",
    "Transaction",
    "in_list",
    "list_parameter",
    "open_database",
]
