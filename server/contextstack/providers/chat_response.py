"""OpenAI chat completions and their stream chunks as Anthropic messages and stream events.

A stream becomes the events Anthropic sends, named as Anthropic names them: `message_start`, `ping`, then per
content block `content_block_start`, its `content_block_delta`s and `content_block_stop`, then `message_delta`
(with the stop reason and usage) and `message_stop`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec

from contextstack.providers.anthropic_response import sse_events
from contextstack.providers.chat_answer import ChatChoice as _Choice
from contextstack.providers.chat_answer import ChatMessage as _Message
from contextstack.providers.chat_answer import ChatUsage as _Usage
from contextstack.providers.errors import ProviderError, malformed
from contextstack.providers.models import Target

STOP_REASONS = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}

_encode = msgspec.json.Encoder().encode
_decode_arguments = msgspec.json.Decoder().decode


class _Completion(msgspec.Struct, frozen=True):
    id: str = ""
    choices: list[_Choice] = []
    usage: _Usage | None = None


_decode_completion = msgspec.json.Decoder(_Completion).decode


def _anthropic_usage(usage: _Usage) -> dict[str, int]:
    cached = usage.cached_tokens
    answer = {"input_tokens": usage.prompt_tokens - cached, "output_tokens": usage.completion_tokens}
    if cached:
        answer["cache_read_input_tokens"] = cached
    return answer


def _stop_reason(finish_reason: str | None) -> str | None:
    return None if finish_reason is None else STOP_REASONS.get(finish_reason, "end_turn")


def _message_id(completion_id: str) -> str:
    return completion_id if completion_id.startswith("msg_") else f"msg_{completion_id}"


def _tool_input(target: Target, arguments: str | None) -> Any:
    try:
        return _decode_arguments(arguments or "{}")
    except msgspec.DecodeError:
        raise malformed(target, "a tool call whose arguments are not JSON") from None


def to_message(target: Target, model: str, body: bytes) -> bytes:
    """The Anthropic message for an OpenAI chat completion; `model` is the name the client asked for."""
    try:
        completion = _decode_completion(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise malformed(target, "an answer that is not a chat completion") from None
    if not completion.choices or completion.choices[0].message is None:
        raise malformed(target, "a chat completion without a message")
    choice = completion.choices[0]
    message = choice.message
    assert message is not None
    content: list[dict[str, Any]] = []
    text = message.content or message.refusal
    if text:
        content.append({"type": "text", "text": text})
    for call in message.tool_calls or []:
        content.append(
            {
                "type": "tool_use",
                "id": call.id or "",
                "name": call.function.name or "",
                "input": _tool_input(target, call.function.arguments),
            }
        )
    answer = {
        "id": _message_id(completion.id),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": _stop_reason(choice.finish_reason),
        "stop_sequence": None,
        "usage": _anthropic_usage(completion.usage or _Usage()),
    }
    return _encode(answer)


def _event(name: str, data: dict[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + _encode({"type": name, **data}) + b"\n\n"


class EventTranslation:
    """Turns OpenAI chunk events into Anthropic stream events as they arrive."""

    def __init__(self, target: Target, model: str) -> None:
        self.target = target
        self.model = model
        self.started = False
        self.block: int | None = None  # the index of the open content block
        self.block_kind: str | None = None
        self.blocks = 0
        self.tools: dict[int, int] = {}  # OpenAI tool call index -> Anthropic block index
        self.stop_reason: str | None = None
        self.usage = _Usage()

    def _start(self, completion_id: str) -> bytes:
        self.started = True
        message: dict[str, Any] = {
            "id": _message_id(completion_id),
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": 0, "output_tokens": 0},
        }
        return _event("message_start", {"message": message}) + _event("ping", {})

    def _close_block(self) -> bytes:
        if self.block is None:
            return b""
        closed, self.block, self.block_kind = self.block, None, None
        return _event("content_block_stop", {"index": closed})

    def _open_block(self, kind: str, block: dict[str, Any]) -> bytes:
        closing = self._close_block()
        self.block, self.block_kind = self.blocks, kind
        self.blocks += 1
        return closing + _event("content_block_start", {"index": self.block, "content_block": block})

    def _chunk(self, data: bytes) -> bytes:
        completion = _decode_completion(data)
        out = b"" if self.started else self._start(completion.id)
        if completion.usage is not None:
            self.usage = completion.usage
        for choice in completion.choices[:1]:
            delta = choice.delta or _Message()
            text = delta.content or delta.refusal
            if text:
                if self.block_kind != "text":
                    out += self._open_block("text", {"type": "text", "text": ""})
                out += _event(
                    "content_block_delta", {"index": self.block, "delta": {"type": "text_delta", "text": text}}
                )
            for call in delta.tool_calls or []:
                if call.index not in self.tools:
                    out += self._open_block(
                        "tool_use",
                        {"type": "tool_use", "id": call.id or "", "name": call.function.name or "", "input": {}},
                    )
                    assert self.block is not None
                    self.tools[call.index] = self.block
                if call.function.arguments:
                    index = self.tools[call.index]
                    if index != self.block:
                        raise malformed(self.target, "tool call arguments for a call already ended")
                    delta_json = {"type": "input_json_delta", "partial_json": call.function.arguments}
                    out += _event("content_block_delta", {"index": index, "delta": delta_json})
            if choice.finish_reason is not None:
                self.stop_reason = _stop_reason(choice.finish_reason)
        return out

    def _end(self) -> bytes:
        out = b"" if self.started else self._start("")
        out += self._close_block()
        usage = _anthropic_usage(self.usage)
        delta = {"delta": {"stop_reason": self.stop_reason or "end_turn", "stop_sequence": None}, "usage": usage}
        return out + _event("message_delta", delta) + _event("message_stop", {})

    async def translate(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """The Anthropic SSE bytes for each OpenAI event; ends with `message_stop` after `data: [DONE]`."""
        async for _, data in sse_events(chunks):
            if data.strip() == b"[DONE]":
                yield self._end()
                return
            try:
                translated = self._chunk(data)
            except (msgspec.DecodeError, msgspec.ValidationError):
                raise malformed(self.target, "a malformed stream chunk") from None
            if translated:
                yield translated
        raise ProviderError(
            502,
            f"{self.target.name}: the provider ended the stream early.",
            code="upstream_stream_ended",
            retryable=True,
        )
