"""Recording what passes through the proxy as conversations, once the answer has gone to the client.

A stateless client resends the whole history every turn. Each recorded message keeps a hash of its content chained
through its parent's, so the longest prefix of a request already recorded maps to the nodes it made before, and
only what is new is stored: ten turns of a chat make one conversation of ten exchanges, an edited message is a new
child of the shared parent (a branch), and the same history asked again is a regenerate (a sibling answer). System
messages count by their place in the chain, not their text, so a system prompt that changes every turn (Claude
Code's does) keeps the conversation; the stored one is the latest.

Every dialect is read in the chat form the proxy translates through (providers/chat_request.py for Messages,
providers/responses_request.py for Responses); the answer, whole or streamed, is read from the bytes the client
received. A Responses request that continues a recorded response (`previous_response_id`) continues its node.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import msgspec

from contextstack.clock import now
from contextstack.conversations import store
from contextstack.conversations.answers import Answer, stream_events
from contextstack.conversations.history import content_text
from contextstack.conversations.models import Conversation, InjectedContext, Message, Role, UpstreamError, Usage
from contextstack.errors import NotFound
from contextstack.ids import new_id
from contextstack.plan.service import resolve_project_id
from contextstack.providers import chat_request, responses_request
from contextstack.providers.anthropic_response import StreamTranslation, sse_events, to_chat_completion
from contextstack.providers.errors import ProviderError
from contextstack.providers.models import Target
from contextstack.settings import Settings
from contextstack.storage import Database, Reader, Transaction

Dialect = Literal["chat", "responses", "messages"]

ACTOR = "api"
TITLE_LENGTH = 80
# How often retention looks for recorded conversations past `record_retention_days`, and how many go per transaction.
PURGE_EVERY = timedelta(hours=1)
PURGE_BATCH = 200
# How many recorded messages' chain hashes a daemon keeps in memory, to know a request's own history by.
REMEMBERED_CHAINS = 200_000

log = logging.getLogger("contextstack.recording")

_encode = msgspec.json.Encoder().encode
_encode_sorted = msgspec.json.Encoder(order="sorted").encode
_decode_object = msgspec.json.Decoder(dict[str, Any]).decode
_decode_any = msgspec.json.Decoder().decode

# A block a client wraps in a tag of its own before what the user wrote: `<system-reminder>…</system-reminder>`.
_TAGGED = re.compile(r"<([a-z][a-z0-9_-]*)>.*?</\1>", re.DOTALL)

_ROLES: dict[str, Role] = {
    "system": "system",
    "developer": "system",
    "user": "user",
    "assistant": "assistant",
    "tool": "tool",
    "function": "tool",
}


class Exchange(msgspec.Struct, frozen=True, kw_only=True):
    """One proxied exchange as the client saw it: its request's body, and the answer it received, whole or streamed.

    `chunks` are a stream's bytes as sent (a stream cut midway: what was sent before); `error` a failure before
    any byte; `client_left` a client that went away before the end.
    """

    dialect: Dialect
    request: bytes
    project: str | None
    conversation_id: str | None
    target: Target | None
    body: bytes | None = None
    chunks: list[bytes] | None = None
    error: UpstreamError | None = None
    client_left: bool = False
    latency_ms: int = 0
    context_tokens: int = 0


class Recorded(msgspec.Struct, frozen=True):
    """Where an exchange was recorded: the conversation and its new messages, and by chain hash the ids of every
    recorded message of the request's history and its answer (the project's id, which the chain starts from)."""

    conversation_id: str
    message_ids: list[str]
    project_id: str | None = None
    chains: dict[str, str] = {}


# Reading the request


def request_messages(dialect: Dialect, request: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's history in the chat form: what the client sent, without the context the proxy put in."""
    if dialect == "chat":
        messages = request.get("messages")
        return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []
    translated: list[dict[str, Any]]
    if dialect == "messages":
        wanted: dict[str, Any] = {name: request[name] for name in ("messages", "system") if name in request}
        translated = chat_request.to_chat_request(wanted, "", None)["messages"]
    else:
        wanted = {name: request[name] for name in ("input", "instructions") if name in request}
        translated = responses_request.to_chat_request(wanted, "")["messages"]
    return translated


