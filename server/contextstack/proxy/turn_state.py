"""Injecting only what is new (`inject = "delta"`): what the proxy put into a conversation, remembered in memory, so
that the next turn gets it back byte for byte where it was and only what is new is added, in the new message.

A stateless client resends its whole history each turn. Each turn is remembered under a hash of the conversation's
messages as the client sent them (its system and developer messages left out, and `cache_control` marks too:
Claude Code changes both between turns), with what the proxy inserted and where. The next request is matched by
its longest remembered prefix (within the conversation `X-Contextstack-Conversation: cnv_…` names, if named: two
conversations the same so far stay apart): the insertions of that turn go back in, and the news (the project's
changes since, said as changes, and the items newly relevant to the new question) goes into the new user message,
before its own text. Nothing is inserted before a message the
provider has already seen, and nothing into a system prompt, so a provider's prefix cache covers every earlier
turn. A conversation not known (its first turn, or one forgotten) gets the whole context, in its last user message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import msgspec

from contextstack.assembly.cache import ContextCache
from contextstack.assembly.changes import Insertion, Turn, TurnStates, news, whole
from contextstack.assembly.service import assemble
from contextstack.storage import Database

_encode = msgspec.json.Encoder().encode

# Roles of the messages that instruct the model: left out of the key, and never given context.
INSTRUCTING = ("system", "developer")


class Placement(NamedTuple):
    """How a dialect's messages take context: which are the user's, the text of one, and one with text put first."""

    is_user: Callable[[dict[str, Any]], bool]
    text_of: Callable[[dict[str, Any]], str | None]
    with_text: Callable[[dict[str, Any], str], dict[str, Any]]


def with_leading_part(message: dict[str, Any], text: str, kind: str) -> dict[str, Any]:
    """A message with a part of type `kind` holding `text` put before its own content (a string content becomes
    a part of that type too)."""
    part = {"type": kind, "text": text}
    content = message.get("content")
    if isinstance(content, list):
        return {**message, "content": [part, *content]}
    if isinstance(content, str) and content:
        return {**message, "content": [part, {"type": kind, "text": content}]}
    return {**message, "content": [part]}


class Injected(NamedTuple):
    project: str  # the project's slug
    tokens: int  # of what was added with this request


async def inject_news(
    db: Database,
    contexts: ContextCache,
    turns: TurnStates,
    messages: list[dict[str, Any]],
    placement: Placement,
    project: str,
    budget: int,
    conversation: str | None = None,
    *,
    remember: bool = True,
    leave_out: frozenset[str] = frozenset(),
) -> Injected | None:
    """Put into `messages` (in place) what this conversation was given before, and what is new for it now.

    None when there is nowhere to put anything (no user message). `remember`: keep this turn for the next one
    (not for a count of tokens, which is not a turn).
    """
    positions = [index for index, message in enumerate(messages) if message.get("role") not in INSTRUCTING]
    keys = _keys(project, conversation, (messages[index] for index in positions))
    matched, turn = _match(turns, keys)
    target = next(
        (at for at in range(len(positions) - 1, matched - 1, -1) if placement.is_user(messages[positions[at]])),
        None,
    )
    if turn is None and target is None:
        return None
    insertions = () if turn is None else tuple(i for i in turn.insertions if i.position < len(positions))
    for insertion in insertions:
        index = positions[insertion.position]
        messages[index] = placement.with_text(messages[index], insertion.text)
    if target is None:
        assert turn is not None
        _remember(turns, keys, Turn(insertions, turn.seen, turn.snapshot), remember)
        return Injected(turn.snapshot.project_slug, 0)
    index = positions[target]
    query = placement.text_of(messages[index])
    assembly = await assemble(db, contexts, project, query=query, budget=budget, leave_out=leave_out)
    told = whole(assembly) if turn is None else news(assembly, turn.seen, turn.snapshot)
    if told.document:
        messages[index] = placement.with_text(messages[index], told.document)
        insertions = (*insertions, Insertion(target, told.document))
    _remember(turns, keys, Turn(insertions, told.seen, told.snapshot), remember)
    return Injected(assembly.context.project_slug, told.tokens)


def _match(turns: TurnStates, keys: list[bytes]) -> tuple[int, Turn | None]:
    """The conversation's last turn known, and how many of the messages it covers: the turn of the longest prefix
    of the messages remembered (all of them: the same request again)."""
    for covered in range(len(keys), 0, -1):
        turn = turns.get(keys[covered - 1])
        if turn is not None:
            return covered, turn
    return 0, None


def _remember(turns: TurnStates, keys: list[bytes], turn: Turn, remember: bool) -> None:
    if remember and keys:
        turns.put(keys[-1], turn)


def _keys(project: str, conversation: str | None, messages: Iterable[dict[str, Any]]) -> list[bytes]:
    """The key of each prefix of the messages: a hash over the project, the conversation's name if it has one,
    and the messages up to and with it. So two conversations named apart are apart, even when their messages are
    the same."""
    keys: list[bytes] = []
    key = f"{project}\0{conversation or ''}".encode()
    for message in messages:
        key = hashlib.blake2b(key + _canonical(message), digest_size=16).digest()
        keys.append(key)
    return keys


def _canonical(message: dict[str, Any]) -> bytes:
    """A message as its key sees it: its JSON, without the `cache_control` marks a client moves between turns."""
    encoded = _encode(message)
    if b'"cache_control"' not in encoded:
        return encoded
    return _encode(_without_cache_control(message))


def _without_cache_control(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_cache_control(item) for key, item in value.items() if key != "cache_control"}
    if isinstance(value, list):
        return [_without_cache_control(item) for item in value]
    return value
