"""How uvicorn serves the app: the HTTP protocol with the request's head bounded, and the server's configuration.

uvicorn's httptools protocol keeps every header line it is sent until the head ends, however long: one client
sending a 200 MB header is answered after the daemon has held all of it. Here the request line and the head
are counted as they arrive and a request past the limits is answered 414 or 431, and its connection closed,
before anything grows. An absolute-form target (`GET http://host/path`) names the host the request is for
(RFC 9112 §3.2.2), so it replaces the Host header and meets the guard's Host check like any other.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from contextstack.providers.registry import configured_providers
from contextstack.redaction import redact_logs
from contextstack.settings import MAX_HEADER_BYTES, MAX_HEADERS, MAX_REQUEST_LINE_BYTES, Settings

_REASONS = {400: b"Bad Request", 414: b"URI Too Long", 431: b"Request Header Fields Too Large"}


class _HeadTooLarge(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing a request line, header count or head size past the limits."""

    _received_in_head = 0  # bytes received while the head is not complete: a header still arriving
    _header_bytes = 0  # bytes of the header lines parsed so far
    _header_count = 0
    _in_head = True

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__  # what the callback raised
            if isinstance(cause, _HeadTooLarge):
                self._refuse(cause.status, cause.message)
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
        if not self.url.startswith(b"/") and self.url != b"*":
            self._take_host_from_target()
        super().on_headers_complete()

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


def server_config(settings: Settings, app: Any) -> uvicorn.Config:
    """uvicorn's configuration for the daemon; from then on no log line carries a configured secret."""
    providers = configured_providers(settings, os.environ).values()
    redact_logs([settings.token, *(p.api_key for p in providers), *(v for p in providers for v in p.headers.values())])
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        http=BoundedHttpToolsProtocol,
        ws="none",
        lifespan="on",
        access_log=False,
        log_config=None,
        proxy_headers=False,  # a local daemon has no proxy in front of it to trust X-Forwarded-* headers from
        timeout_graceful_shutdown=10,
        server_header=False,
    )
