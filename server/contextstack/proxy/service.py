"""A chat request in OpenAI's shape: the project's context put into it, then sent to the model it names."""

from __future__ import annotations

import re
from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import Any, Literal, NamedTuple

import msgspec

from contextstack.assembly.cache import ContextCache
from contextstack.assembly.changes import TurnStates
from contextstack.assembly.service import assemble_context
from contextstack.errors import BadRequest, FieldError
from contextstack.json_request import too_deep
from contextstack.limits import StreamLimit
from contextstack.providers.models import NOTHING_FORWARDED, Completion, Forwarded, Target
from contextstack.providers.service import Providers
from contextstack.proxy.turn_state import Placement, inject_news, with_leading_part
from contextstack.settings import InjectMode, ProjectProxyConfig, Settings
from contextstack.storage import Database

_decode_request = msgspec.json.Decoder(dict[str, Any]).decode
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# Roles whose messages instruct the model: where `append` puts the context.
_SYSTEM_ROLES = ("system", "developer")

# A project without a `[projects.NAME]` table: the global settings apply.
_UNCONFIGURED = ProjectProxyConfig()


class ProxyOptions(msgspec.Struct, frozen=True):
    """What a client asks of the proxy itself: the project whose context to inject, how much, and where."""

    project: str | None = None
    budget: int | None = None
    inject: InjectMode | None = None
    conversation: str | None = None  # X-Contextstack-Conversation: the conversation the request continues
    # The recorded messages the request sends again: its context's past messages leave them out.
    resent: frozenset[str] = frozenset()


class StreamPlace:
    """An exchange's place among the daemon's `max_streams`: taken once its dialect has read the request and it
    asks for a stream (TooBusy past them, before anything goes upstream), given back when the answer has ended."""

    def __init__(self, streams: StreamLimit) -> None:
        self._streams = streams
        self._release: Callable[[], None] | None = None

    def take_if_streaming(self, request: dict[str, Any]) -> bool:
        """Take a place if the request asks for a stream (`"stream": true`); whether it does."""
        if request.get("stream") is not True:
            return False
        if self._release is None:
            self._release = self._streams.take()
        return True

    def release(self) -> None:
        if self._release is not None:
            self._release()


class ProxyAnswer(msgspec.Struct, frozen=True):
    """The upstream's answer, and the context the proxy put into the request on its way."""

    completion: Completion
    project: str | None = None
    context_tokens: int = 0


def decode_request(body: bytes) -> dict[str, Any]:
    """The request as a dict: every field kept, so that what the proxy does not know passes through.

    Checked only as far as the proxy reads it: a JSON object whose `model`, if any, is a string fit for a header.
    """
    try:
        request = _decode_request(body)
    except msgspec.DecodeError as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}", errors=[FieldError("body", str(exc))]) from None
    except msgspec.ValidationError:
        raise BadRequest(
            "The body must be a JSON object.", errors=[FieldError("body", "expected a JSON object")]
        ) from None
    except RecursionError:
        raise too_deep() from None
    model = request.get("model", "")
    if not isinstance(model, str):
        raise BadRequest("`model` must be a string.", errors=[FieldError("model", "expected a string")])
    if _CONTROL.search(model):
        # It goes into the answer's X-Contextstack-Model header, where a line break ends the answer mid-flight.
        raise BadRequest(
            "`model` may not contain control characters (CR, LF, NUL, DEL …).",
            errors=[FieldError("model", "contains a control character")],
        )
    return request


def decode_chat_request(body: bytes) -> dict[str, Any]:
    """A chat completion request: a JSON object with a list of messages."""
    request = decode_request(body)
    messages = request.get("messages")
    if not isinstance(messages, list) or not all(isinstance(message, dict) for message in messages):
        raise BadRequest(
            "`messages` must be a list of message objects.",
            errors=[FieldError("messages", "expected a list of message objects")],
        )
    return request


