"""Keys stay out of answers and logs, and what a client sends cannot forge or colour a log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest
from litestar.testing import AsyncTestClient

from contextstack.redaction import RedactingFilter, redact
from contextstack.settings import Settings
from tests.conftest import serving
from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.server import Fault
from tests.security.conftest import assert_openai_error

HELLO = [{"role": "user", "content": "Hello?"}]
# A key with no telling shape: only knowing it was configured finds it.
PLAIN_KEY = "correct-horse-battery-staple"


@pytest.fixture
def plain_key_proxy(proxy_settings: Settings, fake_openai: FakeOpenAI, no_provider_keys: None) -> Iterator[str]:
    providers = dict(proxy_settings.providers)
    providers["fake"] = msgspec.structs.replace(providers["fake"], api_key=PLAIN_KEY)
    fake_openai.api_key = PLAIN_KEY
    with serving(msgspec.structs.replace(proxy_settings, providers=providers)) as url:
        yield url


def _secrets_in(text: str) -> list[str]:
    return [s for s in (PLAIN_KEY, "sk-fake-openai-key", "Bearer correct", "Bearer sk-") if s in text]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 429])
@pytest.mark.parametrize("stream", [False, True])
def test_a_provider_echoing_the_key_does_not_put_it_in_the_answer(
    plain_key_proxy: str, fake_openai: FakeOpenAI, status: int, stream: bool
) -> None:
    fake_openai.fault = Fault.echo_credentials(status)
    response = httpx.post(
        plain_key_proxy + "/v1/chat/completions",
        json={"model": "fake/fake-small", "messages": HELLO, "stream": stream},
        timeout=10,
    )
    error = assert_openai_error(response, status)
    assert PLAIN_KEY in fake_openai.last.headers["authorization"]  # it was sent, and echoed back
    assert _secrets_in(response.text) == [], response.text
    assert "[redacted]" in error["message"]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_key_echoed_in_a_fallback_is_not_logged(
    plain_key_proxy: str, fake_openai: FakeOpenAI, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    fake_openai.fault = Fault.echo_credentials(status)
    with caplog.at_level(logging.INFO):
        response = httpx.post(
            plain_key_proxy + "/v1/chat/completions", json={"model": "quick", "messages": HELLO}, timeout=10
        )
    assert response.status_code == 200, response.text
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "falling back" in logged
    assert _secrets_in(logged) == [], logged


@pytest.mark.parametrize(
    "line",
    [
        "upstream said: Authorization: Bearer {key}",
        "upstream said: {key}",
        '{{"x-api-key": "{key}"}}',
        "token={key}&next=1",
    ],
)
@pytest.mark.parametrize("key", [PLAIN_KEY, "sk-proj-abcdefghijklmnop", "gsk_abcdefghijklmnop", "the-daemon-token-99"])
def test_every_log_line_is_redacted(line: str, key: str) -> None:
    record = logging.LogRecord(
        "contextstack.providers", logging.WARNING, __file__, 1, "%s", (line.format(key=key),), None
    )
    RedactingFilter([PLAIN_KEY, "the-daemon-token-99"]).filter(record)
    assert key not in record.getMessage()
    assert "[redacted]" in record.getMessage()


@pytest.mark.parametrize(
    "text", ["gpt-4.1-mini is not a model", "the task-list-builder failed", "Bearer realm required", "status 401"]
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text, [PLAIN_KEY]) == text


@pytest.mark.parametrize(
    "path",
    [
        "/api/projects/x%0a2026-01-01 INFO contextstack.access GET /api/ok 200",
        "/api/projects/x%0d%0aforged",
        "/api/projects/%1b[31mred%1b[0m",
        "/api/projects/%00nul%7fdel%c2%9bcsi",
        "/v1/x%0aforged",
    ],
)
async def test_a_path_cannot_forge_or_colour_a_log_line(
    client: AsyncTestClient[Any], caplog: pytest.LogCaptureFixture, path: str
) -> None:
    with caplog.at_level(logging.INFO, logger="contextstack.access"):
        response = await client.get(path)
    assert response.status_code in (400, 404)
    lines = [r.getMessage() for r in caplog.records if r.name == "contextstack.access"]
    assert len(lines) == 1
    assert all(ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F for c in lines[0]), repr(lines[0])
    assert "\\x0a" in lines[0] or "\\x1b" in lines[0] or "\\x00" in lines[0]
    assert (await client.get("/health")).status_code == 200
