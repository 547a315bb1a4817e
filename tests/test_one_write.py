"""An answer of known length leaves the daemon in one write to its connection, head and body together; a stream's
head still goes out first, alone, before any event (serving.py). Driven through the daemon's own HTTP protocol
with a transport that keeps what it is given."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
import pytest

from contextstack.asgi import Receive, Scope, Send
from contextstack.serving import server_config
from contextstack.settings import Settings


class KeptWrites(asyncio.Transport):
    """A connection's transport that keeps each write (a writelines is one write) instead of sending it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        assert not self.closed, "a write after the close is lost"
        self.writes.append(bytes(data))

    def writelines(self, list_of_data: Any) -> None:
        assert not self.closed, "a write after the close is lost"
        self.writes.append(b"".join(list_of_data))

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8765), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def answered(app: Any, request: bytes) -> list[bytes]:
    """What the daemon's protocol writes, serving `app`, for one request on a kept-alive connection."""
    config = server_config(Settings(db=":memory:"), app)
    config.lifespan = "off"
    config.load()
    from uvicorn.server import ServerState

    state = ServerState()
    protocol = config.http_protocol_class(config=config, server_state=state, app_state={})
    transport = KeptWrites()
    protocol.connection_made(transport)
    protocol.data_received(request)
    while state.tasks:
        await asyncio.gather(*state.tasks)
    protocol.connection_lost(None)
    return transport.writes


GET = b"GET /thing HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n"


async def whole(scope: Scope, receive: Receive, send: Send) -> None:
    body = msgspec.json.encode({"answer": 42})
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def streamed(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]})
    for n in range(3):
        await send({"type": "http.response.body", "body": b"data: %d\n\n" % n, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def in_parts(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"6")]})
    await send({"type": "http.response.body", "body": b"abc", "more_body": True})
    await send({"type": "http.response.body", "body": b"def"})


@pytest.mark.asyncio
async def test_an_answer_of_known_length_is_one_write() -> None:
    writes = await answered(whole, GET)
    assert len(writes) == 1
    head, _, body = writes[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"content-length: 13" in head.lower()
    assert body == b'{"answer":42}'


@pytest.mark.asyncio
async def test_a_body_in_parts_has_its_head_with_the_first_part() -> None:
    writes = await answered(in_parts, GET)
    assert len(writes) == 2
    assert writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert writes[0].endswith(b"\r\n\r\nabc")
    assert writes[1] == b"def"


@pytest.mark.asyncio
async def test_a_head_request_gets_its_head_alone() -> None:
    writes = await answered(whole, b"HEAD /thing HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n")
    assert len(writes) == 1
    assert writes[0].endswith(b"\r\n\r\n")
    assert b"content-length: 13" in writes[0].lower()


@pytest.mark.asyncio
async def test_a_stream_has_its_head_written_before_any_event() -> None:
    writes = await answered(streamed, GET)
    assert writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert writes[0].endswith(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in writes[0].lower()
    assert writes[1:] == [b"9\r\ndata: 0\n\n\r\n", b"9\r\ndata: 1\n\n\r\n", b"9\r\ndata: 2\n\n\r\n", b"0\r\n\r\n"]


@pytest.mark.asyncio
async def test_a_head_request_on_a_closing_connection_gets_its_head_before_the_close() -> None:
    writes = await answered(whole, b"HEAD /thing HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
    assert len(writes) == 1
    assert writes[0].endswith(b"\r\n\r\n")