def _part_key(part: Any) -> Any:
    return {k: v for k, v in part.items() if k != "cache_control"} if isinstance(part, dict) else part


def _arguments_key(arguments: Any) -> Any:
    """Tool call arguments as a value: the same JSON written with other spacing or key order is the same call."""
    if not isinstance(arguments, str):
        return arguments
    try:
        return _decode_any(arguments)
    except msgspec.DecodeError:
        return arguments


def _calls_key(calls: Any) -> list[Any]:
    key = []
    for call in calls if isinstance(calls, list) else []:
        function = call.get("function") if isinstance(call, dict) else None
        function = function if isinstance(function, dict) else {}
        key.append([call.get("id"), function.get("name"), _arguments_key(function.get("arguments"))])
    return key


def _content_key(content: Any) -> Any:
    if content is None:
        return ""
    if isinstance(content, list):
        return [_part_key(part) for part in content]
    return content


def message_key(message: dict[str, Any]) -> bytes:
    """What of a message its chain hash covers: a system message only its place, any other its role and content."""
    role = _ROLES.get(str(message.get("role")))
    if role == "system":
        return b"system"
    key = [role, _content_key(message.get("content")), _calls_key(message.get("tool_calls"))]
    key.append(message.get("tool_call_id"))
    return _encode_sorted(key)


def chain_root(project_id: str | None) -> str:
    """The hash a conversation's first message chains from: one per project, so projects share no nodes."""
    return hashlib.sha256(b"contextstack recorded conversation\n" + (project_id or "").encode()).hexdigest()


def chain(parent: str, message: dict[str, Any]) -> str:
    return hashlib.sha256(parent.encode() + b"\n" + message_key(message)).hexdigest()


# Reading the answer


async def _chunks(chunks: Sequence[bytes]) -> AsyncIterator[bytes]:
    for piece in chunks:
        yield piece


async def _chat_answer(exchange: Exchange, answer: Answer) -> None:
    if exchange.body is not None:
        answer.add_whole(exchange.body)
        return
    async for event in stream_events(_chunks(exchange.chunks or [])):
        answer.add_chunk(event)


async def _messages_answer(exchange: Exchange, answer: Answer) -> None:
    target = exchange.target or Target("", "")
    try:
        if exchange.body is not None:
            answer.add_whole(to_chat_completion(target, exchange.body))
            return
        translation = StreamTranslation(target, include_usage=True)
        async for event in stream_events(translation.translate(sse_events(_chunks(exchange.chunks or [])))):
            answer.add_chunk(event)
    except ProviderError as exc:
        if answer.error is None and not (exchange.client_left and exc.code == "upstream_stream_ended"):
            answer.error = UpstreamError(exc.status, exc.message, exc.code)


def _take_response(response: Any, answer: Answer) -> str | None:
    """Take a whole Responses `response` object: its output, usage and status; answer its id."""
    if not isinstance(response, dict):
        return None
    answer.parts.clear()
    answer.calls.clear()
    texts = []
    for item in response.get("output") or []:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "message":
            texts.append(
                "\n\n".join(
                    str(part.get("text") or part.get("refusal") or "")
                    for part in item.get("content") or []
                    if isinstance(part, dict)
                )
            )
        elif item.get("type") == "function_call":
            answer.calls[len(answer.calls)] = {
                "id": item.get("call_id") or item.get("id"),
                "type": "function",
                "function": {"name": item.get("name"), "arguments": item.get("arguments") or ""},
            }
    if texts:
        answer.parts.append("\n\n".join(texts))
    usage = response.get("usage")
    if isinstance(usage, dict):
        prompt, completion = int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)
        answer.usage = Usage(prompt, completion, prompt + completion)
    status = response.get("status")
    if status == "completed":
        answer.finish_reason = "tool_calls" if answer.calls else "stop"
    elif status == "incomplete":
        # What a chat completion says with its finish reason: cut at the token limit, or by the content filter.
        details = response.get("incomplete_details") or {}
        reason = details.get("reason") if isinstance(details, dict) else None
        answer.finish_reason = "content_filter" if reason == "content_filter" else "length"
    elif status == "failed":
        error = response.get("error") or {}
        answer.error = UpstreamError(502, str(error.get("message") or "the response failed"), error.get("code"))
    identifier = response.get("id")
    return identifier if isinstance(identifier, str) else None


