"""The daemon's limits, against a real `contextstack serve`: connections, streams, and clients that stop reading."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, closing
from pathlib import Path

import httpx
import pytest

from tests.conftest import Daemon, start_daemon, stop_daemon
from tests.fakes.fixtures import OPENAI_KEY, fake_openai, fake_openai_server, no_provider_keys
from tests.fakes.openai_upstream import FakeOpenAI

pytestmark = pytest.mark.e2e
__all__ = ["fake_openai", "fake_openai_server", "no_provider_keys"]  # fixtures

HELLO = [{"role": "user", "content": "Hello?"}]


def port_of(daemon: Daemon) -> int:
    return int(daemon.url.rsplit(":", 1)[1])


def open_socket(daemon: Daemon, receive_buffer: int | None = None) -> socket.socket:
    sock = socket.socket()
    if receive_buffer is not None:  # before connecting, so that the window it offers is small from the start
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.connect(("127.0.0.1", port_of(daemon)))
    sock.settimeout(10)
    return sock


def subscribe(daemon: Daemon, receive_buffer: int | None = None) -> tuple[socket.socket, bytes]:
    """A raw `GET /api/events`; the socket and the head of the answer."""
    sock = open_socket(daemon, receive_buffer)
    sock.sendall(f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:{port_of(daemon)}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            break
        head += chunk
    return sock, head


def eventually(check: Callable[[], bool], what: str, within: float = 20.0) -> None:
    """Wait for `check` to hold; a deadline that only turns a hang into a failure, not a timing assertion."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


