"""The proxy's project paths, `/p/{project}/v1/…`, routed before Litestar to the `/v1/…` endpoints they mirror.

Litestar 2 cannot route a plain `asgi` handler whose path has a parameter (it looks the handler up by the wrong
key), and a Litestar HTTP handler in its place, handing over to the same plain ASGI code, made a burst of
concurrent requests wait far longer on `/p/{project}/v1` than on `/v1` (docs/benchmarks.md, Proxy bursts). So a
request for one of the proxy's plain ASGI endpoints under `/p/{project}/v1` goes on with `/p/{project}` as its
root path, which Litestar routes as `/v1/…`, and the project noted in its scope (`project_in_path`); everything
else under `/p/` (the model list) is still Litestar's to route.
"""

from __future__ import annotations

from contextstack.asgi import ASGIApp, Receive, Scope, Send

_PROJECT = "contextstack.project_in_path"
# The endpoints under /v1 that are plain ASGI handlers, and so take their project from the scope.
PLAIN_ENDPOINTS = frozenset({"chat/completions", "responses", "embeddings", "messages", "messages/count_tokens"})


def project_in_path(scope: Scope) -> str | None:
    """The project a request named in its path (`/p/{project}/v1/…`), if it did."""
    project: str | None = scope.get(_PROJECT)
    return project


class ProjectPaths:
    """Sends `/p/{project}/v1/{endpoint}` to `/v1/{endpoint}` with the project in the scope, for plain endpoints."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/p/"):
            project, found, endpoint = scope["path"][3:].partition("/v1/")
            endpoint = endpoint.rstrip("/")
            if found and project and "/" not in project and endpoint in PLAIN_ENDPOINTS and not scope.get("root_path"):
                # `/p/{project}` as the root path: Litestar routes what follows it, and the request's URL (in
                # errors, in logs) is still the one the client sent. A new scope: the guard's is left as it was.
                scope = {**scope, "root_path": "/p/" + project, _PROJECT: project}
        await self.app(scope, receive, send)
