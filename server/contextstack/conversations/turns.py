"""A turn: the user's message, the project's context and the stored history sent to any model, and its answer stored.

The user message is stored before the model is called and the answer after, in two transactions: the store is not
held while a model thinks. Whatever happens between is stored too: an upstream failure as an answer with status
`error`, a stream cut midway as the partial answer `incomplete`, and so is a stream whose client went away (the
upstream call is cancelled then). A turn sent with an Idempotency-Key happens once: a retry gets the stored turn.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from contextstack.assembly.cache import ContextCache
from contextstack.conversations import store
from contextstack.conversations.answers import Answer, stream_events, upstream_error
from contextstack.conversations.history import build_request, content_text, sendable
from contextstack.conversations.models import (
    Content,
    Conversation,
    InjectedContext,
    Message,
    Regenerate,
    Turn,
    TurnCreate,
    TurnDelta,
    TurnDone,
    TurnItem,
    UpstreamError,
    UpstreamFailed,
)
from contextstack.conversations.service import conversation_of, record_change
from contextstack.errors import Conflict, FieldError, Invalid, NotFound
from contextstack.ids import new_id
from contextstack.providers.errors import ProviderError
from contextstack.providers.models import Target
from contextstack.providers.service import Providers
from contextstack.settings import Settings
from contextstack.storage import Database, Reader, Transaction

KEY_LIFETIME = timedelta(hours=24)
TITLE_LENGTH = 80

# This daemon process: a key left `in_flight` by another process that has stopped is no longer being answered.
_PROCESS = secrets.token_hex(8)
# Streamed answers run as tasks of their own (so a client going away cannot interrupt their storing); the loop
# keeps only weak references to tasks, so they are held here until they end.
_answering: set[asyncio.Task[Turn]] = set()

_encode = msgspec.json.Encoder().encode


@dataclass(frozen=True)
class _Prepared:
    """A turn whose user message is stored: what to send, to which models, and where the answer goes."""

    conversation_id: str
    user: Message
    user_depth: int
    request: dict[str, Any]
    targets: list[Target]
    context: InjectedContext | None
    key: str | None
    actor: str


def _http_status(upstream: int) -> int:
    return upstream if upstream in (404, 429, 504) else 502


def _failure(turn: Turn) -> UpstreamFailed:
    answer = turn.assistant_message
    error = answer.error or UpstreamError(502, "the provider sent no answer")
    return UpstreamFailed(
        f"{error.message} The message {turn.user_message.id} was stored, and the failure as {answer.id}: "
        "send again, or regenerate it.",
        status=_http_status(error.status),
    )


def _hours_ago(delta: timedelta) -> str:
    return (datetime.now(UTC) - delta).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def body_hash(conversation_id: str, body: TurnCreate | Regenerate) -> str:
    """What identifies a request for its Idempotency-Key: the conversation, the operation and the body."""
    return hashlib.sha256(f"{conversation_id}\n{type(body).__name__}\n".encode() + _encode(body)).hexdigest()


def _targets(providers: Providers, model: str | None) -> list[Target]:
    try:
        return providers.resolve(model)
    except ProviderError as exc:
        error = NotFound if exc.status == 404 else Invalid
        raise error(exc.message, errors=[FieldError(field="model", message=exc.message)]) from None


# Starting a turn


async def _in_conversation(view: Reader, conversation: Conversation, message_id: str, field: str) -> None:
    if not await store.in_conversation(view, conversation.id, message_id):
        raise NotFound(
            f"conversation {conversation.id} has no message {message_id!r}",
            errors=[FieldError(field=field, message="not a message of this conversation")],
        )


async def _replay_or_refuse(tx: Transaction, conversation_id: str, key: str, hashed: str) -> Turn | None:
    """The stored turn of an Idempotency-Key already answered; a refusal if it is in flight or was another request."""
    record = await store.idempotency_record(tx, key, _hours_ago(KEY_LIFETIME))
    if record is None:
        return None
    if record.body_hash != hashed or record.conversation_id != conversation_id:
        raise Invalid(
            "This Idempotency-Key was used with another request in the last 24 hours: use a new key.",
            errors=[FieldError(field="header.Idempotency-Key", message="used with another request")],
        )
    if record.state == "in_flight":
        if not await store.owner_is_running(tx, record.owner, _PROCESS):
            return None  # its daemon stopped before the answer came: answer it now
        raise Conflict("The turn with this Idempotency-Key is still being answered: retry when it has ended.")
    assert record.user_message_id is not None
    assert record.assistant_message_id is not None
    user, answer = await store.message(tx, record.user_message_id), await store.message(tx, record.assistant_message_id)
    if user is None or answer is None:
        raise NotFound("The turn with this Idempotency-Key was answered, but its conversation has been deleted since.")
    return Turn(user_message=user.message, assistant_message=answer.message)


@dataclass(frozen=True)
class _Ask:
    """What a turn asks: the user's content after `parent_id`, or (regenerating) the stored user message again."""

    content: Content
    parent_id: str | None
    existing_user: store.StoredMessage | None
    model: str | None
    budget: int | None


