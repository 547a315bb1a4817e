"""What a `db` setting names, and how the PostgreSQL store's statements are written for it."""

from __future__ import annotations

import pytest

from contextstack.errors import StoreError
from contextstack.storage import SQLiteDatabase, open_database
from contextstack.storage.postgres import PostgresDatabase, _prepare, _translate
from contextstack.storage.urls import check_location, password_of, without_password


def test_a_path_is_sqlite_and_a_postgresql_url_is_postgresql() -> None:
    assert isinstance(open_database("/tmp/x/contextstack.db"), SQLiteDatabase)
    assert isinstance(open_database("relative/store.db"), SQLiteDatabase)
    assert isinstance(open_database("postgresql://me@db.example/ctx"), PostgresDatabase)
    assert isinstance(open_database("POSTGRES://me@db.example/ctx"), PostgresDatabase)


@pytest.mark.parametrize("url", ["mysql://me@host/db", "sqlite:///tmp/x.db", "http://example.com/store"])
def test_any_other_scheme_is_refused_naming_the_known_ones(url: str) -> None:
    with pytest.raises(StoreError) as refused:
        check_location(url)
    assert url.split("://")[0] + "://" in str(refused.value)
    assert "postgresql://" in str(refused.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://me:s3cret@db.example:5432/ctx?sslmode=require",
            "postgresql://me@db.example:5432/ctx?sslmode=require",
        ),
        ("postgres://:s3cret@db.example/ctx", "postgres://db.example/ctx"),
        ("postgresql:///ctx?host=/run/pg&password=s3cret", "postgresql:///ctx?host=/run/pg&password=***"),
        ("postgresql://me@db.example/ctx", "postgresql://me@db.example/ctx"),
        ("/home/me/contextstack.db", "/home/me/contextstack.db"),
    ],
)
def test_a_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert without_password(url) == shown
    assert "s3cret" not in without_password(url)
    assert "s3cret" not in open_database(url).location
    if "s3cret" in url:
        assert password_of(url) == "s3cret"


def test_placeholders_become_numbered_outside_literals_and_casts() -> None:
    assert _translate("SELECT * FROM t WHERE a = ? AND b = '?' AND c = ?") == (
        "SELECT * FROM t WHERE a = $1 AND b = '?' AND c = $2",
        None,
    )
    assert _translate("SELECT :a::bigint, ':b', :a, :c -- :d\n") == (
        "SELECT $1::bigint, ':b', $1, $2 -- :d\n",
        ("a", "c"),
    )
    assert _translate("SELECT 'it''s ?', ?") == ("SELECT 'it''s ?', $1", None)
    assert _prepare("SELECT :x, :y, :x", {"y": 2, "x": 1}) == ("SELECT $1, $2, $1", [1, 2])


def test_mixed_or_missing_parameters_are_a_store_error() -> None:
    with pytest.raises(StoreError):
        _translate("SELECT ?, :a")
    with pytest.raises(StoreError, match=":b"):
        _prepare("SELECT :a, :b", {"a": 1})
    with pytest.raises(StoreError):
        _prepare("SELECT ?", {"a": 1})
