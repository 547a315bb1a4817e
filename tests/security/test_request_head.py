"""The request's head, as the server reads it: bounded before the app runs, one Host, and an absolute-form
target checked like a Host header. Served by uvicorn with the daemon's own configuration (serving.py)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator

import httpx
import msgspec
import pytest
import uvicorn

from contextstack.app import create_asgi_app
from contextstack.serving import server_config
from contextstack.settings import MAX_HEADER_BYTES, MAX_HEADERS, MAX_REQUEST_LINE_BYTES, Settings
from tests.security.conftest import store_state


class Served:
    def __init__(self, settings: Settings) -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port: int = sock.getsockname()[1]
        config = server_config(msgspec.structs.replace(settings, port=self.port), create_asgi_app(settings))
        config.loop = "asyncio"
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)

    def still_answers(self) -> None:
        response = httpx.get(f"http://127.0.0.1:{self.port}/api/projects", timeout=5)
        assert response.status_code == 200, response.text

    def exchange(self, head: bytes, *, stream: Iterable[bytes] = ()) -> tuple[bytes, int]:
        """Send `head` then `stream`, stopping when the server answers or closes; its answer and the bytes sent."""
        sent = 0
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as conn:
            try:
                conn.sendall(head)
                sent += len(head)
                for part in stream:
                    conn.sendall(part)
                    sent += len(part)
            except (BrokenPipeError, ConnectionResetError):
                pass
            answer = b""
            try:
                while not _complete(answer) and (chunk := conn.recv(65536)):
                    answer += chunk
            except (ConnectionResetError, TimeoutError):
                pass
        return answer, sent


def _complete(answer: bytes) -> bool:
    head, sep, body = answer.partition(b"\r\n\r\n")
    if not sep:
        return False
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return True


@pytest.fixture
def served(settings: Settings) -> Iterator[Served]:
    running = Served(settings)
    yield running
    running.server.should_exit = True
    running.thread.join(timeout=10)


def _status(answer: bytes) -> int | None:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None


def _request(target: bytes, headers: list[bytes], port: int, *, end: bool = True) -> bytes:
    lines = [b"GET " + target + b" HTTP/1.1", b"Host: 127.0.0.1:%d" % port, *headers]
    return b"\r\n".join(lines) + (b"\r\n\r\n" if end else b"\r\n")


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ([b"X-Big: " + b"a" * (MAX_HEADER_BYTES + 1)], 431),
        ([b"X-Big: " + b"a" * (4 * MAX_HEADER_BYTES)], 431),
        ([b"X-Many-%d: 1" % i for i in range(MAX_HEADERS + 1)], 431),
        ([b"X-Wide-%d: %s" % (i, b"b" * 2000) for i in range(40)], 431),
    ],
    ids=["one header just past", "one header four times past", "too many headers", "a head too large in all"],
)
def test_a_head_past_its_limits_is_refused(
    served: Served, settings: Settings, headers: list[bytes], status: int
) -> None:
    before = store_state(settings.db)
    answer, _ = served.exchange(_request(b"/api/projects", headers, served.port))
    assert _status(answer) == status, answer[:200]
    assert store_state(settings.db) == before
    served.still_answers()


@pytest.mark.parametrize("megabytes", [1, 20, 200])
def test_an_endless_header_is_cut_off_before_it_grows(served: Served, megabytes: int) -> None:
    part = b"a" * 65536
    answer, sent = served.exchange(
        _request(b"/health", [b"X-Endless: "], served.port, end=False)[:-2],
        stream=(part for _ in range(megabytes * 16)),
    )
    assert _status(answer) in (431, None)  # answered, or the connection closed on the writer
    # The server stopped reading long before the end: what it held is bounded by the limit, not the header.
    assert sent < 8 * 1024 * 1024
    served.still_answers()


@pytest.mark.parametrize("length", [MAX_REQUEST_LINE_BYTES + 1, 10 * MAX_REQUEST_LINE_BYTES])
def test_a_request_line_past_its_limit_is_refused(served: Served, length: int) -> None:
    answer, _ = served.exchange(_request(b"/api/" + b"x" * length, [], served.port))
    assert _status(answer) == 414, answer[:200]
    served.still_answers()


def test_headers_within_the_limits_are_served(served: Served) -> None:
    headers = [b"X-Fine-%d: %s" % (i, b"c" * 500) for i in range(MAX_HEADERS - 5)]
    answer, _ = served.exchange(_request(b"/health", headers, served.port))
    assert _status(answer) == 200, answer[:200]


@pytest.mark.parametrize(
    "hosts",
    [
        [b"127.0.0.1:{port}", b"evil.example"],
        [b"evil.example", b"127.0.0.1:{port}"],
        [b"127.0.0.1:{port}", b"127.0.0.1:{port}"],
        [b"localhost:{port}", b"[::1]:{port}"],
    ],
)
def test_two_host_headers_are_a_bad_request(served: Served, hosts: list[bytes]) -> None:
    lines = [b"GET /api/projects HTTP/1.1", *(b"Host: " + h.replace(b"{port}", b"%d" % served.port) for h in hosts)]
    answer, _ = served.exchange(b"\r\n".join(lines) + b"\r\n\r\n")
    assert _status(answer) == 400, answer[:300]
    assert b"application/problem+json" in answer
    assert b"duplicate-host" in answer
    served.still_answers()


@pytest.mark.parametrize(
    "target",
    [
        b"http://evil.example/api/projects",
        b"http://evil.example:{port}/api/projects",
        b"http://127.0.0.1.evil.example/api/projects",
        b"https://attacker.test/v1/models",
    ],
)
def test_an_absolute_target_for_another_host_is_refused(served: Served, target: bytes) -> None:
    answer, _ = served.exchange(_request(target.replace(b"{port}", b"%d" % served.port), [], served.port))
    assert _status(answer) == 403, answer[:300]
    assert b"host-not-allowed" in answer or b"host_not_allowed" in answer
    served.still_answers()


@pytest.mark.parametrize("authority", [b"127.0.0.1:{port}", b"localhost:{port}"])
def test_an_absolute_target_for_the_daemon_is_served(served: Served, authority: bytes) -> None:
    target = b"http://" + authority.replace(b"{port}", b"%d" % served.port) + b"/health"
    answer, _ = served.exchange(_request(target, [], served.port))
    assert _status(answer) == 200, answer[:300]


@pytest.mark.parametrize("upgrade", [b"websocket", b"h2c"])
def test_an_upgrade_the_daemon_does_not_speak_is_served_as_http(served: Served, upgrade: bytes) -> None:
    headers = [b"Connection: Upgrade", b"Upgrade: " + upgrade, b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]
    answer, _ = served.exchange(_request(b"/health", headers, served.port))
    assert _status(answer) == 200, answer[:300]
    served.still_answers()
