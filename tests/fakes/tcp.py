"""Upstreams that fail below HTTP, as real sockets on 127.0.0.1: a port that refuses, a server that never accepts,
one that accepts and never answers, and one that resets the connection (TCP RST) before or during its answer."""

from __future__ import annotations

import socket
import struct
import threading
from typing import Literal, Self

TcpFaultKind = Literal["refuse", "never_accept", "hang", "reset", "reset_mid_stream"]

_STREAM_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n"
_JSON_HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 4096\r\n\r\n"


def _reset(conn: socket.socket) -> None:
    """Close with SO_LINGER 0: the peer gets a TCP RST, not a FIN."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def _read_request(conn: socket.socket) -> bytes:
    """The request's head and as much body as its Content-Length says."""
    data = b""
    while b"\r\n\r\n" not in data:
        part = conn.recv(65536)
        if not part:
            return data
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
        0,
    )
    while len(body) < length:
        part = conn.recv(65536)
        if not part:
            break
        body += part
    return data


class TcpFault:
    """A socket on a free 127.0.0.1 port that fails the way `kind` says; `url` is its API base (`…/v1`).

    `reset_mid_stream` answers a streamed request with `stream_prefix` as the start of an event stream, and any
    other with the first bytes of a JSON body, before it resets.
    """

    def __init__(self, kind: TcpFaultKind, stream_prefix: bytes = b"") -> None:
        self.kind = kind
        self.stream_prefix = stream_prefix
        self.accepted = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> Self:
        if self.kind == "refuse":
            return self  # bound, never listening: connecting is refused
        if self.kind == "never_accept":
            # A backlog of one, filled by a connection of our own: the kernel drops the next SYNs, so a client's
            # connect waits until its own timeout.
            self._sock.listen(0)
            for _ in range(2):
                filler = socket.socket()
                filler.setblocking(False)
                filler.connect_ex(("127.0.0.1", self.port))
                self._held.append(filler)
            return self
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        try:
            request = _read_request(conn)
            if self.kind == "hang":
                self._held.append(conn)  # read, never answered, never closed (until the fake stops)
                return
            if self.kind == "reset_mid_stream":
                streamed = b'"stream": true' in request or b'"stream":true' in request
                prefix = self.stream_prefix
                chunked = f"{len(prefix):x}\r\n".encode() + prefix + b"\r\n"
                conn.sendall(_STREAM_HEAD + chunked if streamed else _JSON_HEAD + b'{"id": "cut-short", ')
                self._stop.wait(0.05)  # the events reach the client before the reset does
            _reset(conn)
        except OSError:
            conn.close()

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for held in self._held:
            held.close()
        self._sock.close()
