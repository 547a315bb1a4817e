"""One proxied exchange in plain ASGI, the same for every dialect: the proxy's own headers, the body read within
the limit, the answer sent as it comes, and the upstream request cancelled when the client goes away."""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Awaitable, Callable
from typing import get_args

import msgspec
from litestar import Litestar
from litestar.exceptions import MethodNotAllowedException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge

from contextstack.asgi import Message, Receive, Scope, Send
from contextstack.assembly.service import MAX_BUDGET
from contextstack.conversations.recording import Dialect
from contextstack.dependencies import runtime_of
from contextstack.errors import BadRequest, FieldError
from contextstack.ids import is_id
from contextstack.numbers import parse_count
from contextstack.providers.errors import ProviderError
from contextstack.providers.models import Forwarded
from contextstack.proxy.recording import check_named, exchange_of, failure_of, recording_of
from contextstack.proxy.service import ProxyAnswer, ProxyOptions, StreamPlace
from contextstack.runtime import Runtime
from contextstack.settings import MAX_BODY_BYTES, InjectMode

PROJECT_HEADER = b"x-contextstack-project"
BUDGET_HEADER = b"x-contextstack-budget"
INJECT_HEADER = b"x-contextstack-inject"
CONVERSATION_HEADER = b"x-contextstack-conversation"
MODEL_HEADER = b"x-contextstack-model"
CONTEXT_TOKENS_HEADER = b"x-contextstack-context-tokens"

_INJECT_MODES: tuple[InjectMode, ...] = get_args(InjectMode)

# nginx's status for a request its client closed before the answer: what the access log shows for one.
CLIENT_CLOSED_REQUEST = 499

log = logging.getLogger("contextstack.proxy")

# Proxies in front of the daemon (nginx) must not hold a stream back.
_STREAM_HEADERS = [(b"cache-control", b"no-cache"), (b"x-accel-buffering", b"no")]
_EVENT_STREAM = b"text/event-stream; charset=utf-8"
_JSON = b"application/json"


def proxy_options(headers: dict[bytes, bytes], project: str | None) -> ProxyOptions:
    raw_budget = header(headers, BUDGET_HEADER)
    budget = None if raw_budget is None else parse_count(raw_budget, maximum=MAX_BUDGET)
    if raw_budget is not None and budget is None:
        raise BadRequest(
            f"X-Contextstack-Budget must be a whole number of tokens, at most {MAX_BUDGET}.",
            errors=[FieldError("header.X-Contextstack-Budget", f"not a token budget: {raw_budget[:40]!r}")],
        )
    inject = header(headers, INJECT_HEADER)
    if inject is not None and inject not in _INJECT_MODES:
        raise BadRequest(
            "X-Contextstack-Inject must be delta, prepend, append or off.",
            errors=[FieldError("header.X-Contextstack-Inject", f"not a mode: {inject[:40]!r}")],
        )
    conversation = header(headers, CONVERSATION_HEADER)
    if conversation is not None and not is_id(conversation, "cnv"):
        raise BadRequest(
            "X-Contextstack-Conversation must be a conversation's id (cnv_…).",
            errors=[FieldError("header.X-Contextstack-Conversation", f"not a conversation id: {conversation[:40]!r}")],
        )
    return ProxyOptions(
        project=project or header(headers, PROJECT_HEADER) or None,
        budget=budget,
        inject=next((mode for mode in _INJECT_MODES if mode == inject), None),
        conversation=conversation or None,
    )


def header(headers: dict[bytes, bytes], name: bytes) -> str | None:
    value = headers.get(name)
    return None if value is None else value.decode("latin-1").strip()


def _content_length(headers: dict[bytes, bytes]) -> int | None:
    value = headers.get(b"content-length")
    return None if value is None else parse_count(value)


async def read_body(headers: dict[bytes, bytes], receive: Receive) -> bytes | None:
    """The request's body (None if the client went away first), refused with a 413 past MAX_BODY_BYTES."""
    announced = _content_length(headers)
    if announced is not None and announced > MAX_BODY_BYTES:
        raise RequestEntityTooLarge(detail=f"The request body is over {MAX_BODY_BYTES} bytes.")
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        part = message.get("body", b"")
        size += len(part)
        if size > MAX_BODY_BYTES:
            raise RequestEntityTooLarge(detail=f"The request body is over {MAX_BODY_BYTES} bytes.")
        parts.append(part)
        if not message.get("more_body", False):
            return parts[0] if len(parts) == 1 else b"".join(parts)


class _Watch:
    """Watches for the client going away while its answer is made and sent, and cancels the work if it does."""

    def __init__(self, receive: Receive) -> None:
        self.went_away = False
        self.done = False
        self._task = asyncio.current_task()
        self._watcher: asyncio.Task[None] | None = asyncio.get_running_loop().create_task(self._watch(receive))

    async def _watch(self, receive: Receive) -> None:
        try:
            while (await receive())["type"] != "http.disconnect":
                pass
        except asyncio.CancelledError:
            # Stopped (the exchange is over): the watcher ends as if it had finished. A cancelled task would keep
            # its CancelledError, whose traceback holds this frame, which holds this watch, which holds the task:
            # a reference cycle a request, left for the garbage collector's full collections to find.
            return
        if not self.done and self._task is not None:
            self.went_away = True
            self._task.cancel()

    def cancelled_by_it(self) -> bool:
        """Whether a cancellation came from the client going away (and so is handled here), not from the server."""
        return self.went_away and self._task is not None and self._task.uncancel() == 0

    def stop(self) -> None:
        self.done = True
        if self._watcher is not None:
            self._watcher.cancel()
            # Nor does this watch hold a watcher stopped before it ever ran, whose CancelledError never reached the
            # `try` above: nothing then leads from the watcher's traceback back to it.
            self._watcher = None


