"""When upstream misbehaves, the client hears what happened in OpenAI's error shape, with a telling status,
and a stream never hangs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from contextstack.settings import ProviderConfig, Settings
from tests.conftest import serving
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.fixtures import ANTHROPIC_KEY, OPENAI_KEY
from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.server import Fault

HELLO = [{"role": "user", "content": "Hello?"}]


def sdk(proxy: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=proxy + "/v1", api_key="unused", max_retries=0)


def chat(proxy: str, **body: Any) -> httpx.Response:
    return httpx.post(proxy + "/v1/chat/completions", json={"messages": HELLO, **body}, timeout=10)


def assert_openai_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str)
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    return error


@pytest.mark.parametrize(
    ("upstream_status", "status", "error_type", "exception"),
    [
        (400, 400, "invalid_request_error", openai.BadRequestError),
        (401, 401, "invalid_request_error", openai.AuthenticationError),
        (404, 404, "invalid_request_error", openai.NotFoundError),
        (429, 429, "requests", openai.RateLimitError),
        (500, 502, "upstream_error", openai.InternalServerError),
        (503, 502, "upstream_error", openai.InternalServerError),
    ],
)
def test_an_upstream_error_status_tells_the_client_what_happened(
    proxy: str, fake_openai: FakeOpenAI, upstream_status: int, status: int, error_type: str, exception: type[Exception]
) -> None:
    fake_openai.fault = Fault.answer(upstream_status)
    error = assert_openai_error(chat(proxy, model="fake/fake-small"), status)
    assert error["type"] == error_type
    assert error["message"].startswith("fake/fake-small: ")
    with pytest.raises(exception):
        sdk(proxy).chat.completions.create(model="fake/fake-small", messages=HELLO)


def test_connections_to_a_provider_are_kept_alive_through_answers_streams_and_errors(
    proxy: str, fake_openai: FakeOpenAI
) -> None:
    client = sdk(proxy)
    client.chat.completions.create(model="fake/fake-small", messages=HELLO)
    assert "".join(
        chunk.choices[0].delta.content or ""
        for chunk in client.chat.completions.create(model="fake/fake-small", messages=HELLO, stream=True)
    )
    fake_openai.fault = Fault.answer(429)
    assert_openai_error(chat(proxy, model="fake/fake-small"), 429)
    fake_openai.fault = None
    chat(proxy, model="fake/fake-small", stream=True)
    assert len({request.port for request in fake_openai.requests}) == 1
    # A stream cut short leaves no connection to reuse: the next request opens a new one, and succeeds.
    fake_openai.fault = Fault.drop_mid_stream(after_events=1)
    assert b"upstream_error" in chat(proxy, model="fake/fake-small", stream=True).content
    fake_openai.fault = None
    assert chat(proxy, model="fake/fake-small").status_code == 200
    assert len({request.port for request in fake_openai.requests}) == 2


def test_a_rate_limit_passes_on_when_to_retry(proxy: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.fault = Fault.answer(429)
    response = chat(proxy, model="fake/fake-small")
    assert_openai_error(response, 429, "rate_limit_exceeded")
    assert response.headers["retry-after"] == "7"


def test_a_bad_provider_key_is_a_401(proxy: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.api_key = "a-different-key"
    with pytest.raises(openai.AuthenticationError) as caught:
        sdk(proxy).chat.completions.create(model="fake/fake-small", messages=HELLO)
    assert caught.value.code == "invalid_api_key"


@pytest.mark.parametrize(("upstream_status", "status"), [(401, 401), (429, 429), (529, 502), (500, 502)])
def test_anthropic_errors_map_the_same_way(
    proxy: str, fake_anthropic: FakeAnthropic, upstream_status: int, status: int
) -> None:
    fake_anthropic.fault = Fault.answer(upstream_status)
    error = assert_openai_error(chat(proxy, model="claude/claude-fake-1"), status)
    if status < 500:
        assert error["message"].endswith("fake " + error["type"])


def test_a_provider_without_a_key_is_a_401_that_says_which_variable_to_set(proxy: str) -> None:
    error = assert_openai_error(chat(proxy, model="openai/gpt-4.1-mini"), 401, "missing_api_key")
    assert "OPENAI_API_KEY" in error["message"]
    assert error["message"].startswith("openai/gpt-4.1-mini: "), "messages start with the provider/model at fault"


@pytest.mark.parametrize("stream", [False, True])
def test_malformed_json_from_upstream_is_a_bad_gateway(proxy: str, fake_openai: FakeOpenAI, stream: bool) -> None:
    fake_openai.fault = Fault.malformed()
    if not stream:
        assert_openai_error(chat(proxy, model="fake/fake-small"), 502, "upstream_malformed_response")
        return
    # A pass-through stream is relayed as it comes: the client's SDK is the one to notice the bad event.
    with pytest.raises(Exception, match="Expecting property name"):
        list(sdk(proxy).chat.completions.create(model="fake/fake-small", messages=HELLO, stream=True))


def test_a_malformed_anthropic_stream_event_ends_the_stream_with_an_error(
    proxy: str, fake_anthropic: FakeAnthropic
) -> None:
    fake_anthropic.fault = Fault.malformed()
    with pytest.raises(openai.APIError, match="malformed 'content_block_delta' stream event"):
        list(sdk(proxy).chat.completions.create(model="claude/claude-fake-1", messages=HELLO, stream=True))


def test_an_anthropic_error_event_mid_stream_reaches_the_client(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    fake_anthropic.stream_error = True
    received = []
    with pytest.raises(openai.APIError, match="Overloaded"):
        for chunk in sdk(proxy).chat.completions.create(model="claude/claude-fake-1", messages=HELLO, stream=True):
            received.append(chunk)
    assert received, "what arrived before the error was delivered"


@pytest.mark.parametrize("model", ["fake/fake-small", "claude/claude-fake-1"])
def test_a_connection_dropped_mid_stream_ends_with_an_error_event_not_a_hang(
    proxy: str, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic, model: str
) -> None:
    fake_openai.fault = fake_anthropic.fault = Fault.drop_mid_stream(after_events=3)
    body = {"model": model, "messages": HELLO, "stream": True}
    with httpx.stream("POST", proxy + "/v1/chat/completions", json=body, timeout=10) as response:
        assert response.status_code == 200
        raw = response.read()
    events = raw.split(b"\n\n")
    assert events[-1] == b""
    assert events[-2].startswith(b'data: {"error":'), raw
    assert b"mid-stream" in events[-2]
    assert b"[DONE]" not in raw
    assert all(event.startswith((b"data: {", b"event:")) for event in events[:-1]), "no half event was relayed"
    with pytest.raises(openai.APIError, match="mid-stream"):
        list(sdk(proxy).chat.completions.create(model=model, messages=HELLO, stream=True))


@pytest.fixture
def impatient_proxy(proxy_settings: Settings, no_provider_keys: None) -> Iterator[str]:
    """The proxy with a 0.3 s read timeout on each fake provider."""
    providers = {
        name: ProviderConfig(kind=config.kind, base_url=config.base_url, api_key=config.api_key, read_timeout=0.3)
        for name, config in proxy_settings.providers.items()
    }
    settings = Settings(db=proxy_settings.db, providers=providers, aliases=proxy_settings.aliases)
    with serving(settings) as url:
        yield url


def test_a_slow_first_byte_within_the_read_timeout_is_only_slow(proxy: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.fault = Fault.slow_first_byte(0.2)
    assert chat(proxy, model="fake/fake-small").status_code == 200


def test_a_stall_mid_stream_ends_with_a_timeout_error_event(impatient_proxy: str, fake_openai: FakeOpenAI) -> None:
    fake_openai.event_delay = 1.0
    body = {"model": "fake/fake-small", "messages": HELLO, "stream": True}
    with httpx.stream("POST", impatient_proxy + "/v1/chat/completions", json=body, timeout=10) as response:
        raw = response.read()
    assert raw.startswith(b"data: {")
    assert raw.endswith(b"\n\n")
    assert b'"code":"upstream_timeout"' in raw.split(b"\n\n")[-2]


@pytest.mark.parametrize(
    ("fault", "stream", "falls_back"),
    [
        (Fault.answer(500), False, True),
        (Fault.answer(500), True, True),
        (Fault.answer(503), False, True),
        (Fault.answer(429), False, True),
        (Fault.answer(429), True, True),
        (Fault.drop_mid_stream(after_events=0), True, True),
        (Fault.answer(400), False, False),
        (Fault.answer(401), True, False),
    ],
)
def test_an_alias_falls_back_when_its_first_model_fails_before_any_byte(
    proxy: str, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic, fault: Fault, stream: bool, falls_back: bool
) -> None:
    fake_openai.fault = fault
    response = chat(proxy, model="quick", stream=stream)
    assert len(fake_openai.requests) == 1
    if falls_back:
        assert response.status_code == 200, response.text
        assert response.headers["x-contextstack-model"] == "claude/claude-fake-1"
        assert fake_anthropic.last.json()["model"] == "claude-fake-1"
    else:
        assert_openai_error(response, fault.status)
        assert fake_anthropic.requests == []


def test_a_timeout_falls_back_too(impatient_proxy: str, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic) -> None:
    fake_openai.fault = Fault.slow_first_byte(1.0)
    response = chat(impatient_proxy, model="quick")
    assert response.status_code == 200
    assert response.headers["x-contextstack-model"] == "claude/claude-fake-1"


def test_when_every_model_of_an_alias_fails_the_last_error_is_answered(
    proxy: str, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic
) -> None:
    fake_openai.fault = Fault.answer(500)
    fake_anthropic.fault = Fault.answer(429)
    error = assert_openai_error(chat(proxy, model="quick"), 429)
    assert error["message"].startswith("claude/claude-fake-1: ")


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/p/launch/v1/chat/completions"])
def test_a_client_that_goes_away_cancels_the_upstream_request(proxy: str, fake_openai: FakeOpenAI, path: str) -> None:
    assert httpx.post(proxy + "/api/projects", json={"name": "Launch", "slug": "launch"}).status_code == 201
    fake_openai.event_delay = 0.3
    body = {"model": "fake/fake-small", "messages": HELLO, "stream": True}
    with httpx.stream("POST", proxy + path, json=body, timeout=10) as response:
        first = next(response.iter_bytes())
        assert first.startswith(b"data: ")
    assert fake_openai.disconnected.wait(timeout=5), "upstream never saw the client go"


def test_a_client_that_goes_away_before_the_answer_cancels_the_upstream_request(
    proxy: str, fake_openai: FakeOpenAI
) -> None:
    fake_openai.fault = Fault.slow_first_byte(5)
    body = {"model": "fake/fake-small", "messages": HELLO}
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(proxy + "/v1/chat/completions", json=body, timeout=httpx.Timeout(10, read=0.5))
    assert fake_openai.disconnected.wait(timeout=3), "the upstream request went on after its client went away"
    assert time.monotonic() - started < 4


@pytest.mark.parametrize(
    ("body", "param"),
    [
        (b"{not json", "body"),
        (b"[1, 2]", "body"),
        (b'{"model": "fake/fake-small"}', "messages"),
        (b'{"model": "fake/fake-small", "messages": "hi"}', "messages"),
        (b'{"model": "fake/fake-small", "messages": ["hi"]}', "messages"),
        (b'{"model": 4, "messages": []}', "model"),
    ],
)
def test_a_bad_request_body_is_refused_in_openai_shape_and_nothing_is_sent(
    proxy: str, fake_openai: FakeOpenAI, body: bytes, param: str
) -> None:
    response = httpx.post(proxy + "/v1/chat/completions", content=body, headers={"content-type": "application/json"})
    error = assert_openai_error(response, 400)
    assert (error["param"], error["type"]) == (param, "invalid_request_error")
    assert fake_openai.requests == []


def test_an_unknown_model_without_a_default_provider_is_a_404(tmp_path: Path, no_provider_keys: None) -> None:
    with serving(Settings(db=str(tmp_path / "x.db"))) as url, pytest.raises(openai.NotFoundError) as caught:
        sdk(url).chat.completions.create(model="gpt-4o", messages=HELLO)
    assert caught.value.code == "model_not_found"


def test_keys_never_appear_in_an_error(proxy: str, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic) -> None:
    fake_openai.fault = fake_anthropic.fault = Fault.answer(401)
    for model in ("fake/fake-small", "claude/claude-fake-1", "quick"):
        text = chat(proxy, model=model).text
        assert OPENAI_KEY not in text
        assert ANTHROPIC_KEY not in text
