"""A request to OpenAI's Responses API: the project's context put into its `input`, then sent to the model it names.

With `inject = "delta"` (turn_state.py) the context goes into the user's message items, as an `input_text` part
before their own, and `instructions` and the client's developer items are left as they came. Otherwise the context
is a developer message placed after the client's own leading system and developer items (Codex sends
its system prompt as developer items) — after `instructions` too, which the API puts before all input — so what
the client put first stays first and its prompt cache keeps hitting.

A request that continues a stored response (`previous_response_id`) gets no context: the provider holds the
chain's earlier input, with the context the proxy put into the chain's first request, and adding it again would
stack one copy a turn. A request in a stored `conversation` gets it in `instructions`, which the provider applies
to that request alone and does not add to the conversation.
"""

from __future__ import annotations

from typing import Any

from contextstack.assembly.cache import ContextCache
from contextstack.assembly.changes import TurnStates
from contextstack.assembly.service import assemble_context
from contextstack.errors import BadRequest, FieldError
from contextstack.providers.service import Providers
from contextstack.proxy.service import ProxyAnswer, ProxyOptions, StreamPlace, decode_request, injection
from contextstack.proxy.turn_state import Placement, inject_news, with_leading_part
from contextstack.settings import Settings
from contextstack.storage import Database

# Roles of the items that instruct the model: the context goes after those the input starts with.
_INSTRUCTING = ("system", "developer")


def decode_responses_request(body: bytes) -> dict[str, Any]:
    """A Responses request: a JSON object whose `input`, if any, is a string or a list of item objects."""
    request = decode_request(body)
    items = request.get("input")
    if items is not None and not isinstance(items, str) and not _items(items):
        raise BadRequest(
            "`input` must be a string or a list of input items.",
            errors=[FieldError("input", "expected a string or a list of item objects")],
        )
    instructions = request.get("instructions")
    if instructions is not None and not isinstance(instructions, (str, list)):
        raise BadRequest("`instructions` must be a string.", errors=[FieldError("instructions", "expected a string")])
    return request


def _items(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def last_user_text(items: str | list[dict[str, Any]] | None) -> str | None:
    """The text of the last user message in `input`: what the context is assembled around."""
    if isinstance(items, str):
        return items or None
    for item in reversed(items or []):
        if _is_user(item):
            return _item_text(item)
    return None


def _is_user(item: dict[str, Any]) -> bool:
    return item.get("role") == "user" and item.get("type", "message") == "message"


def _item_text(item: dict[str, Any]) -> str | None:
    content = item.get("content")
    if isinstance(content, str):
        return content or None
    if isinstance(content, list):
        texts = [part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)]
        return " ".join(texts) or None
    return None


def _with_input_text(item: dict[str, Any], text: str) -> dict[str, Any]:
    """A message item with an `input_text` part put before its own content."""
    return with_leading_part(item, text, "input_text")


RESPONSES_PLACEMENT = Placement(_is_user, _item_text, _with_input_text)


def inject_context(request: dict[str, Any], document: str) -> None:
    """Put the context document into the request: a developer item after the input's own leading ones."""
    if request.get("conversation") is not None:
        instructions = request.get("instructions")
        request["instructions"] = (
            f"{instructions}\n\n{document}" if isinstance(instructions, str) and instructions else document
        )
        return
    context = {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": document}]}
    items = request.get("input")
    if isinstance(items, str):
        request["input"] = [context, {"type": "message", "role": "user", "content": items}]
        return
    items = list(items or [])
    position = 0
    while (
        position < len(items)
        and items[position].get("type", "message") == "message"
        and items[position].get("role") in _INSTRUCTING
    ):
        position += 1
    items.insert(position, context)
    request["input"] = items


async def create_response(
    providers: Providers,
    db: Database,
    contexts: ContextCache,
    turns: TurnStates,
    settings: Settings,
    body: bytes,
    options: ProxyOptions,
    place: StreamPlace,
) -> ProxyAnswer:
    """Route the request's model, inject the project's context, and send it to the first target that answers."""
    request = decode_responses_request(body)
    stream = place.take_if_streaming(request)
    model = request.get("model")
    targets = providers.resolve(model)
    project, tokens = options.project, 0
    continued = request.get("previous_response_id") is not None
    how = None if continued else injection(settings, options, model, targets)
    if how is not None and how.mode == "delta" and request.get("conversation") is None:
        assert options.project is not None
        items = request.get("input")
        if isinstance(items, str):
            items = [{"type": "message", "role": "user", "content": items}]
        injected = None
        if items:
            items = request["input"] = list(items)
            injected = await inject_news(
                db,
                contexts,
                turns,
                items,
                RESPONSES_PLACEMENT,
                options.project,
                how.budget,
                options.conversation,
                leave_out=options.resent,
            )
        if injected is not None:
            project, tokens = injected
    elif how is not None:
        assert options.project is not None
        query = last_user_text(request.get("input"))
        context = await assemble_context(
            db, contexts, options.project, query=query, budget=how.budget, leave_out=options.resent
        )
        project = context.project_slug
        if context.document:
            inject_context(request, context.document)
            tokens = context.tokens
    completion = await providers.responses(request, targets, stream=stream)
    return ProxyAnswer(completion=completion, project=project, context_tokens=tokens)
