"""HTTP to an upstream, shared by both adapters: sending, mapping failures, and relaying a stream as it comes."""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator

import anyio
import httpcore
import httpx
import msgspec

from contextstack import __version__
from contextstack.providers.errors import ProviderError, from_upstream, malformed, timed_out, unreachable
from contextstack.providers.models import OpenAIErrorBody, Target
from contextstack.providers.registry import Provider

log = logging.getLogger("contextstack.providers")

_encode = msgspec.json.Encoder().encode

# Upstream headers worth passing on with an error: when to retry, and how the limits stand.
_ERROR_HEADERS = ("retry-after", "retry-after-ms", "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests")


class _ModelId(msgspec.Struct, frozen=True):
    id: str


class _ModelPage(msgspec.Struct, frozen=True):
    data: list[_ModelId]


_decode_models = msgspec.json.Decoder(_ModelPage).decode

# Listing models must not hang a client on a provider that is down: a local server that is not running
# refuses at once, a remote one gets a few seconds.
LISTING_TIMEOUT = httpx.Timeout(10.0, connect=2.0)


# What can go wrong on the way to a provider and back: httpcore's transport errors.
TRANSPORT_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
)


def _transport_failure(target: Target, exc: Exception, when: str) -> ProviderError:
    if isinstance(exc, httpcore.TimeoutException):
        return timed_out(target, when)
    return unreachable(target, f"{type(exc).__name__} {when}")


class Upstream:
    """One provider's pool of connections, its timeouts and the headers every request to it carries.

    Requests go straight to httpcore's connection pool, the transport under httpx: httpx's client and its
    transport wrapper (cookies, auth, redirects, header merging, its own request and response objects), which
    an API pass-through never uses, cost about 0.2 ms a request on this machine (docs/benchmarks.md, Proxy).
    """

    def __init__(self, provider: Provider, ssl_context: ssl.SSLContext, headers: dict[str, str]) -> None:
        self.provider = provider
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context, max_connections=None, max_keepalive_connections=64, keepalive_expiry=60
        )
        every = {"content-type": "application/json", "user-agent": f"contextstack/{__version__}", **headers}
        self._headers = [(name.lower().encode(), value.encode()) for name, value in every.items()]
        self._timeouts = httpx.Timeout(provider.read_timeout, connect=provider.connect_timeout).as_dict()

    async def send(
        self,
        target: Target,
        method: bytes,
        url: httpcore.URL,
        content: bytes | None = None,
        *,
        timeouts: httpx.Timeout | None = None,
    ) -> httpcore.Response:
        """Send and wait for the status line; a transport failure or a non-2xx answer raises ProviderError.

        The body is left unread: the caller reads it, or relays it, and closes the response.
        """
        sent = [(b"host", _host_header(url)), *self._headers]
        if content is not None:
            sent.append((b"content-length", str(len(content)).encode()))
        request = httpcore.Request(
            method,
            url,
            headers=sent,
            content=content,
            extensions={"timeout": timeouts.as_dict() if timeouts else self._timeouts},
        )
        try:
            response = await self._pool.handle_async_request(request)
        except TRANSPORT_ERRORS as exc:
            raise _transport_failure(target, exc, "before answering") from None
        if response.status < 400:
            return response
        try:
            body = await response.aread()
        except TRANSPORT_ERRORS:
            body = b""
        finally:
            await response.aclose()
        received = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in response.headers}
        headers = {name: received[name] for name in _ERROR_HEADERS if name in received}
        raise from_upstream(target, response.status, body, headers)

    async def model_ids(self, url: httpcore.URL) -> list[str]:
        """The model names the provider lists at `url` (OpenAI and Anthropic both answer `{"data": [{"id": …}]}`)."""
        target = Target(self.provider.name, "(models)")
        response = await self.send(target, b"GET", url, timeouts=LISTING_TIMEOUT)
        body = await read_body(target, response)
        try:
            return [model.id for model in _decode_models(body).data]
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise malformed(target, "a model list in an unknown shape") from None

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._pool.aclose()


_DEFAULT_PORTS = {b"http": 80, b"https": 443}


def _host_header(url: httpcore.URL) -> bytes:
    host = b"[" + url.host + b"]" if b":" in url.host else url.host
    return host if url.port in (None, _DEFAULT_PORTS.get(url.scheme)) else b"%b:%d" % (host, url.port)


def upstream_url(url: str, params: dict[str, str | int] | None = None) -> httpcore.URL:
    """The URL of a provider's endpoint, its query string encoded."""
    return httpcore.URL(str(httpx.URL(url, params=params)))


async def read_body(target: Target, response: httpcore.Response) -> bytes:
    """The whole body of a successful answer."""
    try:
        return await response.aread()
    except TRANSPORT_ERRORS as exc:
        raise _transport_failure(target, exc, "while sending its answer") from None
    finally:
        await response.aclose()


def error_event(error: ProviderError) -> bytes:
    """An SSE event OpenAI clients read as an error (the `openai` SDK raises APIError on it)."""
    return b"data: " + _encode(OpenAIErrorBody(error=error.body())) + b"\n\n"


def _last_event_end(data: bytes) -> int:
    """Where the last complete SSE event in `data` ends (0 when none is complete)."""
    lf = data.rfind(b"\n\n")
    crlf = data.rfind(b"\r\n\r\n")
    return max(lf + 2 if lf >= 0 else 0, crlf + 4 if crlf >= 0 else 0)


async def whole_events(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The bytes as they arrive, cut after the last complete event, so a failure never splits an event."""
    tail = b""
    async for chunk in chunks:
        data = tail + chunk if tail else chunk
        end = _last_event_end(data)
        if end == 0:
            tail = data
            continue
        tail = data[end:]
        yield data[:end]
    if tail:
        yield tail


async def _close(response: httpcore.Response) -> None:
    # Shielded: a cancelled request (the client went away) still closes the upstream connection.
    with anyio.CancelScope(shield=True):
        await response.aclose()


async def open_stream(
    target: Target, response: httpcore.Response, events: AsyncIterator[bytes]
) -> AsyncIterator[bytes]:
    """Wait for the first event, then relay the rest; failures before the first byte raise (so fallbacks apply).

    After the first byte, a failure ends the stream with an error event; closing the relay closes upstream.
    """
    try:
        first = await anext(events)
    except StopAsyncIteration:
        await _close(response)
        raise unreachable(target, "the stream closed before its first event") from None
    except TRANSPORT_ERRORS as exc:
        await _close(response)
        raise _transport_failure(target, exc, "before the first byte") from None
    except BaseException:
        await _close(response)
        raise
    return _relay(target, response, first, events)


async def _relay(
    target: Target, response: httpcore.Response, first: bytes, events: AsyncIterator[bytes]
) -> AsyncIterator[bytes]:
    try:
        yield first
        try:
            async for event in events:
                yield event
        except TRANSPORT_ERRORS as exc:
            failure = _transport_failure(target, exc, "mid-stream")
            log.warning("%s: stream failed: %s", target.name, failure.message)
            yield error_event(failure)
        except ProviderError as exc:
            log.warning("%s: stream failed: %s", target.name, exc.message)
            yield error_event(exc)
    finally:
        await _close(response)
