"""`contextstack migrate-store --from PATH_OR_URL --to PATH_OR_URL` copies a whole store into an empty one.

SQLite to PostgreSQL when a store starts being shared, PostgreSQL to SQLite for the way back (or a portable snapshot),
or SQLite to SQLite. The copying is storage/copy.py's; this module opens the two stores, keeps daemons off a SQLite
one (its lock), and gives the copy the stores' own ways of making PostgreSQL's full-text columns.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from contextstack.conversations.fulltext import words_of
from contextstack.errors import ContextstackError, StoreError
from contextstack.memory.store import search_columns
from contextstack.storage import Database, open_database
from contextstack.storage.copy import Copied, Derived, copy_store
from contextstack.storage.lock import StoreInUse, lock_store, release_store
from contextstack.storage.urls import check_location, is_postgres, without_password

log = logging.getLogger("contextstack")

# A tsvector of a text's words, as the stores write it (memory/store.py, conversations/store.py).
_VECTOR = "array_to_tsvector(CAST(? AS text[]))"
_CONVERSATION_SEARCH = ("search_vector", "search_words")
_WORDS = ("CAST(? AS tsvector)", "?")


def _knowledge_words(row: Mapping[str, Any]) -> Sequence[Any]:
    tags = json.loads(row["tags"]) if row["tags"] else []
    return search_columns(row["title"], row["body"], tags)


def postgres_columns() -> list[Derived]:
    """PostgreSQL's full-text columns (SQLite has FTS5 tables instead), made from each row as the stores make them."""
    return [
        Derived("knowledge", ("search_vector", "search_length"), (_VECTOR, "?"), _knowledge_words),
        # A title's or a message's words with their counts, and how many it holds (conversations/fulltext.py).
        Derived("conversations", _CONVERSATION_SEARCH, _WORDS, lambda row: tuple(words_of(row["title"]))),
        Derived("messages", _CONVERSATION_SEARCH, _WORDS, lambda row: tuple(words_of(row["text"]))),
    ]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    migrate = commands.add_parser(
        "migrate-store",
        help="copy a whole store into an empty one: SQLite or PostgreSQL, either way (stop the daemons first)",
        description=(
            "Copy every row of the store at --from into the empty store at --to, with the same ids, versions and "
            "times: projects, plans, knowledge, conversations, checkpoints, events. Each is a SQLite file's path or "
            "a PostgreSQL URL (postgresql://user@host/dbname). A target holding anything is refused, and left as it "
            "was; so is a copy that fails. Stop every daemon on the two stores first (docs/postgres.md)."
        ),
    )
    migrate.add_argument("--from", dest="source", required=True, metavar="PATH_OR_URL", help="the store to copy")
    migrate.add_argument("--to", dest="target", required=True, metavar="PATH_OR_URL", help="the empty store to fill")
    migrate.set_defaults(local=migrate_store_command)


def _fail(message: str) -> int:
    print(f"contextstack: {' '.join(message.split())}", file=sys.stderr)
    return 1


def migrate_store_command(args: argparse.Namespace) -> int:
    source, target = str(args.source), str(args.target)
    check_location(source)
    check_location(target)
    if not is_postgres(source) and not Path(source).is_file():
        return _fail(f"there is no store at {source} to copy")
    same = source == target if is_postgres(source) else Path(source).resolve() == Path(target).resolve()
    if same and is_postgres(source) == is_postgres(target):
        return _fail("--from and --to name the same store")
    made = not is_postgres(target) and not Path(target).exists()
    with ExitStack() as locks:
        for location in (source, target):
            if is_postgres(location):
                continue
            try:
                held: IO[str] | None = lock_store(location)
            except StoreInUse as exc:
                return _fail(f"{exc}. Stop it before copying the store.")
            if held is not None:
                locks.callback(release_store, held)
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
        try:
            copied, version = asyncio.run(_migrate(source, target))
        except ContextstackError:
            if made:
                _remove_sqlite(Path(target))
            raise
    rows = sum(table.rows for table in copied)
    print(f"copied {rows} rows in {len(copied)} tables from {without_password(source)} to {without_password(target)}")
    for table in copied:
        if table.rows:
            print(f"  {table.table}: {table.rows}")
    print(f"  the copy is at schema {version}; point the daemon at it with --db, CONTEXTSTACK_DB or db in the config")
    return 0


def _remove_sqlite(path: Path) -> None:
    """A SQLite target this command made, gone again: a failed copy leaves nothing behind."""
    for name in (path.name, path.name + "-wal", path.name + "-shm", path.name + ".lock"):
        (path.parent / name).unlink(missing_ok=True)


async def _migrate(source_location: str, target_location: str) -> tuple[list[Copied], int]:
    source = open_database(source_location, readers=1)
    target = open_database(target_location, readers=1)
    await source.open()
    try:
        await target.open()
        try:
            return await _copy(source, target), target.schema_version
        finally:
            await target.close()
    finally:
        await source.close()


async def _copy(source: Database, target: Database) -> list[Copied]:
    log.info("copying %s to %s", source.location, target.location)

    def done(table: str, rows: int) -> None:
        if rows:
            log.info("copied %s: %d rows", table, rows)

    try:
        return await copy_store(
            source, target, derived=postgres_columns() if target.dialect == "postgresql" else (), progress=done
        )
    except StoreError:
        raise
    except Exception as exc:  # a row the target refused: say which store, never with its password
        raise StoreError(f"the copy to {target.location} failed, and nothing was copied: {exc}") from exc
