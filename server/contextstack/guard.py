"""ASGI middleware in front of every route: the request log, the Host check and the access token.

Pure ASGI rather than Litestar middleware classes: they sit on the proxy's hot path.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Iterable

from contextstack.asgi import ASGIApp, Message, Receive, Scope, Send
from contextstack.settings import LOOPBACK_HOSTS
from contextstack.shapes import refusal

access_log = logging.getLogger("contextstack.access")


async def _refuse(send: Send, path: str, status: int, title: str, detail: str, slug: str) -> None:
    body, media_type = refusal(path, status, title, detail, slug)
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


class RequestGuard:
    """Logs each request in one line, refuses foreign Host headers and, when a token is set, missing tokens."""

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
        self.allowed_origins = {o.lower().rstrip("/") for o in allowed_origins}
        self.token = token.encode() if token else None
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            refusal = self._refusal(scope)
            if refusal:
                await _refuse(send_and_note, scope["path"], *refusal)
            else:
                await self.app(scope, receive, send_and_note)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                ms = (time.perf_counter() - started) * 1000
                access_log.info("%s %s %s %.1fms", scope["method"], scope["path"], status or "-", ms)

    def _refusal(self, scope: Scope) -> tuple[int, str, str, str] | None:
        host = b""
        authorization = b""
        origin: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"host":
                host = value
            elif name == b"authorization":
                authorization = value
            elif name == b"origin":
                origin = value
        name = _host_name(host)
        if name not in self.allowed_hosts:
            return (
                403,
                "Forbidden",
                f"Host {name or '(none)'!r} is not allowed: the daemon answers only to loopback names and "
                "the hosts listed in allowed_hosts.",
                "host-not-allowed",
            )
        if origin is not None and not self._origin_allowed(origin.decode("latin-1").strip().lower().rstrip("/")):
            return (
                403,
                "Forbidden",
                f"Origin {origin.decode('latin-1')[:200]!r} is not allowed: browser pages from other sites may not "
                "call the daemon; list trusted origins in allowed_origins.",
                "origin-not-allowed",
            )
        if self.token and scope["path"] not in self.open_paths:
            scheme, _, credential = authorization.partition(b" ")
            if scheme.lower() != b"bearer" or not hmac.compare_digest(credential.strip(), self.token):
                return (
                    401,
                    "Unauthorized",
                    "This daemon needs its access token: Authorization: Bearer <token>.",
                    "unauthorized",
                )
        return None

    def _origin_allowed(self, origin: str) -> bool:
        if origin in self.allowed_origins:
            return True
        scheme, sep, rest = origin.partition("://")
        return bool(sep) and scheme in ("http", "https") and _host_name(rest.encode("latin-1")) in LOOPBACK_HOSTS