@pytest.fixture
def limited(tmp_path: Path, fake_openai: FakeOpenAI, no_provider_keys: None) -> Iterator[Callable[..., Daemon]]:
    """Start a daemon with some limits set in its environment (and the fake OpenAI upstream as its provider)."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'default_model = "fake/fake-small"\n[providers.fake]\nbase_url = "{fake_openai.url}"\n'
        'api_key_env = "FAKE_OPENAI_KEY"\n'
    )
    daemons: list[Daemon] = []

    def start(**limits: object) -> Daemon:
        env = {"CONTEXTSTACK_CONFIG": str(config), "FAKE_OPENAI_KEY": OPENAI_KEY}
        env.update({f"CONTEXTSTACK_{name.upper()}": str(value) for name, value in limits.items()})
        daemons.append(start_daemon(tmp_path, env=env))
        return daemons[-1]

    yield start
    for daemon in daemons:
        stop_daemon(daemon)


def test_a_connection_past_max_connections_is_answered_503_with_retry_after_in_its_paths_shape(
    limited: Callable[..., Daemon],
) -> None:
    daemon = limited(max_connections=3)
    with ExitStack() as held:
        for _ in range(3):
            held.enter_context(closing(open_socket(daemon)))
        api = httpx.get(daemon.url + "/api/projects")
        proxy = httpx.get(daemon.url + "/v1/models")
    assert api.status_code == 503
    assert api.headers["retry-after"] == "1"
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["type"].endswith("too-many-connections")
    assert "max_connections" in api.json()["detail"]
    assert proxy.status_code == 503
    assert proxy.headers["retry-after"] == "1"
    assert proxy.json()["error"]["code"] == "too_many_connections"
    # The held connections closed, there is room again.
    eventually(lambda: httpx.get(daemon.url + "/api/projects").status_code == 200, "a request served again")


def test_streams_past_max_streams_are_refused_429_with_retry_after_and_other_requests_go_on(
    limited: Callable[..., Daemon],
) -> None:
    daemon = limited(max_streams=2)
    first, head = subscribe(daemon)
    assert head.startswith(b"HTTP/1.1 200")
    second, head = subscribe(daemon)
    assert head.startswith(b"HTTP/1.1 200")
    with first, second:
        events = httpx.get(daemon.url + "/api/events", timeout=10)
        assert events.status_code == 429
        assert events.headers["retry-after"] == "5"
        assert events.headers["content-type"] == "application/problem+json"
        assert "max_streams" in events.json()["detail"]
        body = {"model": "fake/fake-small", "messages": HELLO, "stream": True}
        proxied = httpx.post(daemon.url + "/v1/chat/completions", json=body, timeout=10)
        assert proxied.status_code == 429
        assert proxied.headers["retry-after"] == "5"
        assert proxied.json()["error"]["code"] == "too-busy"
        # What is not a stream is not held back.
        answer = httpx.post(daemon.url + "/v1/chat/completions", json={**body, "stream": False}, timeout=10)
        assert answer.status_code == 200
        assert httpx.get(daemon.url + "/api/projects").status_code == 200
    # A stream that ends gives its place back.
    eventually(
        lambda: httpx.post(daemon.url + "/v1/chat/completions", json=body, timeout=10).status_code == 200,
        "a proxied stream served once the subscribers left",
    )


def test_finished_proxied_streams_give_their_places_back(limited: Callable[..., Daemon]) -> None:
    daemon = limited(max_streams=1)
    body = {"model": "fake/fake-small", "messages": HELLO, "stream": True}
    for _ in range(5):
        with httpx.stream("POST", daemon.url + "/v1/chat/completions", json=body, timeout=10) as response:
            assert response.status_code == 200
            assert response.read().endswith(b"data: [DONE]\n\n")


def _read_until_closed(sock: socket.socket) -> bool:
    """Read what is buffered; True once the daemon has closed the connection (EOF or reset)."""
    try:
        while sock.recv(1 << 16):
            pass
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return True


def test_a_subscriber_that_stops_reading_is_disconnected_and_its_place_given_back(
    limited: Callable[..., Daemon],
) -> None:
    # A queue deep enough that the subscriber is not dropped for falling behind: the write timeout must end it.
    daemon = limited(max_streams=1, stream_write_timeout=1, sse_queue_size=100_000)
    sock, head = subscribe(daemon, receive_buffer=4096)
    assert head.startswith(b"HTTP/1.1 200")
    with sock:
        assert httpx.post(daemon.url + "/api/projects", json={"name": "Flood", "slug": "flood"}).status_code == 201
        entries = [{"kind": "note", "title": f"Entry {n}", "body": "x" * 4000, "project": "flood"} for n in range(100)]
        # Several MB of events for a reader that reads none of them.
        for _ in range(10):
            response = httpx.post(daemon.url + "/api/knowledge/bulk", json={"items": entries}, timeout=30)
            assert response.status_code == 201
        eventually(lambda: "stream_write_timeout" in daemon.output(), "the daemon closing the stalled stream")
        sock.settimeout(5)
        assert _read_until_closed(sock)
    eventually(lambda: _can_subscribe(daemon), "a new subscriber taking the stalled one's place")


def _can_subscribe(daemon: Daemon) -> bool:
    sock, head = subscribe(daemon)
    with sock:
        return head.startswith(b"HTTP/1.1 200")


MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "probe", "version": "1"}},
}


def new_conversation(daemon: Daemon) -> str:
    response = httpx.post(daemon.url + "/api/conversations", json={}, timeout=10)
    assert response.status_code == 201, response.text
    conversation_id: str = response.json()["id"]
    return conversation_id


def messages_of(daemon: Daemon, conversation_id: str) -> list[dict[str, object]]:
    response = httpx.get(f"{daemon.url}/api/conversations/{conversation_id}/messages", timeout=10)
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def assert_mcp_refused(response: httpx.Response) -> None:
    """429 with Retry-After, the body a JSON-RPC error as the MCP SDK's own HTTP errors are."""
    assert response.status_code == 429
    assert response.headers["retry-after"] == "5"
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["jsonrpc"] == "2.0"
    assert body["id"] is None
    assert body["error"]["code"] == -32000
    assert "max_streams" in body["error"]["message"]