def last_user_text(messages: list[dict[str, Any]]) -> str | None:
    """The text of the last user message: what the context is assembled around."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return None


def message_text(message: dict[str, Any]) -> str | None:
    """The text of a message: its string content, or its text parts joined (None without any)."""
    content = message.get("content")
    if isinstance(content, str):
        return content or None
    if isinstance(content, list):
        texts = [part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)]
        return " ".join(texts) or None
    return None


def _is_user(message: dict[str, Any]) -> bool:
    return message.get("role") == "user"


def _with_text_part(message: dict[str, Any], text: str) -> dict[str, Any]:
    """A chat message with a text part put before its own content."""
    return with_leading_part(message, text, "text")


# Chat completions: the context goes into the user's message as a text part, which survives translation for an
# Anthropic provider as a text block of the user's turn (a system message would be hoisted into `system`).
CHAT_PLACEMENT = Placement(_is_user, message_text, _with_text_part)


def inject_context(messages: list[dict[str, Any]], document: str, mode: Literal["prepend", "append"]) -> None:
    """Put the context document into the messages: a system message first, or the end of the first one."""
    if mode == "append":
        for index, message in enumerate(messages):
            if message.get("role") not in _SYSTEM_ROLES:
                continue
            content = message.get("content")
            if isinstance(content, list):
                appended: str | list[Any] = [*content, {"type": "text", "text": document}]
            else:
                appended = f"{content}\n\n{document}" if content else document
            messages[index] = {**message, "content": appended}
            return
    messages.insert(0, {"role": "system", "content": document})


def model_inject(settings: Settings, model: str | None, targets: list[Target]) -> InjectMode | None:
    """The `inject` of the first `[models."PATTERN"]` table whose glob matches the model as the request names
    it, or a model it routes to as `provider/model`."""
    if not settings.models:
        return None
    names = [model or "", *(target.name for target in targets)]
    for pattern, config in settings.models.items():
        if config.inject is not None and any(fnmatchcase(name, pattern) for name in names):
            return config.inject
    return None


class Injection(NamedTuple):
    """How a request's context goes in, and within what budget."""

    mode: InjectMode
    budget: int


def injection(settings: Settings, options: ProxyOptions, model: str | None, targets: list[Target]) -> Injection | None:
    """How the project's context goes into this request; None when none does (no project, or `off`).

    The request's X-Contextstack-Inject wins, then the model's `[models]` table, the project's, and the global
    `inject`.
    """
    if options.project is None:
        return None
    configured = settings.projects.get(options.project, _UNCONFIGURED)
    mode = options.inject or model_inject(settings, model, targets) or configured.inject or settings.inject
    if mode == "off":
        return None
    budget = next(b for b in (options.budget, configured.context_budget, settings.context_budget) if b is not None)
    return Injection(mode, budget)


async def chat_completion(
    providers: Providers,
    db: Database,
    contexts: ContextCache,
    turns: TurnStates,
    settings: Settings,
    body: bytes,
    options: ProxyOptions,
    place: StreamPlace,
    forwarded: Forwarded = NOTHING_FORWARDED,
) -> ProxyAnswer:
    """Route the request's model, inject the project's context, and send it to the first target that answers."""
    request = decode_chat_request(body)
    stream = place.take_if_streaming(request)
    model = request.get("model")
    targets = providers.resolve(model)
    messages: list[dict[str, Any]] = request["messages"]
    project, tokens = options.project, 0
    how = injection(settings, options, model, targets)
    if how is not None and how.mode == "delta":
        assert options.project is not None
        injected = await inject_news(
            db,
            contexts,
            turns,
            messages,
            CHAT_PLACEMENT,
            options.project,
            how.budget,
            options.conversation,
            leave_out=options.resent,
        )
        if injected is not None:
            project, tokens = injected
    elif how is not None:
        assert options.project is not None
        assert how.mode != "off"
        context = await assemble_context(
            db, contexts, options.project, query=last_user_text(messages), budget=how.budget, leave_out=options.resent
        )
        project = context.project_slug
        if context.document:
            inject_context(messages, context.document, "append" if how.mode == "append" else "prepend")
            tokens = context.tokens
    completion = await providers.chat(request, targets, stream=stream, forwarded=forwarded)
    return ProxyAnswer(completion=completion, project=project, context_tokens=tokens)
