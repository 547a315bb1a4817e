"""A request to OpenAI's Responses API: the project's context put into its `input`, then sent to the model it names.

The context is a developer message placed after the client's own leading system and developer items (Codex sends
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
from contextstack.assembly.service import assemble_context
from contextstack.errors import BadRequest, FieldError
from contextstack.providers.service import Providers
from contextstack.proxy.service import ProxyAnswer, ProxyOptions, context_budget, decode_request, inject_mode
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
        if item.get("role") != "user" or item.get("type", "message") != "message":
            continue
        content = item.get("content")
        if isinstance(content, str):
            return content or None
        if isinstance(content, list):
            texts = [part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)]
            return " ".join(texts) or None
        return None
    return None


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
    providers: Providers, db: Database, contexts: ContextCache, settings: Settings, body: bytes, options: ProxyOptions
) -> ProxyAnswer:
    """Route the request's model, inject the project's context, and send it to the first target that answers."""
    request = decode_responses_request(body)
    targets = providers.resolve(request.get("model"))
    project, tokens = options.project, 0
    continued = request.get("previous_response_id") is not None
    if options.project is not None and not continued and inject_mode(settings, options) != "off":
        context = await assemble_context(
            db,
            contexts,
            options.project,
            query=last_user_text(request.get("input")),
            budget=context_budget(settings, options),
        )
        project = context.project_slug
        if context.document:
            inject_context(request, context.document)
            tokens = context.tokens
    completion = await providers.responses(request, targets, stream=request.get("stream") is True)
    return ProxyAnswer(completion=completion, project=project, context_tokens=tokens)