def _start(answer: ProxyAnswer) -> Message:
    completion = answer.completion
    headers = [(b"content-type", _EVENT_STREAM if completion.stream is not None else _JSON)]
    if completion.stream is not None:
        headers.extend(_STREAM_HEADERS)
    else:
        headers.append((b"content-length", str(len(completion.body or b"")).encode()))
    headers.append((MODEL_HEADER, completion.target.name.encode()))
    if answer.project is not None:
        headers.append((PROJECT_HEADER, answer.project.encode()))
        headers.append((CONTEXT_TOKENS_HEADER, str(answer.context_tokens).encode()))
    return {"type": "http.response.start", "status": 200, "headers": headers}


async def _send_answer(send: Send, answer: ProxyAnswer, kept: list[bytes] | None) -> None:
    """Send the answer; a stream's chunks, as they are sent, also go into `kept` (for its recording)."""
    await send(_start(answer))
    stream = answer.completion.stream
    if stream is None:
        await send({"type": "http.response.body", "body": answer.completion.body})
        return
    try:
        async for chunk in stream:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if kept is not None:
                kept.append(chunk)
    finally:
        await stream.aclose()  # on cancellation too: the upstream connection closes
    await send({"type": "http.response.body", "body": b""})


# An answer takes its stream's place (StreamPlace) once its dialect has read the request, before anything goes upstream.
Answer = Callable[[Runtime, ProxyOptions, Scope, bytes, StreamPlace], Awaitable[ProxyAnswer]]


async def serve(
    scope: Scope,
    receive: Receive,
    send: Send,
    project: str | None,
    answer: Answer,
    *,
    recorded_as: Dialect | None = None,
) -> None:
    """Read a proxied request, have `answer` make its answer, and send it; the same for every dialect.

    Plain ASGI rather than a Litestar handler with its Request and Response: less work a request on the proxy's
    hot path (docs/benchmarks.md, Proxy). Errors raised here still reach the controller's exception handlers
    (the dialect's own shape). An exchange of a dialect `recorded_as` that is to be recorded is handed to the
    runtime's recorder once it has ended, however it ended: nothing is written before.
    """
    if scope["method"] != "POST":
        raise MethodNotAllowedException(headers={"allow": "POST"})
    headers = dict(scope["headers"])
    options = proxy_options(headers, project)
    app: Litestar = scope["litestar_app"]
    runtime = runtime_of(app.state)
    recording = recording_of(runtime.settings, headers, options.project, options.conversation, recorded_as)
    body = await read_body(headers, receive)
    if body is None:
        return
    await check_named(runtime.db, recording)
    if recording is not None and options.project is not None:
        options = msgspec.structs.replace(
            options, resent=runtime.recorder.resent(recording.dialect, body, options.project)
        )
    # A stream takes one of the daemon's `max_streams` places before anything goes upstream (TooBusy past them),
    # and gives it back once it has ended, however it ends.
    place = StreamPlace(runtime.streams)
    # A client that goes away cancels the upstream request, whether the answer is still being made or already
    # streaming: a model is not kept generating, and billing, for nobody.
    watch = _Watch(receive)
    started = False
    kept: list[bytes] | None = [] if recording is not None else None
    began = time.monotonic()
    produced: ProxyAnswer | None = None
    failed: ProviderError | None = None

    async def send_noting(message: Message) -> None:
        nonlocal started
        started = True
        await send(message)

    try:
        produced = await answer(runtime, options, scope, body, place)
        await _send_answer(send_noting, produced, kept)
    except ProviderError as exc:
        failed = exc
        raise
    except asyncio.CancelledError:
        if not watch.cancelled_by_it():
            raise
        log.info("%s %s: the client went away; the upstream request was cancelled", scope["method"], scope["path"])
        if not started:  # for the request log: nothing reaches a client that is gone
            await send({"type": "http.response.start", "status": CLIENT_CLOSED_REQUEST, "headers": []})
            await send({"type": "http.response.body", "body": b""})
    finally:
        watch.stop()
        place.release()
        if recording is not None:
            latency = round((time.monotonic() - began) * 1000)
            exchange = exchange_of(
                recording, body, options, produced, failure_of(failed), kept, watch.went_away, latency
            )
            if exchange is not None:
                runtime.recorder.record(exchange)


def _bearer(value: bytes) -> bytes | None:
    scheme, _, credential = value.partition(b" ")
    return credential.strip() if scheme.lower() == b"bearer" else None


def forwarded_credentials(scope: Scope, token: str | None, *, anthropic: bool = False) -> Forwarded:
    """What of the client's request may go on to its provider: its own key (x-api-key, else a bearer token),
    never the daemon's token, and, with `anthropic`, Anthropic's version and beta headers and `?beta=true`."""
    own = token.encode() if token else None
    api_key = bearer = version = beta = None
    for name, value in scope["headers"]:
        if name == b"x-api-key":
            api_key = value.strip()
        elif name == b"authorization":
            bearer = _bearer(value)
        elif anthropic and name == b"anthropic-version":
            version = value
        elif anthropic and name == b"anthropic-beta":
            beta = value
    if own is not None:
        api_key = None if api_key is not None and hmac.compare_digest(api_key, own) else api_key
        bearer = None if bearer is not None and hmac.compare_digest(bearer, own) else bearer
    return Forwarded(
        api_key=_text(api_key),
        bearer=None if api_key else _text(bearer),
        anthropic_version=_text(version),
        anthropic_beta=_text(beta),
        beta=anthropic and b"beta=true" in scope.get("query_string", b"").split(b"&"),
    )


def _text(value: bytes | None) -> str | None:
    return None if not value else value.decode("latin-1").strip() or None
