"""A request in Anthropic's Messages shape: the project's context put after the client's own system blocks, then
sent to the model it names (passed through to an Anthropic provider, translated for an OpenAI-compatible one)."""

from __future__ import annotations

from typing import Any

import msgspec

from contextstack.assembly.cache import ContextCache
from contextstack.assembly.changes import TurnStates
from contextstack.assembly.service import assemble_context
from contextstack.assembly.tokens import token_counter
from contextstack.errors import BadRequest, FieldError
from contextstack.providers.chat_request import to_chat_request
from contextstack.providers.errors import ProviderError
from contextstack.providers.models import Completion, Forwarded, Target
from contextstack.providers.service import Providers
from contextstack.proxy.service import (
    ProxyAnswer,
    ProxyOptions,
    StreamPlace,
    decode_chat_request,
    injection,
    last_user_text,
    message_text,
)
from contextstack.proxy.turn_state import Placement, inject_news
from contextstack.settings import Settings
from contextstack.storage import Database

_encode = msgspec.json.Encoder().encode

# What a chat message costs beyond its text (role and separators), as OpenAI's own counting guide reckons it.
_TOKENS_PER_MESSAGE = 3
# How many model names an unknown model's error lists.
_LISTED_MODELS = 40


def put_context_after_system(request: dict[str, Any], document: str) -> None:
    """The context as a text block after the client's own system blocks (a string `system` becomes a block).

    Never before them: a client's system prompt stays first, and its `cache_control` breakpoints keep hitting.
    """
    block = {"type": "text", "text": document}
    system = request.get("system")
    if system is None or system == "":
        request["system"] = [block]
    elif isinstance(system, str):
        request["system"] = [{"type": "text", "text": system}, block]
    elif isinstance(system, list):
        request["system"] = [*system, block]
    else:
        raise BadRequest(
            "`system` must be a string or a list of text blocks.",
            errors=[FieldError("system", "expected a string or a list of text blocks")],
        )


def _is_user(message: dict[str, Any]) -> bool:
    return message.get("role") == "user"


def _with_text_block(message: dict[str, Any], text: str) -> dict[str, Any]:
    """A Messages message with a text block put before its own text: after its tool results, which Anthropic
    wants first in a user turn (a string content becomes a text block)."""
    block = {"type": "text", "text": text}
    content = message.get("content")
    if isinstance(content, list):
        results = 0
        while (
            results < len(content)
            and isinstance(content[results], dict)
            and content[results].get("type") == ("tool_result")
        ):
            results += 1
        return {**message, "content": [*content[:results], block, *content[results:]]}
    if isinstance(content, str) and content:
        return {**message, "content": [block, {"type": "text", "text": content}]}
    return {**message, "content": [block]}


# Messages: the context goes into the user's turn as a text block; the client's `system` (Claude Code's, with its
# `cache_control` breakpoints) is left as it came.
MESSAGES_PLACEMENT = Placement(_is_user, message_text, _with_text_block)


async def _with_context(
    providers: Providers,
    db: Database,
    contexts: ContextCache,
    turns: TurnStates,
    settings: Settings,
    body: bytes,
    options: ProxyOptions,
    place: StreamPlace | None,
) -> tuple[dict[str, Any], list[Target], str | None, int]:
    """The request with the project's context in, the models to try, the project's slug and the context's size.

    Without `place` (a count of tokens), the turn is not remembered: the count is of the request as it would go.
    """
    request = decode_chat_request(body)  # the same checks: a JSON object, `messages` a list, `model` a string
    if place is not None:
        place.take_if_streaming(request)
    model = request.get("model")
    targets = providers.resolve(model)
    project, tokens = options.project, 0
    how = injection(settings, options, model, targets)
    if how is not None and how.mode == "delta":
        assert options.project is not None
        _check_system(request.get("system"))
        injected = await inject_news(
            db,
            contexts,
            turns,
            request["messages"],
            MESSAGES_PLACEMENT,
            options.project,
            how.budget,
            options.conversation,
            leave_out=options.resent,
            remember=place is not None,
        )
        if injected is not None:
            project, tokens = injected
    elif how is not None:
        assert options.project is not None
        query = last_user_text(request["messages"])
        context = await assemble_context(
            db, contexts, options.project, query=query, budget=how.budget, leave_out=options.resent
        )
        project = context.project_slug
        if context.document:
            put_context_after_system(request, context.document)
            tokens = context.tokens
    return request, targets, project, tokens


