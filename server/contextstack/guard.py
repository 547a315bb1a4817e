"""ASGI middleware in front of every route: the request log, the Host and Origin checks, CORS, the token.

Pure ASGI rather than Litestar middleware classes: they sit on the proxy's hot path. Everything here is decided
from the request's head, before any body is read or any route runs; docs/security.md says what each check stops.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections.abc import Iterable

from contextstack.asgi import ASGIApp, Message, Receive, Scope, Send
from contextstack.settings import LOOPBACK_HOSTS
from contextstack.shapes import refusal

access_log = logging.getLogger("contextstack.access")

# Set in the scope of every request the guard lets through: whether it carried the access token (False when
# none is configured), for the routes that answer everyone but say more to the user (`/health`).
AUTHENTICATED = "contextstack.authenticated"
# The header the access token can travel in when the request's own credential is meant for a provider.
TOKEN_HEADER = b"x-contextstack-token"

# Methods whose body the daemon reads, and the media types a body may say it is: JSON, or a JSON-based type.
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_JSON_MEDIA_TYPE = re.compile(rb"^\s*application/([a-z0-9.!#$%&'*^_`|~-]+\+)?json\s*(;|$)", re.IGNORECASE)

# What a listed origin may send and read: a browser front end of the API and the proxy.
_CORS_METHODS = b"GET, POST, PUT, PATCH, DELETE, OPTIONS"
_CORS_EXPOSED = (
    b"ETag, Location, Retry-After, X-Contextstack-Project, X-Contextstack-Context-Tokens, X-Contextstack-Model, "
    b"X-Contextstack-Budget"
)
_HEADER_LIST = re.compile(rb"^[A-Za-z0-9!#$%&'*+.^_`|~,\s-]{0,2000}$")

# Control characters (and the C1 set terminals also obey) are logged escaped: a path cannot forge a log line.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")


def printable(text: str, limit: int = 2000) -> str:
    """`text` safe for one log line: control characters and backslashes escaped, cut at `limit` characters."""
    escaped = _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return escaped if len(escaped) <= limit else escaped[:limit] + "…"


Refusal = tuple[int, str, str, str]


async def _refuse(send: Send, path: str, anthropic: bool, status: int, title: str, detail: str, slug: str) -> None:
    body, media_type = refusal(path, status, title, detail, slug, anthropic=anthropic)
    headers = [(b"content-type", media_type), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="contextstack"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _host_name(raw: bytes) -> str:
    host = raw.decode("latin-1").strip().lower()
    if host.startswith("["):  # [::1]:8765
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _split_authority(authority: str) -> tuple[str, str]:
    """The host name and port of `host:port` or `[v6]:port` (port "" when there is none)."""
    if authority.startswith("["):
        name, _, rest = authority[1:].partition("]")
        return name, rest.removeprefix(":")
    name, _, port = authority.partition(":")
    return name, port


def _origin_key(origin: str) -> str:
    return origin.strip().lower().rstrip("/")


class RequestGuard:
    """Logs each request in one line; lets in only the user's own hosts, pages and (with a token) tools."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        allowed_hosts: Iterable[str] = (),
        allowed_origins: Iterable[str] = (),
        token: str | None = None,
        open_paths: Iterable[str] = ("/health",),
    ) -> None:
        self.app = app
        self.allowed_hosts = {h.lower() for h in (*LOOPBACK_HOSTS, *allowed_hosts)}
        self.allowed_origins = {_origin_key(o) for o in allowed_origins}
        self.token = token.encode() if token else None
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        cors: list[tuple[bytes, bytes]] = []

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if cors:
                    message["headers"] = [*message.get("headers", ()), *cors]
            await send(message)

        try:
            head = _Head(scope)
            refused = self._host_refusal(head)
            if refused is None and head.origin is not None and _origin_key(head.origin) in self.allowed_origins:
                cors = _cors_headers(head.origin)
            listed = bool(cors)
            if refused is None and not listed:
                refused = self._origin_refusal(head, scope)
            if refused is None and listed and scope["method"] == "OPTIONS" and head.preflight:
                # A listed origin's preflight: the browser sends no token with it, and nothing is routed.
                cors = [*cors, *_preflight_headers(head.requested_headers)]
                await send_and_note({"type": "http.response.start", "status": 204, "headers": []})
                await send_and_note({"type": "http.response.body", "body": b""})
                return
            authenticated = False
            if refused is None and self.token:
                authenticated = self._token_given(head)
                if not authenticated and scope["path"] not in self.open_paths:
                    refused = (
                        401,
                        "Unauthorized",
                        "This daemon needs its access token: Authorization: Bearer <token>, or the token as "
                        "x-api-key or X-Contextstack-Token.",
                        "unauthorized",
                    )
            if refused is None:
                refused = _media_type_refusal(head, scope)
            if refused:
                await _refuse(send_and_note, scope["path"], head.anthropic_version, *refused)
            else:
                scope[AUTHENTICATED] = authenticated
                await self.app(scope, receive, send_and_note)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                ms = (time.perf_counter() - started) * 1000
                access_log.info(
                    "%s %s %s %.1fms", printable(scope["method"]), printable(scope["path"]), status or "-", ms
                )

    def _host_refusal(self, head: _Head) -> Refusal | None:
        if len(head.hosts) > 1:
            return (
                400,
                "Bad request",
                "The request has more than one Host header; HTTP allows exactly one.",
                "duplicate-host",
            )
        name = _host_name(head.hosts[0]) if head.hosts else ""
        if name not in self.allowed_hosts:
            return (
                403,
                "Forbidden",
                f"Host {printable(name, 200) or '(none)'!r} is not allowed: the daemon answers only to loopback "
                "names and the hosts listed in allowed_hosts.",
                "host-not-allowed",
            )
        return None

    def _origin_refusal(self, head: _Head, scope: Scope) -> Refusal | None:
        if head.origin is None or self._own_origin(_origin_key(head.origin), scope):
            return None
        return (
            403,
            "Forbidden",
            f"Origin {printable(head.origin, 200)!r} is not allowed: only the daemon's own pages and the origins "
            "listed in allowed_origins may call it from a browser.",
            "origin-not-allowed",
        )

    def _own_origin(self, origin: str, scope: Scope) -> bool:
        """Whether a page came from this daemon: http, one of its host names, the port it listens on."""
        scheme, sep, authority = origin.partition("://")
        server = scope.get("server")
        if not sep or scheme != "http" or not server:
            return False
        name, port = _split_authority(authority)
        return name in self.allowed_hosts and (port or "80") == str(server[1])

    def _token_given(self, head: _Head) -> bool:
        # As a bearer token (OpenAI clients), as the key (Anthropic clients send theirs as x-api-key), or in a
        # header of its own (a client whose own key goes on to its provider: forward_client_key).
        assert self.token is not None
        scheme, _, credential = head.authorization.partition(b" ")
        if scheme.lower() == b"bearer" and hmac.compare_digest(credential.strip(), self.token):
            return True
        return any(hmac.compare_digest(given.strip(), self.token) for given in (head.api_key, head.own_token) if given)


