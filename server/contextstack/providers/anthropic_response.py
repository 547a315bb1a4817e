"""Anthropic Messages answers and stream events as OpenAI chat completions and chunks."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import msgspec

from contextstack.providers.errors import ProviderError, ended_early, malformed
from contextstack.providers.models import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionChunk,
    Choice,
    ChunkChoice,
    Delta,
    FunctionCall,
    FunctionCallDelta,
    Target,
    ToolCall,
    ToolCallDelta,
    Usage,
)

FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}

_ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "timeout_error": 504,
}

_encode = msgspec.json.Encoder().encode


class _Block(msgspec.Struct, frozen=True):
    type: str
    text: str | None = None
    id: str | None = None
    name: str | None = None
    input: Any = None
    partial_json: str | None = None


class _Usage(msgspec.Struct, frozen=True):
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None

    @property
    def prompt_tokens(self) -> int:
        return self.input_tokens + (self.cache_creation_input_tokens or 0) + (self.cache_read_input_tokens or 0)


class _Message(msgspec.Struct, frozen=True):
    id: str
    model: str
    content: list[_Block] = []
    stop_reason: str | None = None
    usage: _Usage = _Usage()


class _MessageStart(msgspec.Struct, frozen=True):
    message: _Message


class _BlockEvent(msgspec.Struct, frozen=True):
    index: int
    content_block: _Block | None = None
    delta: _Block | None = None


class _StopDelta(msgspec.Struct, frozen=True):
    stop_reason: str | None = None


class _MessageDelta(msgspec.Struct, frozen=True):
    delta: _StopDelta = _StopDelta()
    usage: _Usage | None = None


class _ErrorDetail(msgspec.Struct, frozen=True):
    type: str = "api_error"
    message: str = "the provider reported an error"


class _ErrorEvent(msgspec.Struct, frozen=True):
    error: _ErrorDetail = _ErrorDetail()


_decode_message = msgspec.json.Decoder(_Message).decode
_decode_start = msgspec.json.Decoder(_MessageStart).decode
_decode_block = msgspec.json.Decoder(_BlockEvent).decode
_decode_message_delta = msgspec.json.Decoder(_MessageDelta).decode
_decode_error = msgspec.json.Decoder(_ErrorEvent).decode


def _finish_reason(stop_reason: str | None) -> str | None:
    return None if stop_reason is None else FINISH_REASONS.get(stop_reason, "stop")


def _usage(usage: _Usage) -> Usage:
    prompt = usage.prompt_tokens
    return Usage(prompt_tokens=prompt, completion_tokens=usage.output_tokens, total_tokens=prompt + usage.output_tokens)


def to_chat_completion(target: Target, body: bytes) -> bytes:
    """The OpenAI chat completion for an Anthropic Messages answer."""
    try:
        message = _decode_message(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise malformed(target, "an answer that is not an Anthropic message") from None
    text = "".join(block.text or "" for block in message.content if block.type == "text")
    calls = [
        ToolCall(
            id=block.id or "",
            type="function",
            function=FunctionCall(name=block.name or "", arguments=_encode(block.input or {}).decode()),
        )
        for block in message.content
        if block.type == "tool_use"
    ]
    completion = ChatCompletion(
        id=message.id,
        object="chat.completion",
        created=int(time.time()),
        model=message.model,
        choices=[
            Choice(
                index=0,
                message=AssistantMessage(role="assistant", content=text or None, tool_calls=calls or None),
                finish_reason=_finish_reason(message.stop_reason),
            )
        ],
        usage=_usage(message.usage),
    )
    return _encode(completion)


def stream_error(target: Target, data: bytes) -> ProviderError:
    """The error an Anthropic `error` event reports."""
    try:
        detail = _decode_error(data).error
    except (msgspec.DecodeError, msgspec.ValidationError):
        detail = _ErrorDetail()
    status = _ERROR_STATUS.get(detail.type, 502)
    return ProviderError(
        status,
        f"{target.name}: {detail.message}",
        type=detail.type if status < 500 else None,
        code=detail.type,
        retryable=status >= 500 or status == 429,
    )


async def sse_events(chunks: AsyncIterator[bytes]) -> AsyncIterator[tuple[str, bytes]]:
    """(event name, data) for each complete server-sent event in a byte stream."""
    buffer = b""
    async for chunk in chunks:
        buffer = (buffer + chunk).replace(b"\r\n", b"\n")
        *complete, buffer = buffer.split(b"\n\n")
        for block in complete:
            name = "message"
            data: list[bytes] = []
            for line in block.split(b"\n"):
                if line.startswith(b"event:"):
                    name = line[6:].strip().decode()
                elif line.startswith(b"data:"):
                    data.append(line[6:] if line.startswith(b"data: ") else line[5:])
            if data:
                yield name, b"\n".join(data)


class StreamTranslation:
    """Turns Anthropic stream events into OpenAI chunk events, one for one, as they arrive."""

    def __init__(self, target: Target, *, include_usage: bool) -> None:
        self.target = target
        self.include_usage = include_usage
        self.id = ""
        self.model = target.model
        self.created = int(time.time())
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.tool_indexes: dict[int, int] = {}

    def _chunk(self, delta: Delta, finish_reason: str | None = None) -> bytes:
        chunk = ChatCompletionChunk(
            id=self.id,
            object="chat.completion.chunk",
            created=self.created,
            model=self.model,
            choices=[ChunkChoice(index=0, delta=delta, finish_reason=finish_reason)],
        )
        return b"data: " + _encode(chunk) + b"\n\n"

    def _usage_chunk(self) -> bytes:
        usage = Usage(
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            total_tokens=self.prompt_tokens + self.completion_tokens,
        )
        chunk = ChatCompletionChunk(
            id=self.id, object="chat.completion.chunk", created=self.created, model=self.model, choices=[], usage=usage
        )
        return b"data: " + _encode(chunk) + b"\n\n"

    async def translate(self, events: AsyncIterator[tuple[str, bytes]]) -> AsyncIterator[bytes]:
        """The OpenAI SSE bytes for each Anthropic event; ends with `data: [DONE]` after `message_stop`."""
        async for name, data in events:
            try:
                translated = self._event(name, data)
            except (msgspec.DecodeError, msgspec.ValidationError):
                raise malformed(self.target, f"a malformed {name!r} stream event") from None
            if translated is None:
                continue
            yield translated
            if name == "message_stop":
                return
        raise ended_early(self.target)

    def _event(self, name: str, data: bytes) -> bytes | None:
        if name == "message_start":
            message = _decode_start(data).message
            self.id, self.model = message.id, message.model
            self.prompt_tokens = message.usage.prompt_tokens
            return self._chunk(Delta(role="assistant", content=""))
        if name == "content_block_start":
            event = _decode_block(data)
            block = event.content_block
            if block is None:
                return None
            if block.type == "tool_use":
                index = self.tool_indexes[event.index] = len(self.tool_indexes)
                call = ToolCallDelta(
                    index=index, id=block.id, type="function", function=FunctionCallDelta(name=block.name, arguments="")
                )
                return self._chunk(Delta(tool_calls=[call]))
            return self._chunk(Delta(content=block.text)) if block.type == "text" and block.text else None
        if name == "content_block_delta":
            event = _decode_block(data)
            delta = event.delta
            if delta is None:
                return None
            if delta.type == "text_delta" and delta.text:
                return self._chunk(Delta(content=delta.text))
            if delta.type == "input_json_delta" and delta.partial_json and event.index in self.tool_indexes:
                call = ToolCallDelta(
                    index=self.tool_indexes[event.index], function=FunctionCallDelta(arguments=delta.partial_json)
                )
                return self._chunk(Delta(tool_calls=[call]))
            return None
        if name == "message_delta":
            message_delta = _decode_message_delta(data)
            if message_delta.usage is not None:
                self.completion_tokens = message_delta.usage.output_tokens
            return self._chunk(Delta(), _finish_reason(message_delta.delta.stop_reason))
        if name == "message_stop":
            return (self._usage_chunk() if self.include_usage else b"") + b"data: [DONE]\n\n"
        if name == "error":
            raise stream_error(self.target, data)
        return None
