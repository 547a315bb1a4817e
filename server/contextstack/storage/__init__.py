"""SQLite storage: connections, migrations and the event log table."""

from contextstack.storage.database import Database, Event, Reader, Transaction

__all__ = ["Database", "Event", "Reader", "Transaction"]
