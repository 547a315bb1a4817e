"""How uvicorn serves the app: the HTTP protocol with the request's head bounded, and the server's configuration.

uvicorn's httptools protocol keeps every header line it is sent until the head ends, however long: one client
sending a 200 MB header is answered after the daemon has held all of it. Here the request line and the head
are counted as they arrive and a request past the limits is answered 414 or 431, and its connection closed,
before anything grows. An absolute-form target (`GET http://host/path`) names the host the request is for
(RFC 9112 §3.2.2), so it replaces the Host header and meets the guard's Host check like any other.

The protocol also holds two of the daemon's limits (docs/operations.md, Limits). Past `max_connections` open
connections, a new one's request is answered 503 with Retry-After, in the shape its path's clients read, and
the connection closed. A connection whose client stops reading, so that what the daemon sends piles up past
the transport's high-water mark, is closed after `stream_write_timeout` seconds without relief: a subscriber
that never reads holds neither its stream nor its buffers for long.

An answer of known length goes out in one write, its head with the first part of its body: uvicorn writes the
head as soon as it has it, so each answer took two writes to the socket, and its client two reads.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from contextstack.providers.registry import configured_providers
from contextstack.redaction import redact_logs
from contextstack.settings import MAX_HEADER_BYTES, MAX_HEADERS, MAX_REQUEST_LINE_BYTES, Settings
from contextstack.shapes import refusal
from contextstack.storage.urls import password_of

log = logging.getLogger("contextstack.serving")

_REASONS = {
    400: b"Bad Request",
    414: b"URI Too Long",
    431: b"Request Header Fields Too Large",
    503: b"Service Unavailable",
}
# Seconds a client refused for too many connections is asked to wait.
CONNECTIONS_RETRY_AFTER = 1


class _HeadTooLarge(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _TooManyConnections(Exception):
    def __init__(self, path: str, limit: int) -> None:
        super().__init__(path)
        self.path = path
        self.limit = limit


class _HeldHead:
    """Stands in for the transport while uvicorn writes an answer's head: keeps the head, to go with the body."""

    def __init__(self) -> None:
        self.head = b""

    def write(self, data: bytes) -> None:
        self.head += data


class _HeadFirst:
    """Stands in for the transport while uvicorn writes the first part of a body: the held head goes with it."""

    def __init__(self, transport: asyncio.Transport, head: bytes) -> None:
        self._transport = transport
        self._head = head
        self.written = False

    def write(self, data: bytes) -> None:
        self._transport.writelines((self._head, data))
        self.written = True

    def close(self) -> None:
        if not self.written:  # nothing of the body was written (HEAD's): the head goes alone, first
            self._transport.write(self._head)
            self.written = True
        self._transport.close()


def _has_length(message: Any) -> bool:
    return any(name.lower() == b"content-length" for name, _ in message.get("headers", ()))


