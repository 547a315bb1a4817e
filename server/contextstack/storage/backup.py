"""Backups of a store: a consistent copy of a live one, checked before it is trusted, and a restore that never
leaves a half-written store.

A backup reads the store through its own read-only connection, with SQLite's online backup API in one step: in
WAL mode that is one read transaction, so the copy is the store as of one commit, and the daemon's writer goes on
meanwhile (a reader never blocks it). It takes no store lock: the lock keeps a second *writer* off a store, and a
backup writes nothing to it. A restore replaces the store, so it does take the lock: it refuses while a daemon
serves the store, and no daemon can start on it until the restore is done.

Every file written here is its owner's alone (0600), is written beside where it ends up, synced, then renamed
into place: a crash leaves the old file or the new one, never part of one.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from contextstack.errors import StoreError
from contextstack.private_files import PRIVATE_FILE
from contextstack.storage.lock import lock_store, release_store
from contextstack.storage.migrations import available_migrations, latest_version

BACKUP_SUFFIX = ".backup"


class Backup(NamedTuple):
    """A checked backup file: where it is, the schema version it holds, its size in bytes."""

    path: Path
    schema_version: int
    size: int


class Restored(NamedTuple):
    """What a restore did: the backup it brought back, and where the store it replaced was kept (if there was one)."""

    backup: Backup
    replaced: Path | None


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _unused(path: Path) -> Path:
    """`path`, or the first of `path`-2, `path`-3 … that does not exist yet."""
    found, number = path, 1
    while found.exists() or found.with_name(found.name + "-wal").exists():
        number += 1
        found = path.with_name(f"{path.name}-{number}")
    return found


def _read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 5000")
    return conn


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _partial(destination: Path, purpose: str) -> Path:
    """A new, empty file beside `destination` (0600) to write into before it is renamed over it."""
    partial = destination.with_name(f".{destination.name}.{purpose}-{os.getpid()}")
    partial.unlink(missing_ok=True)  # left by an earlier run of this pid that was killed: never a file in use
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    return partial


def _copy_into(source: sqlite3.Connection, partial: Path) -> int:
    """Copy the database `source` reads into the empty file `partial`, as one self-contained file, synced.

    Returns the schema version of the copy (which is the source's as of the copy, whatever it is now).
    """
    target = sqlite3.connect(partial, isolation_level=None)
    try:
        source.backup(target)  # every page in one step: one read transaction on the source
        target.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
        _check_integrity(target, partial)
        version = _schema_version(target, partial)
    finally:
        target.close()
    _fsync(partial)
    return version


def _move_into_place(partial: Path, destination: Path) -> None:
    os.replace(partial, destination)
    _fsync(destination.parent)


def _check_integrity(conn: sqlite3.Connection, path: Path) -> None:
    problems = [row[0] for row in conn.execute("PRAGMA integrity_check(20)").fetchall()]
    if problems != ["ok"]:
        raise StoreError(f"{path} fails SQLite's integrity check: {'; '.join(problems[:5])}")


def backup_store(store: Path, destination: Path) -> Backup:
    """Copy the store at `store`, live or not, to `destination` (replaced if it exists), as it stood at one commit."""
    if not store.is_file():
        raise StoreError(f"there is no store at {store}: give the store's file with --db (or CONTEXTSTACK_DB)")
    if destination.exists() and destination.resolve() == store.resolve():
        raise StoreError(f"{destination} is the store itself: write the backup to another file")
    source = _read_only(store)
    try:
        if _schema_version(source, store) == 0:
            raise StoreError(f"{store} is not a Contextstack store (it has no schema version)")
        partial = _partial(destination, "partial")
        try:
            version = _copy_into(source, partial)
            _move_into_place(partial, destination)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"could not back up {store}: {exc}") from None
    finally:
        source.close()
    return Backup(destination, version, destination.stat().st_size)


def backup_before_upgrade(store: Path, version: int) -> Path:
    """Back up the store at `store`, at schema `version`, beside it before a migration changes its schema."""
    destination = _unused(store.with_name(f"{store.name}.schema-{version}-{_stamp()}{BACKUP_SUFFIX}"))
    return backup_store(store, destination).path


def _schema_version(conn: sqlite3.Connection, path: Path) -> int:
    try:
        row = conn.execute("PRAGMA user_version").fetchone()
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} is not a SQLite database ({exc})") from None
    return int(row[0])


@functools.cache
def expected_schema(version: int) -> frozenset[tuple[str, str]]:
    """The (type, name) of every table, index, trigger and view a store at schema `version` has."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        for migration in available_migrations()[:version]:
            conn.executescript(migration.sql)
        return _schema_of(conn)
    finally:
        conn.close()


def _schema_of(conn: sqlite3.Connection) -> frozenset[tuple[str, str]]:
    rows = conn.execute("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
    return frozenset((str(kind), str(name)) for kind, name in rows)


def check_backup(path: Path) -> Backup:
    """The backup at `path`, if it is a Contextstack store with a schema this version knows and it is intact.

    StoreError otherwise, saying what is wrong with it.
    """
    if not path.is_file():
        raise StoreError(f"there is no backup at {path}")
    conn = _read_only(path)
    try:
        version = _schema_version(conn, path)
        latest = latest_version()
        if version == 0:
            raise StoreError(f"{path} is a SQLite database but not a Contextstack store (it has no schema version)")
        if version > latest:
            raise StoreError(
                f"{path} holds schema version {version}, but this Contextstack only knows up to {latest}: "
                "it was written by a newer version. Upgrade Contextstack to restore it."
            )
        found, expected = _schema_of(conn), expected_schema(version)
        if found != expected:
            missing = sorted(name for _, name in expected - found)
            extra = sorted(name for _, name in found - expected)
            said = "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing[:5])}" if missing else "",
                    f"unknown {', '.join(extra[:5])}" if extra else "",
                )
                if part
            )
            raise StoreError(f"{path} is not a Contextstack store at schema {version}: {said}")
        _check_integrity(conn, path)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} cannot be read as a store: {exc}") from None
    finally:
        conn.close()
    return Backup(path, version, path.stat().st_size)


