"""What the proxy's exchanges tell the recorder (conversations/recording.py): whether a request is recorded, and
into which conversation (`X-Contextstack-Record`, `X-Contextstack-Conversation`, the `record` settings), and the
exchange as it ended."""

from __future__ import annotations

import msgspec

from contextstack.conversations.models import UpstreamError
from contextstack.conversations.recording import Dialect, Exchange
from contextstack.errors import BadRequest, FieldError, NotFound
from contextstack.providers.errors import ProviderError
from contextstack.proxy.service import ProxyAnswer, ProxyOptions
from contextstack.settings import Settings
from contextstack.storage import Database

RECORD_HEADER = b"x-contextstack-record"

# Failures that are the proxy's own refusal of a request, before any model had it: no exchange to record.
_NOT_EXCHANGED = frozenset(
    {"untranslatable", "invalid_value", "missing_model", "model_not_found", "provider_not_found", "missing_api_key"}
)


class Recording(msgspec.Struct, frozen=True):
    """That an exchange is recorded, in which dialect, and into which conversation if the request names one."""

    dialect: Dialect
    conversation_id: str | None


def _header(headers: dict[bytes, bytes], name: bytes) -> str | None:
    value = headers.get(name)
    return None if value is None else value.decode("latin-1").strip()


def recording_of(
    settings: Settings, headers: dict[bytes, bytes], project: str | None, named: str | None, dialect: Dialect | None
) -> Recording | None:
    """Whether to record a request of `dialect` (None: never): its X-Contextstack-Record, else its naming a
    conversation (`named`, read with the proxy's options), else its project's `record`, else the daemon's. A bad
    header value is a 400."""
    if dialect is None:
        return None
    asked = _header(headers, RECORD_HEADER)
    if asked is not None and asked.lower() not in ("on", "off"):
        raise BadRequest(
            "X-Contextstack-Record must be on or off.",
            errors=[FieldError("header.X-Contextstack-Record", f"not on or off: {asked[:40]!r}")],
        )
    if asked is not None:
        wanted = asked.lower() == "on"
    elif named is not None:
        wanted = True
    else:
        configured = settings.projects.get(project) if project is not None else None
        wanted = configured.record if configured is not None and configured.record is not None else settings.record
    return Recording(dialect, named) if wanted else None


async def check_named(db: Database, recording: Recording | None) -> None:
    """A 404 for a request that names a conversation there is none of, before anything goes upstream."""
    if recording is None or recording.conversation_id is None:
        return
    if await db.fetchone("SELECT 1 FROM conversations WHERE id = ?", (recording.conversation_id,)) is None:
        raise NotFound(
            f"There is no conversation {recording.conversation_id} to record into: create one "
            "(POST /api/conversations), or leave X-Contextstack-Conversation out.",
            errors=[FieldError("header.X-Contextstack-Conversation", "no such conversation")],
        )


def failure_of(error: ProviderError | None) -> UpstreamError | None:
    """The upstream failure to record; None for none, and for the proxy's own refusals (no model had the request)."""
    if error is None or error.code in _NOT_EXCHANGED:
        return None
    return UpstreamError(error.status, error.message, error.code)


def exchange_of(
    recording: Recording,
    body: bytes,
    options: ProxyOptions,
    answer: ProxyAnswer | None,
    failure: UpstreamError | None,
    sent: list[bytes] | None,
    client_left: bool,
    latency_ms: int,
) -> Exchange | None:
    """The exchange to record, as it ended: answered (whole, or the chunks of a stream sent), failed upstream, or
    neither (refused, or its client gone before any answer): None, nothing to record."""
    if answer is None and failure is None:
        return None
    completion = None if answer is None else answer.completion
    streamed = completion is not None and completion.stream is not None
    return Exchange(
        dialect=recording.dialect,
        request=body,
        project=options.project if answer is None else answer.project,
        conversation_id=recording.conversation_id,
        target=None if completion is None else completion.target,
        body=None if completion is None or streamed else completion.body,
        chunks=sent if streamed else None,
        error=failure,
        client_left=client_left,
        latency_ms=latency_ms,
        context_tokens=0 if answer is None else answer.context_tokens,
    )
