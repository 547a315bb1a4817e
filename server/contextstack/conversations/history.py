"""The request a turn sends: the project's context, as much of the stored history as the model's window takes, and
the user's message. The oldest messages go first, and the model is told how many were left out."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

import msgspec

from contextstack.assembly.cache import ContextCache
from contextstack.assembly.models import AssembledContext
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

    The project's past messages in the context are others than the history that is sent (and those of
    `leave_out`): a message of this conversation trimmed away to fit the window is a candidate like any past
    message, so what was said early in a long conversation can come back when it is asked about.

    What fits depends on the context's size, and the context on what is sent. The context is first assembled
    leaving out the history that fits even beside a context of the whole budget; if it then holds a message that
    fits beside it after all, it is assembled again leaving out all that fits, and the history sent is the
    shorter of the two fits, so no message is both sent and in the context.
    """
    count = _count()
    text = content_text(user_content)
    window = min(context_window(settings, target.provider, target.model) for target in targets)
    reserve = min(window // 4, ANSWER_RESERVE)
    room = window - reserve - count(text) - count(_omitted_note(10**6)) - 3 * MESSAGE_OVERHEAD
    budget = settings.context_budget if budget is None else budget
    assembled: AssembledContext | None = None
    kept = history
    if conversation.project_id is not None:
        project_id = conversation.project_id

        async def assemble(sent: list[Message]) -> AssembledContext:
            return await assemble_context(
                db,
                contexts,
                project_id,
                query=text or None,
                budget=budget,
                leave_out=frozenset(message.id for message in sent) | leave_out,
            )

        surely = _fit(history, max(room - budget, 0))
        assembled = await assemble(surely)
        kept = _fit(history, max(room - count(assembled.document), 0))
        if len(kept) > len(surely) and _included_messages(assembled) & {message.id for message in kept}:
            assembled = await assemble(kept)
            again = _fit(history, max(room - count(assembled.document), 0))
            kept = again if len(again) < len(kept) else kept
    else:
        kept = _fit(history, max(room, 0))
    context = None
    document = "" if assembled is None else assembled.document
    if assembled is not None:
        context = InjectedContext(
            tokens=assembled.tokens if document else 0,
            hash=hashlib.sha256(document.encode()).hexdigest() if document else None,
            ids=[item.id for item in assembled.manifest if item.included],
            omitted_messages=0,
        )
    omitted = len(history) - len(kept)
    system = "\n\n".join(part for part in (document, _omitted_note(omitted) if omitted else "") if part)
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system else []
    messages += [_as_request_message(message) for message in kept]
    messages.append({"role": "user", "content": user_content})
    if omitted:
        nothing = InjectedContext(tokens=0, hash=None, ids=[], omitted_messages=0)
        context = msgspec.structs.replace(context or nothing, omitted_messages=omitted)
    return messages, context


def _included_messages(assembled: AssembledContext) -> set[str]:
    return {item.id for item in assembled.manifest if item.kind == "message" and item.included}
