"""Where the store is: a SQLite file path or a PostgreSQL URL, told apart, checked, and shown without secrets."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from contextstack.errors import StoreError

POSTGRES_SCHEMES = ("postgresql", "postgres")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def scheme_of(db: str) -> str | None:
    """The URL scheme `db` starts with (`postgresql` of `postgresql://…`), or None for a file path."""
    found = _SCHEME.match(db)
    return found.group(1).lower() if found else None


def is_postgres(db: str) -> bool:
    return scheme_of(db) in POSTGRES_SCHEMES


def check_location(db: str) -> None:
    """A StoreError, saying what is known, for a URL of any scheme but PostgreSQL's; file paths pass."""
    scheme = scheme_of(db)
    if scheme is not None and scheme not in POSTGRES_SCHEMES:
        raise StoreError(
            f"the store {without_password(db)!r} has the scheme {scheme}://, which Contextstack does not know: "
            "give a SQLite file path, or a PostgreSQL URL (postgresql://user@host/dbname or postgres://…)"
        )


def without_password(db: str) -> str:
    """`db` fit to show in a log line, an error or /health: a URL loses its password (and any in its query)."""
    if scheme_of(db) is None:
        return db
    try:
        parts = urlsplit(db)
        netloc = parts.netloc
        if "@" in netloc:
            credentials, _, host = netloc.rpartition("@")
            user = credentials.partition(":")[0]
            netloc = f"{user}@{host}" if user else host
        query = "&".join(
            f"{name}=***" if name.lower() == "password" else f"{name}={value}" if sep else name
            for name, sep, value in (item.partition("=") for item in parts.query.split("&") if item)
        )
        return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")
    except ValueError:
        return f"{scheme_of(db)}://…"


def password_of(db: str) -> str | None:
    """The password a PostgreSQL URL carries (in its user part or its query), if any."""
    if scheme_of(db) is None:
        return None
    try:
        parts = urlsplit(db)
        password = parts.password or next(iter(parse_qs(parts.query).get("password", [])), None)
    except ValueError:
        return None
    return password or None
