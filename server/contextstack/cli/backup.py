"""`contextstack backup PATH` copies the store, live or not; `contextstack restore-backup PATH` brings a copy back.

Both work on the store's file, on this machine, rather than through the daemon: a backup is a read-only reader of
the file (which SQLite's WAL mode lets run beside the daemon's writer), and a restore must run with no daemon.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from contextstack.errors import ContextstackError
from contextstack.settings import load_settings
from contextstack.storage.backup import backup_store, restore_store
from contextstack.storage.lock import StoreInUse
from contextstack.storage.migrations import latest_version
from contextstack.storage.urls import check_location, is_postgres, without_password


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = commands.add_parser(
        "backup",
        help="copy the store to a file (the daemon may keep running)",
        description=(
            "Copy the store to PATH, as it stood at one moment, with SQLite's online backup: the daemon goes on "
            "serving meanwhile, and every write it acknowledged before the copy began is in it. The copy is one "
            "file, readable only by you, checked with SQLite's integrity check before it is put in place."
        ),
    )
    backup.add_argument(
        "path", metavar="PATH", help="the file to write; a folder gets contextstack-<UTC time>.db inside it"
    )
    backup.add_argument("--force", action="store_true", help="replace PATH if it exists")
    _store_options(backup)
    backup.set_defaults(local=backup_command)

    restore = commands.add_parser(
        "restore-backup",
        help="put a backup back in place of the store (stop the daemon first)",
        description=(
            "Replace the store with the backup at PATH. Refused while a daemon serves the store. The backup must "
            "be a Contextstack store with a schema this version knows, and pass SQLite's integrity check, before "
            "anything is replaced; the store it replaces is kept beside it. An older backup is upgraded by the "
            "next `contextstack serve`."
        ),
    )
    restore.add_argument("path", metavar="PATH", help="the backup file to restore")
    _store_options(restore)
    restore.set_defaults(local=restore_command)


def _store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        help="the store's SQLite file (default: as `serve` finds it: env CONTEXTSTACK_DB, the config file); a "
        "PostgreSQL store is backed up with pg_dump instead (docs/postgres.md)",
    )
    parser.add_argument(
        "--config",
        help="TOML config file (default: config.toml in the user config dir; env CONTEXTSTACK_CONFIG)",
    )


def _store(args: argparse.Namespace, command: str) -> Path:
    db = load_settings(args.config, db=args.db).db
    check_location(db)
    if is_postgres(db):
        tool = "pg_dump" if command == "backup" else "pg_restore (or psql, for a plain pg_dump)"
        raise ContextstackError(
            f"the store {without_password(db)} is a PostgreSQL database, and `contextstack {command}` is for SQLite "
            f"files: use PostgreSQL's own {tool}, as docs/postgres.md (Backups) shows"
        )
    if db == ":memory:" or db.startswith("file:"):
        raise ContextstackError(f"the store {db!r} is not a file; give one with --db")
    return Path(db)


def backup_command(args: argparse.Namespace) -> int:
    store = _store(args, "backup")
    destination = Path(args.path)
    if destination.is_dir():
        destination /= f"contextstack-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.db"
    if destination.exists() and not args.force:
        return _fail(f"{destination} exists; give another PATH, or pass --force to replace it")
    if not destination.parent.is_dir():
        return _fail(f"there is no folder {destination.parent} to write {destination.name} in")
    try:
        made = backup_store(store, destination)
    except (ContextstackError, OSError) as exc:
        return _fail(str(getattr(exc, "detail", exc)))
    print(f"backed up {store} (schema {made.schema_version}, {_size(made.size)}) to {made.path}")
    return 0


def restore_command(args: argparse.Namespace) -> int:
    store = _store(args, "restore-backup")
    try:
        restored = restore_store(Path(args.path), store)
    except StoreInUse as exc:
        return _fail(f"{exc}. Stop that daemon before restoring a backup over its store.")
    except (ContextstackError, OSError) as exc:
        return _fail(f"nothing was restored: {getattr(exc, 'detail', exc)}")
    backup = restored.backup
    print(f"restored {backup.path} (schema {backup.schema_version}, {_size(backup.size)}) to {store}")
    if restored.replaced is not None:
        print(f"  the store it replaced is kept at {restored.replaced}; delete it once you no longer need it")
    if backup.schema_version < latest_version():
        print(f"  the next `contextstack serve` upgrades it to schema {latest_version()} (backing it up first)")
    return 0


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _fail(message: str) -> int:
    print(f"contextstack: {' '.join(message.split())}", file=sys.stderr)
    return 1
