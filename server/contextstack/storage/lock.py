"""One daemon a store: an exclusive lock on a file beside the SQLite file, held for as long as the daemon runs."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

from contextstack.private_files import PRIVATE_FILE, make_private_folder

LOCK_SUFFIX = ".lock"


class StoreInUse(Exception):
    """Another process holds the store's lock; the message names the store and that process."""


def lock_path(db: str) -> Path | None:
    """The lock file of the store at `db` (`contextstack.db` → `contextstack.db.lock`); None for an in-memory one."""
    if db == ":memory:" or db.startswith("file:"):
        return None
    store = Path(db)
    return store.with_name(store.name + LOCK_SUFFIX)


def lock_store(db: str) -> IO[str] | None:
    """Take the store's lock for this process (held until `release_store`, or until the process ends).

    The file holds the holder's pid, for the message a second daemon gets. StoreInUse when another holds it.
    """
    path = lock_path(db)
    if path is None or sys.platform == "win32":
        return None
    import fcntl

    make_private_folder(path.parent)  # the store's folder, made as the store makes it: its owner's alone
    held = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, PRIVATE_FILE), "a+", encoding="utf-8")
    try:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        held.seek(0)
        holder = held.read().strip() or "unknown"
        held.close()
        raise StoreInUse(
            f"the store {db} is in use by another daemon (pid {holder}); one daemon serves a store: talk to that one, "
            "or give this one another --db"
        ) from None
    held.seek(0)
    held.truncate()
    held.write(f"{os.getpid()}\n")
    held.flush()
    return held


def release_store(held: IO[str]) -> None:
    """Give the store's lock up; the file stays, naming no holder."""
    held.seek(0)
    held.truncate()
    held.close()