async def _responses_answer(exchange: Exchange, answer: Answer) -> str | None:
    """Read a Responses answer into `answer`; answer the response's id."""
    if exchange.body is not None:
        try:
            return _take_response(_decode_object(exchange.body), answer)
        except (msgspec.DecodeError, msgspec.ValidationError):
            answer.error = UpstreamError(502, "the provider sent an answer in an unknown shape", "upstream_malformed")
            return None
    response_id = None
    async for name, data in sse_events(_chunks(exchange.chunks or [])):
        try:
            event = _decode_object(data)
        except (msgspec.DecodeError, msgspec.ValidationError):
            continue
        kind = event.get("type", name)
        if kind == "response.created":
            response = event.get("response")
            response_id = response.get("id") if isinstance(response, dict) else None
        elif kind == "response.output_text.delta" and isinstance(event.get("delta"), str):
            answer.parts.append(event["delta"])
        elif kind == "response.output_item.done" and isinstance(event.get("item"), dict):
            item = event["item"]
            if item.get("type") == "function_call":
                answer.calls[len(answer.calls)] = {
                    "id": item.get("call_id") or item.get("id"),
                    "type": "function",
                    "function": {"name": item.get("name"), "arguments": item.get("arguments") or ""},
                }
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            response_id = _take_response(event.get("response"), answer) or response_id
        elif kind == "error":
            answer.error = UpstreamError(502, str(event.get("message") or "the provider failed"), event.get("code"))
    return response_id


async def read_answer(exchange: Exchange) -> tuple[Answer, str | None]:
    """The answer the client received, gathered as conversations keep one, and (Responses) the response's id."""
    answer = Answer(target=exchange.target, error=exchange.error, client_left=exchange.client_left)
    if exchange.error is not None:
        return answer, None
    response_id = None
    if exchange.dialect == "chat":
        await _chat_answer(exchange, answer)
    elif exchange.dialect == "messages":
        await _messages_answer(exchange, answer)
    else:
        response_id = await _responses_answer(exchange, answer)
    return answer, response_id


# What is stored


def cut(content: str | list[dict[str, Any]], limit: int) -> str | list[dict[str, Any]]:
    """The content, or, past `limit` bytes, the first of its text with a note saying it was cut and from what."""
    size = len(_encode(content))
    if size <= limit:
        return content
    note = (
        f"\n\n[Recorded cut: this message was {size} bytes, over record_max_message_bytes ({limit}); "
        "only its beginning is kept.]"
    )
    text = content_text(content).encode()
    return text[: max(0, limit - len(note.encode()))].decode(errors="ignore") + note