def restore_store(backup: Path, store: Path) -> Restored:
    """Replace the store at `store` with the backup at `backup`, once the backup is checked; the old store is kept.

    Refused (StoreInUse) while a daemon serves the store. The store replaced is kept beside it, with its WAL.
    """
    held = lock_store(str(store))
    try:
        checked = check_backup(backup)
        partial = _partial(store, "restoring")
        try:
            source = _read_only(backup)
            try:
                _copy_into(source, partial)
            finally:
                source.close()
            replaced = _set_aside(store)
            _move_into_place(partial, store)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    finally:
        if held is not None:
            release_store(held)
    return Restored(checked, replaced)


def _set_aside(store: Path) -> Path | None:
    """Keep the current store under another name (with its WAL, so it stays whole), before it is replaced.

    The store's file stays where it is until the new one is renamed over it: a link keeps it under the new name.
    A WAL left beside the store would otherwise be applied to the restored file when it is next opened.
    """
    if not store.exists():
        return None
    kept = _unused(store.with_name(f"{store.name}.replaced-{_stamp()}"))
    _fold_in_wal(store)
    os.link(store, kept)
    wal, shm = (store.with_name(store.name + suffix) for suffix in ("-wal", "-shm"))
    if wal.exists():
        os.replace(wal, kept.with_name(kept.name + "-wal"))
    shm.unlink(missing_ok=True)
    _fsync(store.parent)
    return kept


def _fold_in_wal(store: Path) -> None:
    """Checkpoint what the store's WAL holds into its file, if the store can be opened (a damaged one is kept as is)."""
    try:
        conn = sqlite3.connect(store, isolation_level=None)
    except sqlite3.DatabaseError:
        return
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.DatabaseError:
        pass  # a damaged store: kept with its WAL, as it was
    finally:
        conn.close()
