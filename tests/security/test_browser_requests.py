"""Browser pages: only the daemon's own pages and configured origins may call it, bodies must say they are JSON,
and a listed origin gets working CORS (preflights without the token, headers on every answer)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from contextstack.settings import Settings
from tests.conftest import serving
from tests.fakes.openai_upstream import FakeOpenAI
from tests.security.conftest import assert_in_shape, store_state

HELLO = {"model": "fake/fake-small", "messages": [{"role": "user", "content": "Hello?"}]}
LISTED = "https://app.example"
TOKEN = "front-door-token-1234"


@pytest.fixture
def served(proxy: str, proxy_settings: Settings, fake_openai: FakeOpenAI) -> Iterator[tuple[httpx.Client, str]]:
    """The daemon over real HTTP with a project `shop` in it; its client and its store's file."""
    with httpx.Client(base_url=proxy, timeout=10) as http:
        assert http.post("/api/projects", json={"name": "Shop", "slug": "shop"}).status_code == 201
        assert http.post(
            "/api/knowledge", json={"kind": "note", "title": "t", "body": "b", "project": "shop"}
        ).is_success
        yield http, proxy_settings.db


def _writes(http: httpx.Client) -> list[tuple[str, Any]]:
    """The writes a page would want to make blind: wipe a project's knowledge by import, spend money on a chat."""
    export = http.get("/api/projects/shop/export").json()
    export["knowledge"] = []
    return [
        ("/api/projects/import", {"export": export, "mode": "replace", "project": "shop"}),
        ("/api/projects", {"name": "Planted"}),
        ("/v1/chat/completions", HELLO),
        ("/p/shop/v1/chat/completions", HELLO),
    ]


# Other ports on both loopback families, loopback addresses the daemon does not answer to, the wrong scheme,
# and opaque origins (sandboxed frames, file:// pages).
FOREIGN_ORIGINS = [
    "http://localhost:9999",
    "http://127.0.0.1:9999",
    "http://[::1]:9999",
    "http://127.0.0.2:{port}",
    "https://127.0.0.1:{port}",
    "http://localhost",
    "http://127.0.0.1:{port}.evil.example",
    "null",
    "https://evil.example",
]


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_a_page_on_another_origin_cannot_write(
    served: tuple[httpx.Client, str], fake_openai: FakeOpenAI, origin: str
) -> None:
    http, db = served
    port = http.base_url.port
    before = store_state(db)
    for path, body in _writes(http):
        for media_type in ("text/plain", "application/json"):  # unpreflighted, and after a preflight
            response = http.post(
                path,
                content=httpx.Request("POST", "/", json=body).content,
                headers={"origin": origin.format(port=port), "content-type": media_type},
            )
            assert_in_shape(response, path, 403)
    assert store_state(db) == before
    assert fake_openai.requests == []
    assert http.get("/api/projects/shop").status_code == 200


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_the_daemons_own_pages_may_write(served: tuple[httpx.Client, str], host: str) -> None:
    http, _ = served
    origin = f"http://{host}:{http.base_url.port}"
    assert http.post("/api/projects", json={"name": f"From {host}"}, headers={"origin": origin}).status_code == 201


@pytest.mark.parametrize(
    "media_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/json",
        "application/jsonp",
        None,
    ],
)
def test_a_body_that_does_not_say_json_is_refused(
    served: tuple[httpx.Client, str], fake_openai: FakeOpenAI, media_type: str | None
) -> None:
    http, db = served
    before = store_state(db)
    for path, body in _writes(http):
        request = http.build_request("POST", path, json=body)
        if media_type is None:
            del request.headers["content-type"]
        else:
            request.headers["content-type"] = media_type
        response = http.send(request)
        error = assert_in_shape(response, path, 415)
        assert "application/json" in str(error.get("detail", error.get("message")))
    assert store_state(db) == before
    assert fake_openai.requests == []
    assert http.get("/health").status_code == 200


@pytest.mark.parametrize(
    "media_type",
    ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/merge-patch+json"],
)
def test_json_in_any_spelling_is_read(served: tuple[httpx.Client, str], media_type: str) -> None:
    http, _ = served
    response = http.post("/api/projects", content=b'{"name": "Spelled"}', headers={"content-type": media_type})
    assert response.status_code == 201, response.text
    chat = http.post("/v1/chat/completions", json=HELLO, headers={"content-type": media_type})
    assert chat.status_code == 200, chat.text


@pytest.fixture
def cors(tmp_path: Path, proxy_settings: Settings) -> Iterator[httpx.Client]:
    """The daemon with a token and one listed origin, over real HTTP."""
    settings = msgspec.structs.replace(proxy_settings, token=TOKEN, allowed_origins=[LISTED, "http://localhost:5173"])
    with serving(settings) as url, httpx.Client(base_url=url, timeout=10) as http:
        yield http


PREFLIGHTED = ["/api/projects", "/api/projects/shop/context", "/v1/chat/completions", "/p/shop/v1/chat/completions"]


@pytest.mark.parametrize("path", PREFLIGHTED)
def test_a_listed_origin_gets_its_preflight_without_the_token(cors: httpx.Client, path: str) -> None:
    for origin in (LISTED, "http://localhost:5173", LISTED.upper() + "/"):
        response = cors.options(
            path,
            headers={
                "origin": origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization, content-type, x-stainless-os",
            },
        )
        assert response.status_code == 204, response.text
        assert response.headers["access-control-allow-origin"] == origin
        assert "POST" in response.headers["access-control-allow-methods"]
        assert response.headers["access-control-allow-headers"] == "authorization, content-type, x-stainless-os"
        assert "Origin" in response.headers["vary"]


@pytest.mark.parametrize("path", ["/api/projects", "/v1/models", "/api/nothing-here", "/health"])
def test_a_listed_origin_gets_cors_headers_on_every_answer(cors: httpx.Client, path: str) -> None:
    authorized = cors.get(path, headers={"origin": LISTED, "authorization": f"Bearer {TOKEN}"})
    refused = cors.get(path, headers={"origin": LISTED})  # no token: the page can still read why
    for response in (authorized, refused):
        assert response.headers["access-control-allow-origin"] == LISTED
        assert "ETag" in response.headers["access-control-expose-headers"]
    assert refused.status_code in (200, 401)


@pytest.mark.parametrize("path", PREFLIGHTED)
def test_an_unlisted_origin_gets_no_cors(cors: httpx.Client, path: str) -> None:
    for origin in ("https://other.example", "http://localhost:9999", "https://app.example.evil"):
        preflight = cors.options(path, headers={"origin": origin, "access-control-request-method": "POST"})
        assert_in_shape(preflight, path, 403)
        assert "access-control-allow-origin" not in preflight.headers
        answer = cors.get(path, headers={"origin": origin, "authorization": f"Bearer {TOKEN}"})
        assert "access-control-allow-origin" not in answer.headers