def test_conversation_and_mcp_streams_are_refused_past_max_streams_and_the_store_is_left_as_it_was(
    limited: Callable[..., Daemon],
) -> None:
    daemon = limited(max_streams=1)
    conversation = new_conversation(daemon)
    sock, head = subscribe(daemon)
    assert head.startswith(b"HTTP/1.1 200")
    with sock:
        streamed = httpx.post(
            f"{daemon.url}/api/conversations/{conversation}/messages",
            json={"content": "Hello?", "stream": True},
            timeout=10,
        )
        assert streamed.status_code == 429
        assert streamed.headers["retry-after"] == "5"
        assert streamed.headers["content-type"] == "application/problem+json"
        assert "max_streams" in streamed.json()["detail"]
        assert messages_of(daemon, conversation) == []  # neither message stored: refused before anything was
        assert_mcp_refused(httpx.post(daemon.url + "/mcp", json=INITIALIZE, headers=MCP_HEADERS, timeout=10))
        # A turn that is not streamed is not held back.
        whole = httpx.post(
            f"{daemon.url}/api/conversations/{conversation}/messages", json={"content": "Hello?"}, timeout=10
        )
        assert whole.status_code == 201, whole.text
    eventually(
        lambda: httpx.post(daemon.url + "/mcp", json=INITIALIZE, headers=MCP_HEADERS, timeout=10).status_code == 200,
        "an MCP request served once the subscriber left",
    )


def test_an_open_conversation_stream_holds_its_place_and_gives_it_back_when_it_ends(
    limited: Callable[..., Daemon], fake_openai: FakeOpenAI
) -> None:
    daemon = limited(max_streams=1)
    conversation = new_conversation(daemon)
    fake_openai.event_delay = 0.3  # the answer streams for a few seconds: long enough to be seen open
    url = f"{daemon.url}/api/conversations/{conversation}/messages"
    with httpx.stream("POST", url, json={"content": "Hello?", "stream": True}, timeout=30) as answer:
        assert answer.status_code == 200
        events = httpx.get(daemon.url + "/api/events", timeout=10)
        assert events.status_code == 429
        assert "max_streams" in events.json()["detail"]
        assert_mcp_refused(httpx.post(daemon.url + "/mcp", json=INITIALIZE, headers=MCP_HEADERS, timeout=10))
        body = answer.read()
    assert b"event: done" in body
    fake_openai.event_delay = 0.0
    # Each stream that ended gave its place back: one place serves streams one after another.
    for _ in range(3):
        with httpx.stream("POST", url, json={"content": "Again?", "stream": True}, timeout=30) as again:
            assert again.status_code == 200
            assert b"event: done" in again.read()
    eventually(lambda: _can_subscribe(daemon), "a subscriber served once the conversation streams ended")


async def test_an_mcp_session_holds_its_stream_while_open_and_gives_it_back_when_it_ends(
    limited: Callable[..., Daemon],
) -> None:
    """The SDK's client: its GET stream (the server's messages) holds a place as long as the session lasts."""
    from mcp import Client

    daemon = limited(max_streams=2)
    async with Client(f"{daemon.url}/mcp", cache=None) as client:
        assert (await client.list_tools()).tools
        # The session's GET stream holds one place: one subscriber fits beside it, a second does not.
        # Checked off the loop, where the client's own tasks (its GET stream among them) go on meanwhile.
        await asyncio.to_thread(
            eventually, lambda: not _can_subscribe_twice(daemon), "the session's stream holding a place"
        )
    await asyncio.to_thread(eventually, lambda: _can_subscribe_twice(daemon), "two subscribers once the session ended")


def _can_subscribe_twice(daemon: Daemon) -> bool:
    first, head = subscribe(daemon)
    with first:
        if not head.startswith(b"HTTP/1.1 200"):
            return False
        second, head = subscribe(daemon)
        with second:
            return head.startswith(b"HTTP/1.1 200")