async def _begin(
    db: Database,
    providers: Providers,
    contexts: ContextCache,
    settings: Settings,
    conversation_id: str,
    ask: Callable[[Reader, Conversation], Awaitable[_Ask]],
    key: str | None,
    hashed: str,
    actor: str,
) -> Turn | _Prepared:
    """Store the user message (unless regenerating) and the key; answer the request to send, or a replayed turn."""

    async def read(view: Reader) -> tuple[Conversation, _Ask, list[store.StoredMessage]]:
        conversation = await conversation_of(view, conversation_id)
        asked = await ask(view, conversation)
        parent = asked.existing_user.message.parent_id if asked.existing_user else asked.parent_id
        branch = [] if parent is None else await store.branch(view, parent)
        return conversation, asked, branch

    conversation, asked, branch = await db.read(read)
    targets = _targets(providers, asked.model or conversation.model)
    asked_again = frozenset() if asked.existing_user is None else frozenset([asked.existing_user.message.id])
    messages, context = await build_request(
        db, contexts, settings, conversation, sendable(branch), asked.content, targets, asked.budget, asked_again
    )
    async with db.transaction() as tx:
        if key is not None:
            replayed = await _replay_or_refuse(tx, conversation_id, key, hashed)
            if replayed is not None:
                return replayed
        current = await conversation_of(tx, conversation_id)
        if asked.existing_user is not None:
            user, depth = asked.existing_user.message, asked.existing_user.depth
        else:
            parent = branch[-1] if branch else None
            if parent is not None and await store.message(tx, parent.message.id) is None:
                raise Conflict(f"message {parent.message.id} was deleted meanwhile: send again")
            depth = 1 if parent is None else parent.depth + 1
            user = Message(
                id=new_id("msg"),
                conversation_id=conversation_id,
                parent_id=None if parent is None else parent.message.id,
                role="user",
                content=asked.content,
                tool_calls=None,
                model=None,
                provider=None,
                usage=None,
                latency_ms=None,
                finish_reason=None,
                status="complete",
                error=None,
                context=None,
                version=1,
                created_at=tx.created_at,
                updated_at=tx.created_at,
            )
            await store.insert_message(tx, user, depth, content_text(user.content))
            await _record_message(tx, current, user, actor)
            title = current.title or store.storable(content_text(user.content)).strip().split("\n")[0][:TITLE_LENGTH]
            updated = msgspec.structs.replace(
                current, title=title, leaf_id=user.id, version=current.version + 1, updated_at=tx.created_at
            )
            await store.update_conversation(tx, updated)
            await record_change(tx, "updated", updated, actor)
        if key is not None:
            await store.begin_idempotent(tx, key, conversation_id, hashed, await store.owner(tx, _PROCESS))
    return _Prepared(
        conversation_id=conversation_id,
        user=user,
        user_depth=depth,
        request={"messages": messages},
        targets=targets,
        context=context,
        key=key,
        actor=actor,
    )


async def _record_message(tx: Transaction, conversation: Conversation, message: Message, actor: str) -> None:
    await tx.record_event(
        "message.created",
        actor=actor,
        project_id=conversation.project_id,
        entity_id=message.id,
        data=msgspec.to_builtins(message),
    )


def _asking(data: TurnCreate) -> Callable[[Reader, Conversation], Awaitable[_Ask]]:
    async def ask(view: Reader, conversation: Conversation) -> _Ask:
        if data.parent_id is not None:
            await _in_conversation(view, conversation, data.parent_id, "parent_id")
        if not content_text(data.content).strip() and not (isinstance(data.content, list) and data.content):
            raise Invalid("A message needs some content.", errors=[FieldError(field="content", message="empty")])
        return _Ask(
            content=data.content,
            parent_id=data.parent_id if data.parent_id is not None else conversation.leaf_id,
            existing_user=None,
            model=data.model,
            budget=data.budget,
        )

    return ask