class OneWriteCycle(RequestResponseCycle):
    """uvicorn's request-response cycle, holding the head of an answer with a Content-Length until the first part
    of its body, and writing the two at once. A chunked answer (a stream) has its head written at once, as before:
    its client waits for the head before the first event."""

    _held: bytes | None = None

    async def send(self, message: Any) -> None:
        if (
            message["type"] == "http.response.start"
            and not self.response_started
            and not self.disconnected
            and not self.flow.write_paused
            and _has_length(message)
        ):
            transport, holder = self.transport, _HeldHead()
            self.transport = holder  # type: ignore[assignment]
            try:
                await super().send(message)
            finally:
                self.transport = transport
            self._held = holder.head or None
            return
        head, self._held = self._held, None
        if head is not None and message["type"] == "http.response.body":
            transport, first = self.transport, _HeadFirst(self.transport, head)
            self.transport = first  # type: ignore[assignment]
            try:
                await super().send(message)
            finally:
                self.transport = transport
            if not first.written and not self.disconnected:
                transport.write(head)  # nothing of the body was written (HEAD's): the head goes alone
            return
        if head is not None and not self.disconnected:
            self.transport.write(head)
        await super().send(message)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing a request line, header count or head size past the limits."""

    max_connections = 1000
    write_timeout = 30.0
    _received_in_head = 0  # bytes received while the head is not complete: a header still arriving
    _header_bytes = 0  # bytes of the header lines parsed so far
    _header_count = 0
    _in_head = True
    _over_limit = False  # opened when max_connections were open already: its request is refused
    _stalled: asyncio.TimerHandle | None = None  # ends the connection if its client does not read in time

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._over_limit = len(self.connections) > self.max_connections

    def connection_lost(self, exc: Exception | None) -> None:
        self._end_stall_watch()
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._stalled is None:
            self._stalled = self.loop.call_later(self.write_timeout, self._client_stopped_reading)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._end_stall_watch()

    def _end_stall_watch(self) -> None:
        if self._stalled is not None:
            self._stalled.cancel()
            self._stalled = None

    def _client_stopped_reading(self) -> None:
        self._stalled = None
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "a client"
        log.warning(
            "closing the connection of %s: it has not read what was sent for %g s (stream_write_timeout)",
            client,
            self.write_timeout,
        )
        self.transport.abort()

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__  # what the callback raised
            if isinstance(cause, _HeadTooLarge):
                self._refuse(cause.status, cause.message)
            elif isinstance(cause, _TooManyConnections):
                self._refuse_too_many(cause)
            else:
                self._refuse(400, "Invalid HTTP request received.")
            return
        except httptools.HttpParserUpgrade:
            # As uvicorn's own protocol does; with ws="none" no upgrade is taken and the request is served as HTTP.
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError:
            self._refuse(400, "Invalid HTTP request received.")
            return
        if self._in_head:
            # Counted after parsing: a chunk that also ends the head and carries body bytes is not held against it.
            self._received_in_head += len(data)
            if self._received_in_head > MAX_HEADER_BYTES + MAX_REQUEST_LINE_BYTES:
                self._refuse(431, f"The request's headers are over {MAX_HEADER_BYTES} bytes.")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._received_in_head = 0
        self._header_bytes = 0
        self._header_count = 0
        self._in_head = True

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_REQUEST_LINE_BYTES:
            raise _HeadTooLarge(414, f"The request target is over {MAX_REQUEST_LINE_BYTES} bytes.")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._header_bytes += len(name) + len(value)
        if self._header_count > MAX_HEADERS:
            raise _HeadTooLarge(431, f"The request has more than {MAX_HEADERS} headers.")
        if self._header_bytes > MAX_HEADER_BYTES:
            raise _HeadTooLarge(431, f"The request's headers are over {MAX_HEADER_BYTES} bytes.")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        if self._over_limit:
            raise _TooManyConnections(self.url.decode("latin-1").split("?", 1)[0], self.max_connections)
        if not self.url.startswith(b"/") and self.url != b"*":
            self._take_host_from_target()
        super().on_headers_complete()
        if type(self.cycle) is RequestResponseCycle:
            # Made just now, its task not yet run: it sends as OneWriteCycle does.
            self.cycle.__class__ = OneWriteCycle

    def _take_host_from_target(self) -> None:
        try:
            target = httptools.parse_url(self.url)
        except httptools.HttpParserInvalidURLError:
            raise _HeadTooLarge(400, "The request target is not a path or an absolute URL.") from None
        if not target.host:
            raise _HeadTooLarge(400, "The request target is not a path or an absolute URL.")
        authority = target.host + (b":%d" % target.port if target.port else b"")
        self.headers[:] = [(name, value) for name, value in self.headers if name != b"host"]
        self.headers.append((b"host", authority))

    def _refuse(self, status: int, message: str) -> None:
        if self.transport.is_closing():
            return
        body = message.encode("ascii", "replace")
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n%s" % (status, _REASONS[status], len(body), body)
        )
        self.transport.close()

    def _refuse_too_many(self, refused: _TooManyConnections) -> None:
        if self.transport.is_closing():
            return
        detail = (
            f"The daemon already has {refused.limit} connections open, its limit (max_connections); "
            f"try again in {CONNECTIONS_RETRY_AFTER} s."
        )
        body, media_type = refusal(refused.path, 503, "Service unavailable", detail, "too-many-connections")
        self.transport.write(
            b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: %s\r\ncontent-length: %d\r\nretry-after: %d\r\n"
            b"connection: close\r\n\r\n%s" % (media_type, len(body), CONNECTIONS_RETRY_AFTER, body)
        )
        self.transport.close()


def protocol_class(settings: Settings) -> type[BoundedHttpToolsProtocol]:
    """The HTTP protocol with the limits of `settings`."""

    class DaemonHttpProtocol(BoundedHttpToolsProtocol):
        max_connections = settings.max_connections
        write_timeout = settings.stream_write_timeout

    return DaemonHttpProtocol


def server_config(settings: Settings, app: Any) -> uvicorn.Config:
    """uvicorn's configuration for the daemon; from then on no log line carries a configured secret."""
    providers = configured_providers(settings, os.environ).values()
    redact_logs(
        [
            settings.token,
            password_of(settings.db),  # a PostgreSQL URL's, should a driver's message quote the URL
            *(p.api_key for p in providers),
            *(v for p in providers for v in p.headers.values()),
        ]
    )
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        http=protocol_class(settings),
        ws="none",
        lifespan="on",
        access_log=False,
        log_config=None,
        proxy_headers=False,  # a local daemon has no proxy in front of it to trust X-Forwarded-* headers from
        timeout_graceful_shutdown=10,
        server_header=False,
    )
