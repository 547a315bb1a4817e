"""HTTP to an upstream, shared by both adapters: sending, mapping failures, and relaying a stream as it comes."""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncGenerator, AsyncIterator, Callable

import aiohttp
import httpx
import msgspec
import yarl

from contextstack import __version__
from contextstack.providers.errors import (
    ProviderError,
    ended_early,
    from_upstream,
    malformed,
    timed_out,
    unreachable,
)
from contextstack.providers.models import Target
from contextstack.providers.registry import Provider
from contextstack.shapes import OpenAIErrorBody, anthropic_error_json

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
LISTING_TIMEOUT = aiohttp.ClientTimeout(total=None, sock_connect=2.0, sock_read=10.0)


# What can go wrong on the way to a provider and back: aiohttp's client errors (refused, reset, a truncated
# body, a malformed answer) and its timeouts, which are TimeoutErrors.
TRANSPORT_ERRORS = (aiohttp.ClientError, TimeoutError)

Response = aiohttp.ClientResponse


def _transport_failure(target: Target, exc: Exception, when: str) -> ProviderError:
    if isinstance(exc, TimeoutError):
        return timed_out(target, when)
    return unreachable(target, f"{type(exc).__name__} {when}")


class Upstream:
    """One provider's pool of connections, its timeouts and the headers every request to it carries.

    aiohttp, with its HTTP parser in C, costs a third of the CPU a request of httpx's pure-Python transport
    (h11 and anyio), measured in docs/benchmarks.md (Proxy). Nothing of
    a browser's client is used: no cookies, no redirects, no proxies from the environment; bodies come back
    as they are unless the provider compresses them unasked.
    """

    def __init__(self, provider: Provider, ssl_context: ssl.SSLContext, headers: dict[str, str]) -> None:
        # Created on the running loop (Providers.open), as aiohttp asks.
        self.provider = provider
        # What a provider might echo back in an error, and must not be relayed or logged.
        self._secrets = (provider.api_key, *provider.headers.values())
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=60, ssl=ssl_context),
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("accept-encoding",),
            headers={"content-type": "application/json", "user-agent": f"contextstack/{__version__}", **headers},
        )
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=provider.connect_timeout, sock_read=provider.read_timeout
        )

    async def send(
        self,
        target: Target,
        method: str,
        url: yarl.URL,
        content: bytes | None = None,
        *,
        timeouts: aiohttp.ClientTimeout | None = None,
        headers: dict[str, str] | None = None,
        secret: str | None = None,
    ) -> Response:
        """Send and wait for the status line; a transport failure or a non-2xx answer raises ProviderError.

        `headers` go with this request only; `secret` (a key among them) is cut out of any error, as the
        provider's own key is. The body is left unread: the caller reads it, or relays it, and closes the response.
        """
        try:
            response = await self._session.request(
                method, url, data=content, timeout=timeouts or self._timeout, allow_redirects=False, headers=headers
            )
        except TRANSPORT_ERRORS as exc:
            raise _transport_failure(target, exc, "before answering") from None
        if response.status < 400:
            return response
        try:
            body = await response.read()
        except TRANSPORT_ERRORS:
            body = b""
        finally:
            response.close()
        relayed = {name: response.headers[name] for name in _ERROR_HEADERS if name in response.headers}
        secrets = self._secrets if secret is None else (*self._secrets, secret)
        raise from_upstream(target, response.status, body, relayed, secrets, response.content_type)

    async def model_ids(self, url: yarl.URL) -> list[str]:
        """The model names the provider lists at `url` (OpenAI and Anthropic both answer `{"data": [{"id": …}]}`)."""
        target = Target(self.provider.name, "(models)")
        response = await self.send(target, "GET", url, timeouts=LISTING_TIMEOUT)
        body = await read_body(target, response)
        try:
            return [model.id for model in _decode_models(body).data]
        except (msgspec.DecodeError, msgspec.ValidationError):
            raise malformed(target, "a model list in an unknown shape") from None

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self._session.close()


def upstream_url(url: str, params: dict[str, str | int] | None = None) -> yarl.URL:
    """The URL of a provider's endpoint, its query string encoded."""
    return yarl.URL(str(httpx.URL(url, params=params)), encoded=True)