def _regenerating(data: Regenerate) -> Callable[[Reader, Conversation], Awaitable[_Ask]]:
    async def ask(view: Reader, conversation: Conversation) -> _Ask:
        answer_id = data.message_id or conversation.leaf_id
        if answer_id is None:
            raise Invalid("The conversation has no answer to regenerate yet.")
        field = "message_id" if data.message_id else "leaf_id"
        await _in_conversation(view, conversation, answer_id, field)
        answer = await store.message(view, answer_id)
        user = (
            None
            if answer is None or answer.message.parent_id is None
            else await store.message(view, answer.message.parent_id)
        )
        if answer is None or answer.message.role != "assistant" or user is None or user.message.role != "user":
            raise Invalid(
                f"{answer_id} is not a model's answer to a user message: only answers can be regenerated.",
                errors=[FieldError(field=field, message="not an answer to a user message")],
            )
        return _Ask(
            content=user.message.content,
            parent_id=user.message.parent_id,
            existing_user=user,
            model=data.model,
            budget=data.budget,
        )

    return ask


# Answering


async def _store_answer(db: Database, turn: _Prepared, answer: Answer, latency_ms: int) -> Turn:
    """Store the answer (whatever of it arrived) as the new tip of the conversation's branch."""
    async with db.transaction() as tx:
        current = await store.conversation(tx, turn.conversation_id)
        if current is None or await store.message(tx, turn.user.id) is None:
            raise NotFound(f"conversation {turn.conversation_id} was deleted while the model answered")
        target = answer.target or turn.targets[0]
        message = Message(
            id=new_id("msg"),
            conversation_id=turn.conversation_id,
            parent_id=turn.user.id,
            role="assistant",
            content=answer.text,
            tool_calls=[answer.calls[index] for index in sorted(answer.calls)] or None,
            model=target.name,
            provider=target.provider,
            usage=answer.usage,
            latency_ms=latency_ms,
            finish_reason=answer.finish_reason,
            status=answer.status(),
            error=answer.error,
            context=turn.context,
            version=1,
            created_at=tx.created_at,
            updated_at=tx.created_at,
        )
        await store.insert_message(tx, message, turn.user_depth + 1, answer.text)
        await _record_message(tx, current, message, turn.actor)
        updated = msgspec.structs.replace(
            current, leaf_id=message.id, version=current.version + 1, updated_at=tx.created_at
        )
        await store.update_conversation(tx, updated)
        await record_change(tx, "updated", updated, turn.actor)
        if turn.key is not None:
            await store.finish_idempotent(tx, turn.key, turn.user.id, message.id)
    return Turn(user_message=turn.user, assistant_message=message)


async def _answer(
    db: Database, providers: Providers, turn: _Prepared, delivered: asyncio.Queue[TurnItem] | None
) -> Turn:
    """Call the model (streaming into `delivered`, if given) and store its answer; a cancelled call keeps its part."""
    answer = Answer()
    started = time.monotonic()
    stream: AsyncGenerator[bytes, None] | None = None
    cancelled = False
    try:
        request = {**turn.request, "stream": delivered is not None}
        if delivered is not None:
            request["stream_options"] = {"include_usage": True}
        completion = await providers.chat(request, turn.targets, stream=delivered is not None)
        answer.target = completion.target
        if completion.body is not None:
            answer.add_whole(completion.body)
        stream = completion.stream
        if stream is not None and delivered is not None:
            async for event in stream_events(stream):
                added = answer.add_chunk(event)
                if added:
                    delivered.put_nowait(TurnDelta(added))
                if answer.error is not None:
                    break
    except ProviderError as exc:
        answer.error = upstream_error(exc)
    except asyncio.CancelledError:
        cancelled = answer.client_left = True
    finally:
        if stream is not None:
            await stream.aclose()
    latency = round((time.monotonic() - started) * 1000)
    # Shielded: the answer is stored even if this task is cancelled now.
    turn_stored = await asyncio.shield(_store_answer(db, turn, answer, latency))
    if delivered is not None:
        stored = turn_stored.assistant_message
        delivered.put_nowait(
            TurnDone(
                user_message_id=turn_stored.user_message.id,
                assistant_message_id=stored.id,
                status=stored.status,
                finish_reason=stored.finish_reason,
                usage=stored.usage,
                error=stored.error,
            )
        )
    if cancelled:
        raise asyncio.CancelledError
    return turn_stored