def _cut_calls(calls: list[dict[str, Any]] | None, limit: int) -> list[dict[str, Any]] | None:
    if calls is None or len(_encode(calls)) <= limit:
        return calls
    share = max(64, limit // max(1, len(calls)))
    kept = []
    for call in calls:
        function = dict(call.get("function") or {})
        arguments = str(function.get("arguments") or "")
        if len(arguments.encode()) > share:
            function["arguments"] = cut(arguments, share)
        kept.append({**call, "function": function})
    return kept


def _stored_content(content: Any) -> str | list[dict[str, Any]]:
    if isinstance(content, list):
        return [part for part in content if isinstance(part, dict)]
    return content if isinstance(content, str) else ""


def _title(messages: Sequence[dict[str, Any]]) -> str:
    """The first line the user wrote, past the tagged blocks clients put before it (Claude Code's reminders)."""
    for message in messages:
        if message.get("role") == "user":
            text = _TAGGED.sub("", store.storable(content_text(_stored_content(message.get("content")))))
            line = next((line.strip() for line in text.splitlines() if line.strip()), "")
            if line:
                return line[:TITLE_LENGTH]
    return "Recorded conversation"


class _Place(msgspec.Struct):
    """Where the new messages go: the conversation, the node they follow, its chain hash and depth."""

    conversation: Conversation | None
    parent_id: str | None
    parent_hash: str
    depth: int
    known: int  # how many of the request's messages are stored already
    seen: dict[str, str] = {}  # by chain hash, the ids of the request's messages recorded before


async def _project_id(reader: Reader, project: str | None) -> str | None:
    if project is None:
        return None
    try:
        return await resolve_project_id(reader, project)
    except NotFound:
        return None


async def _place(
    tx: Transaction,
    exchange: Exchange,
    request: dict[str, Any],
    messages: list[dict[str, Any]],
    hashes: list[str],
    root: str,
    limit: int,
) -> _Place | None:
    """Find where the request's messages are recorded already; None when the conversation it names is gone."""
    previous = request.get("previous_response_id") if exchange.dialect == "responses" else None
    if isinstance(previous, str):
        node = await store.answer_of_response(tx, previous)
        if node is not None:
            conversation = await store.conversation(tx, node.conversation_id)
            return _Place(conversation, node.id, node.chain_hash, node.depth, 0)
    named = None
    if exchange.conversation_id is not None:
        named = await store.conversation(tx, exchange.conversation_id)
        if named is None:
            return None
    # System messages count by their place alone: a prefix of nothing else is every conversation's that opens with
    # a system prompt, and finds one only in the conversation a request names.
    said = next((i for i, m in enumerate(messages) if _ROLES.get(str(m.get("role"))) != "system"), len(messages))
    lowest = 0 if named is not None else said
    found = await store.chain_nodes(tx, hashes[lowest:], exchange.conversation_id) if hashes[lowest:] else {}
    for index in range(len(hashes) - 1, lowest - 1, -1):
        node = found.get(hashes[index])
        if node is None:
            continue
        conversation = named or await store.conversation(tx, node.conversation_id)
        await _refresh_system(tx, node.id, messages[: index + 1], limit)
        seen = {chain_hash: found[chain_hash].id for chain_hash in hashes[: index + 1] if chain_hash in found}
        return _Place(conversation, node.id, node.chain_hash, node.depth, index + 1, seen)
    return _Place(named, None, root, 0, 0)


async def _refresh_system(tx: Transaction, leaf_id: str, messages: list[dict[str, Any]], limit: int) -> None:
    """Store the latest text of the system messages along the recorded branch (they do not count in the chain)."""
    if not any(_ROLES.get(str(m.get("role"))) == "system" for m in messages):
        return
    branch = await store.branch(tx, leaf_id)
    for stored, sent in zip(branch[-len(messages) :], messages, strict=False):
        if stored.message.role != "system":
            continue
        content = cut(_stored_content(sent.get("content")), limit)
        if content != stored.message.content:
            await store.replace_content(tx, stored.message.id, content, content_text(content))


def _message(
    conversation_id: str,
    parent_id: str | None,
    role: Role,
    content: str | list[dict[str, Any]],
    tool_calls: list[dict[str, Any]] | None,
    created_at: str,
    **answered: Any,
) -> Message:
    fields: dict[str, Any] = {
        "model": None,
        "provider": None,
        "usage": None,
        "latency_ms": None,
        "finish_reason": None,
        "status": "complete",
        "error": None,
        "context": None,
        **answered,
    }
    return Message(
        id=new_id("msg"),
        conversation_id=conversation_id,
        parent_id=parent_id,
        role=role,
        content=content,
        tool_calls=tool_calls,
        version=1,
        created_at=created_at,
        updated_at=created_at,
        **fields,
    )


def _asked_model(request: dict[str, Any]) -> str | None:
    model = request.get("model")
    return model if isinstance(model, str) and model else None


async def record_exchange(
    db: Database, settings: Settings, exchange: Exchange, written_out: Callable[[Recorded], None] | None = None
) -> Recorded | None:
    """Store an exchange into the conversation its history belongs to (a new one if none); None if not recorded.

    `written_out` is told what is recorded before it commits, so that it knows the messages by the time anyone can read
    them (the next turn's request may be read as soon as they are committed); if the commit fails after all, what it
    was told names messages that are nowhere.
    """
    request = _decode_object(exchange.request)
    try:
        messages = request_messages(exchange.dialect, request)
    except ProviderError as exc:
        log.warning("not recorded: the request's messages cannot be read as a chat: %s", exc.message)
        return None
    messages = [m for m in messages if _ROLES.get(str(m.get("role"))) is not None]
    if exchange.dialect == "responses" and request.get("previous_response_id") is not None:
        # `instructions` apply to this request alone: the provider does not add them to the chain it continues.
        messages = [m for m in messages if _ROLES[str(m.get("role"))] != "system"]
    answer, response_id = await read_answer(exchange)
    limit = settings.record_max_message_bytes
    async with db.transaction() as tx:
        project_id = await _project_id(tx, exchange.project)
        root = chain_root(project_id)
        hashes, parent = [], root
        for sent in messages:
            parent = chain(parent, sent)
            hashes.append(parent)
        place = await _place(tx, exchange, request, messages, hashes, root, limit)
        if place is None:
            log.warning("not recorded: conversation %s was deleted while its exchange ran", exchange.conversation_id)
            return None
        conversation = place.conversation
        created = conversation is None
        if conversation is None:
            conversation = Conversation(
                id=new_id("cnv"),
                project_id=project_id,
                title=_title(messages),
                model=None if exchange.target is None else exchange.target.name,
                leaf_id=None,
                forked_from=None,
                version=1,
                created_at=tx.created_at,
                updated_at=tx.created_at,
                recorded=True,
            )
            await store.insert_conversation(tx, conversation)
        written: list[Message] = []
        chains = dict(place.seen)
        parent_id, parent_hash, depth = place.parent_id, place.parent_hash, place.depth
        for sent in messages[place.known :]:
            parent_hash = chain(parent_hash, sent)
            depth += 1
            role = _ROLES[str(sent.get("role"))]
            calls = sent.get("tool_calls") if role == "assistant" and isinstance(sent.get("tool_calls"), list) else None
            content = cut(_stored_content(sent.get("content")), limit)
            stored = _message(conversation.id, parent_id, role, content, _cut_calls(calls, limit), tx.created_at)
            await store.insert_message(tx, stored, depth, content_text(content), chain_hash=parent_hash)
            written.append(stored)
            chains[parent_hash] = stored.id
            parent_id = stored.id
        target = answer.target
        calls = [answer.calls[index] for index in sorted(answer.calls)] or None
        reply = {"role": "assistant", "content": answer.text, "tool_calls": calls}
        content = cut(answer.text, limit)
        reply_message = _message(
            conversation.id,
            parent_id,
            "assistant",
            content,
            _cut_calls(calls, limit),
            tx.created_at,
            # A failure before any answer: the model the request asked for.
            model=target.name if target is not None else _asked_model(request),
            provider=None if target is None else target.provider,
            usage=answer.usage,
            latency_ms=exchange.latency_ms,
            finish_reason=answer.finish_reason,
            status=answer.status(),
            error=answer.error,
            context=None
            if not exchange.context_tokens
            else InjectedContext(tokens=exchange.context_tokens, hash=None, ids=[], omitted_messages=0),
        )
        await store.insert_message(
            tx,
            reply_message,
            depth + 1,
            content_text(content),
            chain_hash=chain(parent_hash, reply),
            response_id=response_id,
        )
        written.append(reply_message)
        updated = msgspec.structs.replace(
            conversation,
            title=conversation.title or _title(messages),
            leaf_id=reply_message.id,
            version=conversation.version + (0 if created else 1),
            updated_at=tx.created_at,
        )
        await store.update_conversation(tx, updated)
        await tx.record_events(
            "message.created",
            actor=ACTOR,
            changes=[(updated.project_id, m.id, msgspec.to_builtins(m)) for m in written],
        )
        await tx.record_event(
            "conversation.created" if created else "conversation.updated",
            actor=ACTOR,
            project_id=updated.project_id,
            entity_id=updated.id,
            data=msgspec.to_builtins(updated),
        )
        chains[chain(parent_hash, reply)] = reply_message.id
        recorded = Recorded(updated.id, [m.id for m in written], project_id, chains)
        if written_out is not None:
            written_out(recorded)
    return recorded


# Retention


def retention_cutoff(settings: Settings, at: str | None = None) -> str | None:
    """The time before which a recorded conversation's last exchange makes it expire; None: kept until deleted."""
    days = settings.record_retention_days
    if days is None:
        return None
    moment = datetime.fromisoformat((at or now()).replace("Z", "+00:00")) - timedelta(days=days)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def purge_recordings(db: Database, settings: Settings, at: str | None = None) -> int:
    """Delete the recorded conversations idle past `record_retention_days` as of `at` (now); say how many went."""
    cutoff = retention_cutoff(settings, at)
    if cutoff is None:
        return 0
    purged = 0
    while True:
        async with db.transaction() as tx:
            ids = await store.recorded_idle_since(tx, cutoff, PURGE_BATCH)
            gone = [found for found in [await store.conversation(tx, i) for i in ids] if found is not None]
            for conversation in gone:
                await store.delete_conversation(tx, conversation.id)
            await tx.record_events(
                "conversation.deleted",
                actor=ACTOR,
                changes=[(c.project_id, c.id, msgspec.to_builtins(c)) for c in gone],
            )
        purged += len(gone)
        if len(ids) < PURGE_BATCH:
            return purged


class Recorder:
    """The recordings of one daemon: each written after its answer has ended, in a task that closing waits for, and
    retention's hourly purge."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._writing: set[asyncio.Task[Recorded | None]] = set()
        # One at a time, in the order the exchanges ended: a client's next turn finds the one before recorded.
        self._in_order = asyncio.Lock()
        self._purging: asyncio.Task[None] | None = None
        # What this daemon recorded (and found recorded), so that a request's own history is known without reading
        # the store on the way to its answer: by chain hash the message's id, by project as requests name it its id.
        self._chains: OrderedDict[str, str] = OrderedDict()
        self._project_ids: dict[str, str | None] = {}

    def resent(self, dialect: Dialect, body: bytes, project: str) -> frozenset[str]:
        """The ids of the recorded messages a request sends again (its history, as this daemon recorded or found
        it): what its context's past messages leave out, since the model has them in the request already. Known
        from memory, not the store: a history recorded before a restart is known again once its next turn is."""
        if project not in self._project_ids:
            return frozenset()
        try:
            messages = request_messages(dialect, _decode_object(body))
        except (msgspec.DecodeError, msgspec.ValidationError, ProviderError):
            return frozenset()  # the dialect's own decoding says what is wrong with it
        ids, parent = [], chain_root(self._project_ids[project])
        for sent in messages:
            if _ROLES.get(str(sent.get("role"))) is None:
                continue
            parent = chain(parent, sent)
            if (found := self._chains.get(parent)) is not None:
                ids.append(found)
        return frozenset(ids)

    def _remember(self, project: str | None, recorded: Recorded) -> None:
        if project is not None:
            self._project_ids[project] = recorded.project_id
        for chain_hash, message_id in recorded.chains.items():
            self._chains[chain_hash] = message_id
            self._chains.move_to_end(chain_hash)
        while len(self._chains) > REMEMBERED_CHAINS:
            self._chains.popitem(last=False)

    def record(self, exchange: Exchange) -> None:
        """Record the exchange in the background: the answer it records has been sent already."""
        task = asyncio.get_running_loop().create_task(self._record(exchange))
        self._writing.add(task)
        task.add_done_callback(self._writing.discard)

    async def _record(self, exchange: Exchange) -> Recorded | None:
        try:
            async with self._in_order:
                # Remembered before the commit: the client's next turn can arrive the moment the messages are in the
                # store, and its context must know them as its own history from then on.
                return await record_exchange(
                    self.db, self.settings, exchange, lambda recorded: self._remember(exchange.project, recorded)
                )
        except Exception:
            log.exception("recording an exchange failed; the client had its answer, the store is unchanged")
            return None

    async def settled(self) -> None:
        """Wait for every recording under way."""
        while self._writing:
            await asyncio.gather(*self._writing)

    async def open(self) -> None:
        """Purge what retention has expired, then keep doing so hourly."""
        if self.settings.record_retention_days is None:
            return
        await purge_recordings(self.db, self.settings)
        self._purging = asyncio.get_running_loop().create_task(self._purge_hourly())

    async def _purge_hourly(self) -> None:
        while True:
            await asyncio.sleep(PURGE_EVERY.total_seconds())
            try:
                await purge_recordings(self.db, self.settings)
            except Exception:
                log.exception("purging expired recorded conversations failed; retried within the hour")

    async def close(self) -> None:
        """Stop the purge, and wait for the recordings under way."""
        if self._purging is not None:
            self._purging.cancel()
            await asyncio.gather(self._purging, return_exceptions=True)
            self._purging = None
        await self.settled()