def chunks(response: Response) -> AsyncIterator[bytes]:
    """The body's bytes as they arrive."""
    return response.content.iter_any()


async def read_body(target: Target, response: Response) -> bytes:
    """The whole body of a successful answer."""
    try:
        return await response.read()
    except TRANSPORT_ERRORS as exc:
        raise _transport_failure(target, exc, "while sending its answer") from None
    finally:
        response.close()


def error_event(error: ProviderError) -> bytes:
    """An SSE event OpenAI clients read as an error (the `openai` SDK raises APIError on it)."""
    return b"data: " + _encode(OpenAIErrorBody(error=error.body())) + b"\n\n"


def anthropic_error_event(error: ProviderError) -> bytes:
    """An SSE `error` event as Anthropic sends one mid-stream (the anthropic SDK raises APIError on it)."""
    return b"event: error\ndata: " + anthropic_error_json(error.status, error.message, error.type) + b"\n\n"


# What the last event of a whole stream holds: a stream that stops before it was cut short, whatever the provider
# says of it.
OPENAI_END: tuple[bytes, ...] = (b"[DONE]",)
ANTHROPIC_END: tuple[bytes, ...] = (b"event: message_stop",)
RESPONSES_END: tuple[bytes, ...] = (b"response.completed", b"response.failed", b"response.incomplete")


def _last_event_end(data: bytes) -> int:
    """Where the last complete SSE event in `data` ends (0 when none is complete)."""
    lf = data.rfind(b"\n\n")
    crlf = data.rfind(b"\r\n\r\n")
    return max(lf + 2 if lf >= 0 else 0, crlf + 4 if crlf >= 0 else 0)


async def whole_events(
    target: Target, chunks: AsyncIterator[bytes], end_markers: tuple[bytes, ...] = OPENAI_END
) -> AsyncIterator[bytes]:
    """The bytes of an event stream as they arrive, cut after the last complete event, so a failure never splits
    an event.

    A stream whose last event holds none of `end_markers` (OpenAI's closing `data: [DONE]`, Anthropic's
    `message_stop`, the Responses API's last event) was cut short, even when its connection closed cleanly (a body
    that runs to the connection's close has no other end): it ends with an error, not a half answer.
    """
    tail = b""
    last = b""
    async for chunk in chunks:
        data = tail + chunk if tail else chunk
        end = _last_event_end(data)
        if end == 0:
            tail = data
            continue
        tail = data[end:]
        last = data[:end]
        yield last
    if tail.strip() or not any(marker in last for marker in end_markers):
        raise ended_early(target)


ErrorEvent = Callable[[ProviderError], bytes]


async def open_stream(
    target: Target, response: Response, events: AsyncIterator[bytes], on_error: ErrorEvent = error_event
) -> AsyncGenerator[bytes, None]:
    """Wait for the first event, then relay the rest; failures before the first byte raise (so fallbacks apply).

    An answer that is not an event stream (a login page, a captive portal's HTML) is a 502 before anything is
    relayed. After the first byte, a failure ends the stream with an error event (`on_error`: in the client's
    dialect); closing the relay closes upstream.
    """
    if response.content_type != "text/event-stream":
        response.close()
        raise ProviderError(
            502,
            f"{target.name}: the provider answered a stream request with {response.content_type or 'no content type'}"
            ", not an event stream.",
            code="upstream_malformed_response",
            retryable=True,
        )
    try:
        first = await anext(events)
    except StopAsyncIteration:
        response.close()
        raise unreachable(target, "the stream closed before its first event") from None
    except TRANSPORT_ERRORS as exc:
        response.close()
        raise _transport_failure(target, exc, "before the first byte") from None
    except BaseException:
        response.close()
        raise
    return _relay(target, response, first, events, on_error)


async def _relay(
    target: Target, response: Response, first: bytes, events: AsyncIterator[bytes], on_error: ErrorEvent
) -> AsyncGenerator[bytes, None]:
    try:
        yield first
        try:
            async for event in events:
                yield event
        except TRANSPORT_ERRORS as exc:
            failure = _transport_failure(target, exc, "mid-stream")
            log.warning("%s: stream failed: %s", target.name, failure.message)
            yield on_error(failure)
        except ProviderError as exc:
            log.warning("%s: stream failed: %s", target.name, exc.message)
            yield on_error(exc)
    finally:
        response.close()