async def send_turn(
    db: Database,
    providers: Providers,
    contexts: ContextCache,
    settings: Settings,
    conversation_id: str,
    data: TurnCreate,
    actor: str,
    key: str | None = None,
) -> Turn:
    """Send a user message and wait for the whole answer; both are stored. An upstream failure raises UpstreamFailed."""
    begun = await _begin(
        db, providers, contexts, settings, conversation_id, _asking(data), key, body_hash(conversation_id, data), actor
    )
    turn = begun if isinstance(begun, Turn) else await _answer(db, providers, begun, None)
    if turn.assistant_message.status == "error":
        raise _failure(turn)
    return turn


async def regenerate(
    db: Database,
    providers: Providers,
    contexts: ContextCache,
    settings: Settings,
    conversation_id: str,
    data: Regenerate,
    actor: str,
    key: str | None = None,
) -> Turn:
    """Answer a user message again, as a new branch beside the answer it had."""
    begun = await _begin(
        db,
        providers,
        contexts,
        settings,
        conversation_id,
        _regenerating(data),
        key,
        body_hash(conversation_id, data),
        actor,
    )
    turn = begun if isinstance(begun, Turn) else await _answer(db, providers, begun, None)
    if turn.assistant_message.status == "error":
        raise _failure(turn)
    return turn


async def _replayed(turn: Turn) -> AsyncGenerator[TurnItem, None]:
    answer = turn.assistant_message
    if answer.content:
        yield TurnDelta(content_text(answer.content))
    yield TurnDone(
        user_message_id=turn.user_message.id,
        assistant_message_id=answer.id,
        status=answer.status,
        finish_reason=answer.finish_reason,
        usage=answer.usage,
        error=answer.error,
    )


async def _next(delivered: asyncio.Queue[TurnItem], task: asyncio.Task[Turn]) -> TurnItem:
    """The next item of a streamed answer; the answering task's own failure if it ended without one."""
    if delivered.empty():
        getter = asyncio.ensure_future(delivered.get())
        try:
            await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not getter.done():
                getter.cancel()
        if getter.done() and not getter.cancelled():
            return getter.result()
        if delivered.empty():
            task.result()
            raise RuntimeError("the answer ended without saying how")
    return delivered.get_nowait()


async def _relay(
    first: TurnItem, delivered: asyncio.Queue[TurnItem], task: asyncio.Task[Turn]
) -> AsyncGenerator[TurnItem, None]:
    try:
        item = first
        while True:
            yield item
            if isinstance(item, TurnDone):
                return
            item = await _next(delivered, task)
    finally:
        task.cancel()  # a client gone: the upstream call ends, and what arrived is stored


async def stream_turn(
    db: Database,
    providers: Providers,
    contexts: ContextCache,
    settings: Settings,
    conversation_id: str,
    data: TurnCreate | Regenerate,
    actor: str,
    key: str | None = None,
) -> AsyncGenerator[TurnItem, None]:
    """Send a turn and stream the answer: deltas, then one TurnDone with the stored ids.

    A failure before the first byte raises UpstreamFailed (both messages stored); after it, the TurnDone says so.
    """
    ask = _asking(data) if isinstance(data, TurnCreate) else _regenerating(data)
    begun = await _begin(
        db, providers, contexts, settings, conversation_id, ask, key, body_hash(conversation_id, data), actor
    )
    if isinstance(begun, Turn):
        if begun.assistant_message.status == "error":
            raise _failure(begun)
        return _replayed(begun)
    delivered: asyncio.Queue[TurnItem] = asyncio.Queue()
    task = asyncio.get_running_loop().create_task(_answer(db, providers, begun, delivered))
    _answering.add(task)
    task.add_done_callback(_answering.discard)
    try:
        first = await _next(delivered, task)
    except BaseException:
        task.cancel()
        raise
    if isinstance(first, TurnDone) and first.status == "error":
        raise _failure(await task)
    return _relay(first, delivered, task)