class _Head:
    """The headers the guard decides on, read in one pass."""

    __slots__ = (
        "anthropic_version",
        "api_key",
        "authorization",
        "content_type",
        "has_body",
        "hosts",
        "origin",
        "own_token",
        "preflight",
        "requested_headers",
    )

    def __init__(self, scope: Scope) -> None:
        self.hosts: list[bytes] = []
        self.authorization = b""
        self.api_key = b""
        self.own_token = b""
        self.anthropic_version = False
        self.origin: str | None = None
        self.content_type: bytes | None = None
        self.has_body = False
        self.preflight = False
        self.requested_headers = b""
        for name, value in scope["headers"]:
            if name == b"host":
                self.hosts.append(value)
            elif name == b"authorization":
                self.authorization = value
            elif name == b"x-api-key":
                self.api_key = value
            elif name == TOKEN_HEADER:
                self.own_token = value
            elif name == b"anthropic-version":
                self.anthropic_version = True
            elif name == b"origin":
                self.origin = value.decode("latin-1")
            elif name == b"content-type":
                self.content_type = value
            elif name == b"content-length":
                self.has_body = self.has_body or value.strip() not in (b"", b"0")
            elif name == b"transfer-encoding":
                self.has_body = True
            elif name == b"access-control-request-method":
                self.preflight = True
            elif name == b"access-control-request-headers":
                self.requested_headers = value


def _media_type_refusal(head: _Head, scope: Scope) -> Refusal | None:
    # Every body the daemon reads is JSON. A browser sends text/plain, form and multipart bodies without asking
    # first (no preflight), so one that does not say JSON is refused rather than read as JSON.
    if not head.has_body or scope["method"] not in _BODY_METHODS:
        return None
    if head.content_type is not None and _JSON_MEDIA_TYPE.match(head.content_type):
        return None
    said = "no Content-Type" if head.content_type is None else f"{head.content_type.decode('latin-1')[:100]!r}"
    return (
        415,
        "Unsupported media type",
        f"The body must be JSON, sent as Content-Type: application/json (this request says {said}).",
        "unsupported-media-type",
    )


def _cors_headers(origin: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"access-control-allow-origin", origin.strip().encode("latin-1")),
        (b"access-control-expose-headers", _CORS_EXPOSED),
        (b"vary", b"Origin"),
    ]


def _preflight_headers(requested: bytes) -> list[tuple[bytes, bytes]]:
    headers = [(b"access-control-allow-methods", _CORS_METHODS), (b"access-control-max-age", b"600")]
    if requested and _HEADER_LIST.match(requested):
        headers.append((b"access-control-allow-headers", requested))
    return headers