def _check_system(system: Any) -> None:
    if system is not None and not isinstance(system, (str, list)):
        raise BadRequest(
            "`system` must be a string or a list of text blocks.",
            errors=[FieldError("system", "expected a string or a list of text blocks")],
        )


async def _naming_the_models(providers: Providers, error: ProviderError) -> ProviderError:
    """A 404 for a model, with the models the client can name: Claude Code shows any 404 as a bad model."""
    if error.status != 404:
        return error
    names = [model.id for model in await providers.list_models()]
    listed = ", ".join(names[:_LISTED_MODELS]) + (" …" if len(names) > _LISTED_MODELS else "")
    message = f"{error.message} Models you can name: {listed or 'none (no provider is usable)'}."
    return ProviderError(404, message, code=error.code, param="model", type="not_found_error", headers=error.headers)


async def create_message(
    providers: Providers,
    db: Database,
    contexts: ContextCache,
    turns: TurnStates,
    settings: Settings,
    body: bytes,
    options: ProxyOptions,
    place: StreamPlace,
    forwarded: Forwarded,
) -> ProxyAnswer:
    """Route the request's model, put the project's context in, and send it to the first target that answers."""
    try:
        request, targets, project, tokens = await _with_context(
            providers, db, contexts, turns, settings, body, options, place
        )
        completion = await providers.messages(
            request, targets, stream=request.get("stream") is True, forwarded=forwarded
        )
    except ProviderError as exc:
        raise await _naming_the_models(providers, exc) from None
    return ProxyAnswer(completion=completion, project=project, context_tokens=tokens)


def count_locally(request: dict[str, Any], target: Target, betas: str | None) -> int:
    """The input tokens of a Messages request as translated for an OpenAI-compatible provider, by the daemon's
    own token counter: each message's text, its tool calls and the tools' definitions, plus each message's
    overhead."""
    _, count = token_counter()
    translated = to_chat_request({**request, "stream": False}, target.model, betas)
    total = 0
    for message in translated["messages"]:
        total += _TOKENS_PER_MESSAGE
        content = message.get("content")
        if isinstance(content, str):
            total += count(content)
        elif isinstance(content, list):
            total += sum(count(part["text"]) for part in content if part.get("type") == "text")
        for call in message.get("tool_calls", ()):
            total += count(call["function"]["name"]) + count(call["function"]["arguments"])
    if translated.get("tools"):
        total += count(_encode(translated["tools"]).decode())
    return total


async def count_message_tokens(
    providers: Providers,
    db: Database,
    contexts: ContextCache,
    turns: TurnStates,
    settings: Settings,
    body: bytes,
    options: ProxyOptions,
    forwarded: Forwarded,
) -> ProxyAnswer:
    """The input tokens of the request as it would be sent, the project's context included: Anthropic's own
    count for an Anthropic provider's model, the daemon's count of the translated request otherwise."""
    try:
        request, targets, project, tokens = await _with_context(
            providers, db, contexts, turns, settings, body, options, None
        )
        target = targets[0]
        if providers.kind_of(target) == "anthropic":
            answer = await providers.count_tokens(request, target, forwarded)
        else:
            answer = _encode({"input_tokens": count_locally(request, target, forwarded.anthropic_beta)})
    except ProviderError as exc:
        raise await _naming_the_models(providers, exc) from None
    return ProxyAnswer(completion=Completion(target, body=answer), project=project, context_tokens=tokens)
