"""How the CLI talks to a running daemon: the generated client (`contextstack_client`), and its refusals as one line."""

from __future__ import annotations

import functools
import os
import ssl
from typing import TypeVar

import httpx
import msgspec

from contextstack_client import AuthenticatedClient, Client
from contextstack_client.api.projects import list_projects
from contextstack_client.models import Problem, Project
from contextstack_client.types import UNSET, Response, Unset

DEFAULT_URL = "http://127.0.0.1:8765"
URL_ENV = "CONTEXTSTACK_URL"
TOKEN_ENV = "CONTEXTSTACK_TOKEN"
TIMEOUT = httpx.Timeout(60.0, connect=5.0)

T = TypeVar("T")
Daemon = Client | AuthenticatedClient


class RemoteError(Exception):
    """The daemon could not be reached or refused the request; the message is one line for the user."""


class _Refusal(msgspec.Struct):
    detail: str = ""


def daemon_url(url: str | None) -> str:
    """The daemon to talk to: `--url`, else CONTEXTSTACK_URL, else the default local address."""
    return (url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")


def connect(url: str) -> Daemon:
    """A client for the daemon at `url`, acting as the user, with CONTEXTSTACK_TOKEN as bearer token if set."""
    headers = {"X-Contextstack-Actor": "user"}
    token = os.environ.get(TOKEN_ENV)
    tls = tls_context()
    if token:
        return AuthenticatedClient(base_url=url, token=token, headers=headers, timeout=TIMEOUT, verify_ssl=tls)
    return Client(base_url=url, headers=headers, timeout=TIMEOUT, verify_ssl=tls)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default verifying context, made once: loading the CA bundle costs tens of milliseconds a client."""
    return httpx.create_ssl_context()


def answer(response: Response[T | Problem]) -> T:
    """The parsed body of a successful response; a RemoteError with the daemon's own explanation otherwise."""
    parsed = response.parsed
    if response.status_code < 300 and parsed is not None and not isinstance(parsed, Problem):
        return parsed
    try:
        detail = msgspec.json.decode(response.content, type=_Refusal).detail
    except msgspec.DecodeError:
        detail = ""
    message = detail or f"the daemon answered HTTP {int(response.status_code)}"
    if response.status_code == 401:
        message += f" Set {TOKEN_ENV} to the daemon's token."
    raise RemoteError(message)


def list_all_projects(daemon: Daemon) -> list[Project]:
    projects: list[Project] = []
    cursor: str | Unset = UNSET
    while True:
        page = answer(list_projects.sync_detailed(client=daemon, cursor=cursor, limit=500))
        projects.extend(page.items)
        if page.next_cursor is None:
            return projects
        cursor = page.next_cursor
