"""Shared by the front-door tests: the fakes, a fingerprint of the store, and the shapes errors come in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from contextstack.storage.urls import is_postgres
from tests.conftest import query, table_names
from tests.fakes.fixtures import (
    fake_anthropic,
    fake_anthropic_server,
    fake_openai,
    fake_openai_server,
    no_provider_keys,
    proxy,
    proxy_settings,
)

__all__ = [
    "fake_anthropic",
    "fake_anthropic_server",
    "fake_openai",
    "fake_openai_server",
    "no_provider_keys",
    "proxy",
    "proxy_settings",
]


def store_state(db_path: Path | str) -> tuple[Any, ...]:
    """What the store holds, in a comparable form: every table's rows (a change also writes an event row)."""
    if not is_postgres(str(db_path)) and not Path(db_path).exists():
        return ()
    return tuple((table, query(db_path, f'SELECT * FROM "{table}" ORDER BY 1')) for table in table_names(db_path))


def assert_problem(response: httpx.Response, status: int, slug: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem with this status (and type slug)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json", response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert body["detail"]
    if slug is not None:
        assert body["type"] == f"https://contextstack.dev/problems/{slug}", body
    return body


def assert_openai_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """An error in OpenAI's shape, with this status (and code)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    error: dict[str, Any] = response.json()["error"]
    assert set(error) >= {"message", "type"}
    assert error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error


def assert_in_shape(response: httpx.Response, path: str, status: int) -> dict[str, Any]:
    """The error in the shape the path's clients read: OpenAI's under /v1, problem+json elsewhere."""
    if path.startswith(("/v1", "/p/")):
        return assert_openai_error(response, status)
    return assert_problem(response, status)
