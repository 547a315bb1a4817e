"""The upstream fault table: every way a provider can fail, through both adapters, streamed and not, and what the
client of /v1/chat/completions gets for each. docs/operations.md lists the same table.

Each row asserts the status, OpenAI's error shape and code, and that the answer ends: every request here has a
client timeout well above the proxy's own, so a hung stream fails the row instead of passing it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from contextstack.settings import ProviderConfig, Settings
from tests.conftest import serving
from tests.fakes.anthropic_upstream import FakeAnthropic, event
from tests.fakes.fixtures import ANTHROPIC_KEY, OPENAI_KEY
from tests.fakes.openai_upstream import FakeOpenAI, chunk
from tests.fakes.server import WEB_PAGE, Fault
from tests.fakes.tcp import TcpFault, TcpFaultKind

HELLO = [{"role": "user", "content": "Hello?"}]
TIMEOUT = 0.5  # the proxy's connect and read timeouts towards every provider here
CLIENT_TIMEOUT = 15  # far above it: a request that takes this long is a hang

TCP_KINDS: tuple[TcpFaultKind, ...] = ("refuse", "never_accept", "hang", "reset", "reset_mid_stream")
KINDS = {"openai": "fake", "anthropic": "claude"}


def _stream_prefix(kind: str) -> bytes:
    if kind == "openai":
        return chunk("m", {"role": "assistant", "content": ""}) + chunk("m", {"content": "Hello"})
    message = {"id": "msg_1", "type": "message", "role": "assistant", "model": "m", "content": [], "usage": {}}
    return event("message_start", {"message": message}) + event(
        "content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}
    )


@pytest.fixture(scope="module")
def tcp_faults() -> Iterator[dict[str, TcpFault]]:
    faults = {
        f"{kind}-{fault}": TcpFault(fault, _stream_prefix(kind)).__enter__() for kind in KINDS for fault in TCP_KINDS
    }
    yield faults
    for fault in faults.values():
        fault.__exit__(None, None, None)


@pytest.fixture(scope="module")
def table_proxy(
    tmp_path_factory: pytest.TempPathFactory,
    fake_openai_server: FakeOpenAI,
    fake_anthropic_server: FakeAnthropic,
    tcp_faults: dict[str, TcpFault],
) -> Iterator[str]:
    """One proxy with short timeouts: `fake` and `claude` at the HTTP fakes, `<kind>-<fault>` at each TCP fault."""
    providers = {
        "fake": ProviderConfig(base_url=fake_openai_server.url, api_key=OPENAI_KEY),
        "claude": ProviderConfig(kind="anthropic", base_url=fake_anthropic_server.url, api_key=ANTHROPIC_KEY),
    } | {
        name: ProviderConfig(kind=name.split("-")[0], base_url=fault.url, api_key="sk-unused")  # type: ignore[arg-type]
        for name, fault in tcp_faults.items()
    }
    providers = {
        name: ProviderConfig(
            kind=config.kind,
            base_url=config.base_url,
            api_key=config.api_key,
            connect_timeout=TIMEOUT,
            read_timeout=TIMEOUT,
        )
        for name, config in providers.items()
    }
    settings = Settings(db=str(tmp_path_factory.mktemp("fault-table") / "store.db"), providers=providers)
    with serving(settings) as url:
        yield url


@dataclass(frozen=True)
class Row:
    """One upstream fault, and what the client gets: an error answer, or (mid-stream) a stream ending in one."""

    fault: str
    status: int
    code: str
    type: str = "upstream_error"
    retry_after: bool = False
    mid_stream: bool = False  # streamed: a 200 event stream whose last event is the error
    streamed_is_relayed: bool = False  # streamed: relayed as it came (the pass-through does not parse events)


ROWS = [
    Row("refused", 502, "upstream_unreachable"),
    Row("never accepts", 504, "upstream_timeout", type="timeout_error"),
    Row("hang", 504, "upstream_timeout", type="timeout_error"),
    Row("slow first byte", 504, "upstream_timeout", type="timeout_error"),
    Row("reset before answering", 502, "upstream_unreachable"),
    Row("reset mid-answer", 502, "upstream_unreachable", mid_stream=True),
    Row("closed mid-answer", 502, "upstream_unreachable", mid_stream=True),
    Row("ends early, cleanly", 502, "upstream_stream_ended", mid_stream=True),
    Row("stalls mid-stream", 504, "upstream_timeout", type="timeout_error", mid_stream=True),
    Row("429 with Retry-After", 429, "rate_limit_exceeded", type="requests", retry_after=True),
    Row("500", 502, "upstream_error"),
    Row("503", 502, "upstream_error"),
    Row("504", 504, "upstream_error", type="timeout_error"),
    Row("invalid JSON", 502, "upstream_malformed_response", mid_stream=True, streamed_is_relayed=True),
    Row("HTML page, 200", 502, "upstream_malformed_response"),
    Row("HTML error page, 502", 502, "upstream_error"),
]

# What each adapter's provider says where the two differ (Anthropic's own error types and codes).
ANTHROPIC = {"429 with Retry-After": {"type": "rate_limit_error", "code": None}}


def _arrange(row: Row, kind: str, openai: FakeOpenAI, anthropic: FakeAnthropic) -> str:
    """Make the provider fail as `row` says; the model to ask for."""
    fake = openai if kind == "openai" else anthropic
    tcp = {
        "refused": "refuse",
        "never accepts": "never_accept",
        "hang": "hang",
        "reset before answering": "reset",
        "reset mid-answer": "reset_mid_stream",
    }
    if row.fault in tcp:
        return f"{kind}-{tcp[row.fault]}/m"
    faults = {
        "slow first byte": Fault.slow_first_byte(TIMEOUT * 4),
        "closed mid-answer": Fault.drop_mid_stream(after_events=3),
        "ends early, cleanly": Fault.ends_early(after_events=3),
        "invalid JSON": Fault.malformed(),
        "HTML page, 200": Fault.html(200),
        "HTML error page, 502": Fault.html(502),
    }
    if row.fault == "stalls mid-stream":
        fake.event_delay = TIMEOUT * 4
    elif row.fault in faults:
        fake.fault = faults[row.fault]
    else:
        fake.fault = Fault.answer(int(row.fault.split()[0]))
    return f"{KINDS[kind]}/{'fake-small' if kind == 'openai' else 'claude-fake-1'}"


def _assert_error(error: dict[str, object], row: Row, kind: str, model: str) -> None:
    assert set(error) == {"message", "type", "param", "code"}
    expected = {"type": row.type, "code": row.code} | (ANTHROPIC.get(row.fault, {}) if kind == "anthropic" else {})
    assert {"type": error["type"], "code": error["code"]} == expected, error
    message = str(error["message"])
    assert message.startswith(f"{model}: "), "the message names the model at fault"
    assert b"<" not in message.encode(), "no markup of a web page is relayed"
    assert str(WEB_PAGE[-40:]) not in message


@pytest.mark.parametrize("stream", [False, True], ids=["answer", "stream"])
@pytest.mark.parametrize("kind", ["openai", "anthropic"])
@pytest.mark.parametrize("row", ROWS, ids=[row.fault for row in ROWS])
def test_each_upstream_fault_gets_its_error_and_no_hung_stream(
    table_proxy: str, fake_openai: FakeOpenAI, fake_anthropic: FakeAnthropic, row: Row, kind: str, stream: bool
) -> None:
    model = _arrange(row, kind, fake_openai, fake_anthropic)
    if row.fault in ("stalls mid-stream", "ends early, cleanly") and not stream:
        pytest.skip("a stream's fault: an answer that is not streamed has its length, and no middle to stall in")
    body = {"model": model, "messages": HELLO, "stream": stream}
    with (
        httpx.Client(timeout=CLIENT_TIMEOUT) as http,
        http.stream("POST", table_proxy + "/v1/chat/completions", json=body) as response,
    ):
        raw = response.read()
    if stream and row.mid_stream and not (row.streamed_is_relayed and kind == "openai"):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = raw.split(b"\n\n")
        assert events[-1] == b"", "the stream ends after a whole event"
        assert b"[DONE]" not in raw
        last = httpx.Response(200, content=events[-2].removeprefix(b"data: ")).json()
        assert "error" in last, raw
        _assert_error(last["error"], Row(row.fault, row.status, row.code, row.type), kind, model)
        return
    if stream and row.streamed_is_relayed:
        assert response.status_code == 200
        assert b"data: {not json" in raw, "the pass-through relays the event as it came; the client's SDK rejects it"
        assert raw.endswith(b"\n\n")
        return
    assert response.status_code == row.status, raw
    assert response.headers["content-type"].startswith("application/json")
    _assert_error(httpx.Response(200, content=raw).json()["error"], row, kind, model)
    if row.retry_after:
        assert response.headers["retry-after"] == ("7" if kind == "openai" else "3")


def test_after_every_fault_the_proxy_still_serves(table_proxy: str, fake_openai: FakeOpenAI) -> None:
    for model in ("openai-hang/m", "anthropic-reset/m", "openai-never_accept/m", "anthropic-reset_mid_stream/m"):
        httpx.post(table_proxy + "/v1/chat/completions", json={"model": model, "messages": HELLO}, timeout=10)
    answer = httpx.post(table_proxy + "/v1/chat/completions", json={"model": "fake/fake-small", "messages": HELLO})
    assert answer.status_code == 200


def test_the_hung_upstreams_connections_are_given_up(tcp_faults: dict[str, TcpFault], table_proxy: str) -> None:
    hang = tcp_faults["openai-hang"]
    before = hang.accepted
    for _ in range(3):
        httpx.post(table_proxy + "/v1/chat/completions", json={"model": "openai-hang/m", "messages": HELLO}, timeout=10)
    assert hang.accepted == before + 3, "each timed-out request's connection was dropped, not reused while hung"
