"""A fake upstream provider as a real HTTP server on 127.0.0.1: it records what it received and can misbehave."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal, Self

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass
class Received:
    """One request as the fake upstream saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    port: int  # the client's side of the connection: the same port means a connection kept alive
    query: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Fault:
    """How the fake misbehaves: answer an error status, wait before the first byte, drop the connection
    partway through the answer (streamed or not), end a stream early but cleanly, send malformed JSON, answer a web page (text/html, with any status), or answer
    an error that echoes the request's credentials back (as some servers' debug pages do)."""

    kind: Literal["status", "slow_first_byte", "drop_mid_stream", "ends_early", "malformed", "html", "echo_credentials"]
    status: int = 500
    delay: float = 0.0
    after_events: int = 2

    @classmethod
    def answer(cls, status: int) -> Fault:
        return cls("status", status=status)

    @classmethod
    def slow_first_byte(cls, seconds: float) -> Fault:
        return cls("slow_first_byte", delay=seconds)

    @classmethod
    def drop_mid_stream(cls, after_events: int = 2) -> Fault:
        return cls("drop_mid_stream", after_events=after_events)

    @classmethod
    def ends_early(cls, after_events: int = 2) -> Fault:
        """A stream that ends cleanly, but before its closing event (OpenAI's `[DONE]`, Anthropic's `message_stop`)."""
        return cls("ends_early", after_events=after_events)

    @classmethod
    def malformed(cls) -> Fault:
        return cls("malformed")

    @classmethod
    def html(cls, status: int = 200) -> Fault:
        """A web page for an answer: a login page (200), or a gateway's error page (502 …)."""
        return cls("html", status=status)

    @classmethod
    def echo_credentials(cls, status: int = 401) -> Fault:
        return cls("echo_credentials", status=status)


class DroppedConnection(Exception):
    """Raised inside the fake's app: uvicorn then closes the connection without finishing the answer."""


class ThreadedServer:
    """An ASGI app served by uvicorn on a free 127.0.0.1 port, in a background thread."""

    def __init__(self, app: Callable[..., Awaitable[None]], *, lifespan: Literal["on", "off"] = "off") -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port: int = sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_config=None,
            log_level="critical",
            lifespan=lifespan,
            interface="asgi3",
            http="httptools",
            loop="asyncio",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def open_connections(self) -> int:
        """The connections clients hold open to it now (kept alive between requests, or mid-answer)."""
        return len(self._server.server_state.connections)

    def start(self) -> ThreadedServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    @property
    def running(self) -> bool:
        """Whether its thread still serves (`stop` gives up waiting after a while)."""
        return self._thread.is_alive()


@dataclass
class FakeUpstream:
    """Base of the fakes: serves `handle` in a background thread; `url` is its API base (`…/v1`)."""

    api_key: str | None = None
    fault: Fault | None = None
    event_delay: float = 0.0
    record: bool = True
    requests: list[Received] = field(default_factory=list)
    disconnected: threading.Event = field(default_factory=threading.Event)
    disconnects: int = 0  # requests whose client went away before the answer ended
    _server: ThreadedServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first"
        return self._server.url + "/v1"

    def start(self) -> Self:
        self._server = ThreadedServer(self.app).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    def reset(self, *, api_key: str | None) -> None:
        """Behave again, with this key, and forget what was received."""
        self.api_key = api_key
        self.fault = None
        self.event_delay = 0.0
        self.requests.clear()
        self.disconnected.clear()
        self.disconnects = 0

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def open_connections(self) -> int:
        assert self._server is not None, "start the fake first"
        return self._server.open_connections

    @property
    def last(self) -> Received:
        return self.requests[-1]

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        received = Received(
            scope["method"],
            scope["path"],
            headers,
            b"".join(chunks),
            scope["client"][1],
            scope.get("query_string", b"").decode("latin-1"),
        )
        if self.record:
            self.requests.append(received)
        fault = self.fault
        if fault is not None and fault.kind == "slow_first_byte":
            try:
                await self.pause(receive, fault.delay)
            except DroppedConnection:
                return  # the client went away while it waited
        await self.handle(received, receive, send)

    async def handle(self, request: Received, receive: Receive, send: Send) -> None:
        raise NotImplementedError

    async def pause(self, receive: Receive, seconds: float) -> None:
        """Wait between stream events, noting a client that goes away meanwhile."""
        if not seconds:
            return
        try:
            message = await asyncio.wait_for(receive(), timeout=seconds)
        except TimeoutError:
            return
        if message["type"] == "http.disconnect":
            self.disconnects += 1
            self.disconnected.set()
            raise DroppedConnection("the client went away")


WEB_PAGE = b"<!doctype html><html><head><title>Sign in</title></head><body><p>Please sign in to continue.</body>"


async def send_page(send: Send, status: int) -> None:
    """A web page where an API answer was expected, as a login wall or a gateway's error page sends one."""
    await send_body(send, status, b"text/html; charset=utf-8", WEB_PAGE)


async def send_body(send: Send, status: int, media_type: bytes, body: bytes) -> None:
    headers = [(b"content-type", media_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def send_half_and_drop(send: Send, body: Any) -> None:
    """Announce the whole JSON body, send half of it, and drop the connection."""
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": payload[: len(payload) // 2], "more_body": True})
    raise DroppedConnection("dropped mid-answer")


async def send_json(send: Send, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *((name.encode(), value.encode()) for name, value in (headers or {}).items()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


async def start_stream(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")],
        }
    )


async def send_event(send: Send, data: bytes) -> None:
    await send({"type": "http.response.body", "body": data, "more_body": True})


async def end_stream(send: Send) -> None:
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def bearer(request: Received) -> str | None:
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    return credential if scheme.lower() == "bearer" else None
