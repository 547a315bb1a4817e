"""The request a turn sends: the project's context, as much of the stored history as the model's window takes, and
the user's message. The oldest messages go first, and the model is told how many were left out."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

import msgspec

from contextstack.assembly.cache import ContextCache
from contextstack.assembly.service import assemble_context
from contextstack.assembly.tokens import token_counter
from contextstack.conversations import store
from contextstack.conversations.models import Content, Conversation, InjectedContext, Message
from contextstack.providers.models import Target
from contextstack.settings import Settings, context_window
from contextstack.storage import Database

# Of a model's window, what is kept free for its answer: a quarter, at most this many tokens.
ANSWER_RESERVE = 4096
# What a message costs beside its text (role, separators), as chat formats count it.
MESSAGE_OVERHEAD = 4


@functools.cache
def _count() -> Callable[[str], int]:
    return token_counter()[1]


def content_text(content: Content) -> str:
    """The text of a message's content: the string, or its text parts joined."""
    if isinstance(content, str):
        return content
    return "\n".join(part["text"] for part in content if isinstance(part.get("text"), str))


def _as_request_message(message: Message) -> dict[str, Any]:
    entry: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        entry["tool_calls"] = message.tool_calls
        entry["content"] = message.content or None
    return entry


def sendable(branch: list[store.StoredMessage]) -> list[Message]:
    """The messages worth sending again: failures and empty leftovers are not."""
    return [
        stored.message
        for stored in branch
        if stored.message.status != "error" and (stored.text or stored.message.tool_calls)
    ]


def _fit(history: list[Message], room: int) -> list[Message]:
    """The newest messages whose text fits in `room` tokens; older ones go first."""
    count = _count()
    kept: list[Message] = []
    used = 0
    for message in reversed(history):
        cost = count(content_text(message.content)) + MESSAGE_OVERHEAD
        if used + cost > room:
            break
        kept.append(message)
        used += cost
    kept.reverse()
    return kept


def _omitted_note(omitted: int) -> str:
    what = "message of this conversation was" if omitted == 1 else "messages of this conversation were"
    return (
        f"[{omitted} earlier {what} left out to fit the model's context window; the conversation continues from there.]"
    )


async def build_request(
    db: Database,
    contexts: ContextCache,
    settings: Settings,
    conversation: Conversation,
    history: list[Message],
    user_content: Content,
    targets: list[Target],
    budget: int | None,
    leave_out: frozenset[str] = frozenset(),
) -> tuple[list[dict[str, Any]], InjectedContext | None]:
    """The messages to send: the project's context, as much history as the window takes, the user's message.

    The project's past messages in the context are others than the history's (and those of `leave_out`).
    """
    count = _count()
    document, context = "", None
    text = content_text(user_content)
    if conversation.project_id is not None:
        assembled = await assemble_context(
            db,
            contexts,
            conversation.project_id,
            query=text or None,
            budget=settings.context_budget if budget is None else budget,
            leave_out=frozenset(message.id for message in history) | leave_out,
        )
        document = assembled.document
        context = InjectedContext(
            tokens=assembled.tokens if document else 0,
            hash=hashlib.sha256(document.encode()).hexdigest() if document else None,
            ids=[item.id for item in assembled.manifest if item.included],
            omitted_messages=0,
        )
    window = min(context_window(settings, target.provider, target.model) for target in targets)
    reserve = min(window // 4, ANSWER_RESERVE)
    room = window - reserve - count(document) - count(text) - count(_omitted_note(10**6)) - 3 * MESSAGE_OVERHEAD
    kept = _fit(history, max(room, 0))
    omitted = len(history) - len(kept)
    system = "\n\n".join(part for part in (document, _omitted_note(omitted) if omitted else "") if part)
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    messages += [_as_request_message(message) for message in kept]
    messages.append({"role": "user", "content": user_content})
    if omitted:
        nothing = InjectedContext(tokens=0, hash=None, ids=[], omitted_messages=0)
        context = msgspec.structs.replace(context or nothing, omitted_messages=omitted)
    return messages, context
