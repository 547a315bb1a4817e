"""Whatever goes wrong on the proxy's paths, an OpenAI client gets an error in OpenAI's shape; elsewhere, problem+json."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import msgspec
import openai
import pytest

from contextstack.settings import MAX_BODY_BYTES, Settings
from tests.conftest import serving
from tests.fakes.openai_upstream import FakeOpenAI
from tests.proxy.test_faults import assert_openai_error

TOKEN = "daemon-token-123"
HELLO = [{"role": "user", "content": "Hello?"}]


@pytest.fixture
def guarded_proxy(proxy_settings: Settings, no_provider_keys: None) -> Iterator[str]:
    """The proxy of a daemon that needs an access token."""
    settings = msgspec.structs.replace(proxy_settings, token=TOKEN)
    with serving(settings) as url:
        yield url


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/v1/moderations", 404),
        ("GET", "/v1/no/such/thing", 404),
        ("POST", "/p/launch/v1/audio/speech", 404),
        ("GET", "/v1/responses", 405),
        ("GET", "/p/launch/v1/embeddings", 405),
        ("GET", "/v1/chat/completions", 405),
        ("PUT", "/p/launch/v1/chat/completions", 405),
        ("DELETE", "/v1/models", 405),
    ],
)
def test_what_reaches_no_proxy_route_is_an_openai_error(proxy: str, method: str, path: str, status: int) -> None:
    error = assert_openai_error(httpx.request(method, proxy + path), status)
    assert error["type"] == "invalid_request_error"
    assert f"{method} " in error["message"]
    assert path in error["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/chat/completions",
        "/p/launch/v1/chat/completions",
        "/v1/responses",
        "/p/launch/v1/responses",
        "/v1/embeddings",
        "/p/launch/v1/embeddings",
    ],
)
@pytest.mark.parametrize("announced", [True, False], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_is_a_413_and_reaches_no_provider(
    proxy: str, fake_openai: FakeOpenAI, path: str, announced: bool
) -> None:
    body = b'{"model": "fake/fake-small", "messages": [{"role": "user", "content": "' + b"x" * MAX_BODY_BYTES + b'"}]}'

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1 << 20):
            yield body[start : start + (1 << 20)]

    response = httpx.post(
        proxy + path, content=body if announced else chunks(), headers={"content-type": "application/json"}
    )
    error = assert_openai_error(response, 413)
    assert str(MAX_BODY_BYTES) in error["message"]
    assert fake_openai.requests == []


def test_the_sdk_reads_a_missing_endpoint_as_not_found(proxy: str) -> None:
    client = openai.OpenAI(base_url=proxy + "/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.NotFoundError) as raised:
        client.moderations.create(model="fake/fake-small", input="hello")
    assert raised.value.status_code == 404
    assert isinstance(raised.value.body, dict)
    assert raised.value.body["type"] == "invalid_request_error"


def test_other_unknown_paths_stay_problem_documents(proxy: str) -> None:
    response = httpx.get(proxy + "/api/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


def test_a_missing_daemon_token_is_an_openai_401_on_the_proxy(guarded_proxy: str, fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=guarded_proxy + "/v1", api_key="a-provider-key", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as raised:
        client.chat.completions.create(model="fake/fake-small", messages=HELLO)  # type: ignore[arg-type]
    assert isinstance(raised.value.body, dict)
    assert raised.value.body["code"] == "unauthorized"
    assert raised.value.body["type"] == "authentication_error"
    assert "access token" in raised.value.body["message"]
    assert raised.value.response.headers["www-authenticate"] == 'Bearer realm="contextstack"'
    assert fake_openai.requests == []  # refused before anything reached the provider


def test_the_daemon_token_as_the_sdks_key_gets_through(guarded_proxy: str, fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=guarded_proxy + "/v1", api_key=TOKEN, max_retries=0)
    completion = client.chat.completions.create(model="fake/fake-small", messages=HELLO)  # type: ignore[arg-type]
    assert completion.choices[0].message.content
    assert TOKEN not in str(fake_openai.last.headers)


def test_a_missing_token_elsewhere_is_still_a_problem_document(guarded_proxy: str) -> None:
    response = httpx.get(guarded_proxy + "/api/projects")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 401


@pytest.mark.parametrize(
    "path", ["/v1/responses", "/p/launch/v1/responses", "/v1/embeddings", "/p/launch/v1/embeddings"]
)
def test_every_dialect_needs_the_daemon_token(guarded_proxy: str, fake_openai: FakeOpenAI, path: str) -> None:
    assert httpx.post(
        guarded_proxy + "/api/projects",
        json={"name": "Launch", "slug": "launch"},
        headers={"authorization": f"Bearer {TOKEN}"},
    ).is_success
    body = {"model": "fake/fake-small", "input": "Hello?"}
    error = assert_openai_error(httpx.post(guarded_proxy + path, json=body), 401)
    assert error["code"] == "unauthorized"
    assert fake_openai.requests == []
    answered = httpx.post(guarded_proxy + path, json=body, headers={"authorization": f"Bearer {TOKEN}"})
    assert answered.status_code == 200, answered.text
    assert TOKEN not in str(fake_openai.last.headers)
