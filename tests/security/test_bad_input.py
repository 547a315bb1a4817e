"""Bad input is the client's 4xx, in the path's own error shape, with the store unchanged, the provider asked
nothing, and the daemon still serving: deep JSON, control characters in a model name, out-of-range integers,
and a provider answering a stream with a web page."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from contextstack.settings import Settings
from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.server import Fault
from tests.security.conftest import assert_in_shape, assert_openai_error, assert_problem, store_state

HELLO = [{"role": "user", "content": "Hello?"}]


@pytest.fixture
def served(proxy: str, proxy_settings: Settings, fake_openai: FakeOpenAI) -> Iterator[tuple[httpx.Client, str]]:
    with httpx.Client(base_url=proxy, timeout=10) as http:
        project = http.post("/api/projects", json={"name": "Shop", "slug": "shop"}).json()
        track = http.post(f"/api/projects/{project['id']}/tracks", json={"name": "T"}).json()
        phase = http.post(f"/api/tracks/{track['id']}/phases", json={"name": "P"}).json()
        http.post(f"/api/phases/{phase['id']}/steps", json={"title": "S"}).raise_for_status()
        yield http, proxy_settings.db


def _deep(shape: str, depth: int) -> bytes:
    if shape == "arrays":
        return b"[" * depth + b"]" * depth
    if shape == "objects":
        return b'{"a":' * depth + b"1" + b"}" * depth
    return b'[{"a":' * (depth // 2) + b"1" + b"}]" * (depth // 2)  # mixed


def _in_field(path: str, nested: bytes) -> bytes:
    """A body that is what the path expects except for one field holding `nested`."""
    field = {
        "/api/projects": b'{"name": "Deep", "description": %s}',
        "/api/knowledge": b'{"kind": "note", "title": "t", "body": "b", "tags": %s}',
        "/api/knowledge/bulk": b'{"items": %s}',
        "/api/projects/import": b'{"mode": "new", "export": {"format": %s}}',
        "/v1/chat/completions": b'{"model": "fake/fake-small", "messages": %s}',
        "/p/shop/v1/chat/completions": b'{"model": "fake/fake-small", "messages": [{"role": "user", "content": %s}]}',
    }[path]
    return field % nested


DEEP_PATHS = [
    "/api/projects",
    "/api/knowledge",
    "/api/knowledge/bulk",
    "/api/projects/import",
    "/v1/chat/completions",
    "/p/shop/v1/chat/completions",
]


@pytest.mark.parametrize("path", DEEP_PATHS)
@pytest.mark.parametrize(("shape", "depth"), [("arrays", 1_000), ("objects", 5_000), ("mixed", 100_000)])
def test_json_nested_too_deep_is_a_bad_request(
    served: tuple[httpx.Client, str], fake_openai: FakeOpenAI, path: str, shape: str, depth: int
) -> None:
    http, db = served
    before = store_state(db)
    nested = _deep(shape, depth)
    for body in (nested, _in_field(path, nested)):  # the whole body, and one field of a body otherwise right
        response = http.post(path, content=body, headers={"content-type": "application/json"})
        assert_in_shape(response, path, 400)
    assert store_state(db) == before
    assert fake_openai.requests == []
    assert http.get("/api/projects/shop").status_code == 200


@pytest.mark.parametrize("character", ["\r", "\n", "\x00", "\x7f", "\x1b", "\t"])
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/p/shop/v1/chat/completions"])
def test_a_model_name_with_a_control_character_is_refused_before_sending(
    served: tuple[httpx.Client, str], fake_openai: FakeOpenAI, character: str, path: str
) -> None:
    http, db = served
    before = store_state(db)
    for model in ("fake/fake-small" + character, "fake/fake" + character + "small", character + "fake/fake-small"):
        for stream in (False, True):
            response = http.post(path, json={"model": model, "messages": HELLO, "stream": stream})
            error = assert_openai_error(response, 400)
            assert error["param"] == "model"
    assert fake_openai.requests == []
    assert store_state(db) == before
    assert http.post(path, json={"model": "fake/fake-small", "messages": HELLO}).status_code == 200


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(repr(value).encode()).decode().rstrip("=")


BAD_COUNTS = ["²", "١٢", "9" * 5000, "9223372036854775808", "-1", "1e3", "0x10", "1 2", "+5", "1_000"]


@pytest.mark.parametrize("listing", ["/api/projects/shop/activity", "/api/projects/shop/tracks"])
def test_a_cursor_past_int64_is_a_bad_request(served: tuple[httpx.Client, str], listing: str) -> None:
    http, _ = served
    for value in (2**63, 2**64, 10**30, -1, -(2**63) - 1):
        body = assert_problem(http.get(listing, params={"cursor": _cursor(value)}), 400)
        assert body["errors"] == [{"field": "query.cursor", "message": "unknown cursor"}]
    assert http.get(listing).status_code == 200


def test_a_last_event_id_that_is_not_an_event_id_is_a_bad_request(served: tuple[httpx.Client, str]) -> None:
    http, _ = served
    for value in BAD_COUNTS:
        response = http.get("/api/events", headers={"last-event-id": value.encode()})
        body = assert_problem(response, 400)
        assert body["errors"][0]["field"] == "header.Last-Event-ID"
    assert http.get("/api/projects/shop").status_code == 200


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/p/shop/v1/chat/completions"])
def test_a_budget_header_that_is_not_a_budget_is_refused_before_sending(
    served: tuple[httpx.Client, str], fake_openai: FakeOpenAI, path: str
) -> None:
    http, _ = served
    for value in [*BAD_COUNTS, "1000001"]:
        response = http.post(
            path,
            json={"model": "fake/fake-small", "messages": HELLO},
            headers={"x-contextstack-project": "shop", "x-contextstack-budget": value.encode()},
        )
        error = assert_openai_error(response, 400)
        assert error["param"] == "header.X-Contextstack-Budget"
    assert fake_openai.requests == []


@pytest.mark.parametrize("since", ["9223372036854775808", "9" * 5000, "-1"])
def test_an_event_stream_since_past_int64_is_a_bad_request(served: tuple[httpx.Client, str], since: str) -> None:
    http, _ = served
    assert_problem(http.get("/api/events", params={"since": since}), 400)


@pytest.mark.parametrize("model", ["fake/fake-small", "fake/fake-large"])
@pytest.mark.parametrize("stream", [True, False])
def test_a_web_page_for_an_answer_is_a_bad_gateway(
    served: tuple[httpx.Client, str], fake_openai: FakeOpenAI, model: str, stream: bool
) -> None:
    http, _ = served
    fake_openai.fault = Fault.html()
    response = http.post("/v1/chat/completions", json={"model": model, "messages": HELLO, "stream": stream})
    error = assert_openai_error(response, 502, "upstream_malformed_response")
    assert "text/event-stream" not in response.headers["content-type"]
    assert "sign in" not in error["message"].lower()  # the page itself is not relayed
    fake_openai.fault = None
    assert http.post("/v1/chat/completions", json={"model": model, "messages": HELLO}).status_code == 200


def test_a_web_page_for_a_stream_moves_an_alias_on(served: tuple[httpx.Client, str], fake_openai: FakeOpenAI) -> None:
    http, _ = served
    fake_openai.fault = Fault.html()
    response = http.post("/v1/chat/completions", json={"model": "quick", "messages": HELLO, "stream": True})
    assert response.status_code == 200, response.text
    assert response.headers["x-contextstack-model"] == "claude/claude-fake-1"
    assert response.headers["content-type"].startswith("text/event-stream")
