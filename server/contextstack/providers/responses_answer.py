"""Chat completion answers and stream chunks as OpenAI Responses API objects and typed stream events.

A completion becomes one `response` object: a `message` item for its text, a `function_call` item for each tool
call. A stream becomes the Responses events in their order — `response.created`, `response.in_progress`, each
item's `response.output_item.added` … deltas … `response.output_item.done`, then `response.completed` (or
`response.incomplete` when the answer was cut short, `response.failed` when the provider failed) — each with its
`sequence_number`.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import msgspec

from contextstack.providers.chat_answer import ChatChoice as _Choice
from contextstack.providers.chat_answer import ChatToolCall as _ToolCall
from contextstack.providers.chat_answer import ChatUsage as _Usage
from contextstack.providers.errors import ProviderError, malformed
from contextstack.providers.models import Target

_encode = msgspec.json.Encoder().encode

Item = dict[str, Any]

# Why an answer stopped short, as the Responses API says it.
_INCOMPLETE = {"length": "max_output_tokens", "content_filter": "content_filter"}


class _Completion(msgspec.Struct, frozen=True):
    model: str | None = None
    created: int | None = None
    choices: list[_Choice] = []
    usage: _Usage | None = None
    error: Any = None


_decode_completion = msgspec.json.Decoder(_Completion).decode


def _usage(usage: _Usage | None) -> dict[str, Any] | None:
    if usage is None:
        return None
    cached = usage.prompt_tokens_details.cached_tokens if usage.prompt_tokens_details else None
    reasoning = usage.completion_tokens_details.reasoning_tokens if usage.completion_tokens_details else None
    return {
        "input_tokens": usage.prompt_tokens,
        "input_tokens_details": {"cached_tokens": cached or 0},
        "output_tokens": usage.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning or 0},
        "total_tokens": usage.prompt_tokens + usage.completion_tokens,
    }


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def _message_item(item_id: str, parts: list[dict[str, Any]], status: str) -> Item:
    return {"id": item_id, "type": "message", "status": status, "role": "assistant", "content": parts}


def _call_item(call_id: str, name: str, arguments: str, status: str) -> Item:
    return {
        "id": f"fc_{call_id}",
        "type": "function_call",
        "status": status,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


class ResponseObject:
    """The `response` object of one request: what it echoes of the request, and its id and time."""

    def __init__(self, request: dict[str, Any], model: str) -> None:
        self.id = "resp_" + secrets.token_hex(24)
        self.created_at = int(time.time())
        self.request = request
        self.model = model

    def render(
        self,
        status: str,
        output: list[Item],
        *,
        usage: dict[str, Any] | None = None,
        incomplete: str | None = None,
        error: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        request = self.request
        asked = request.get("reasoning")
        reasoning: dict[str, Any] = asked if isinstance(asked, dict) else {}
        return {
            "id": self.id,
            "object": "response",
            "created_at": self.created_at,
            "status": status,
            "background": False,
            "error": error,
            "incomplete_details": {"reason": incomplete} if incomplete else None,
            "instructions": request.get("instructions"),
            "max_output_tokens": request.get("max_output_tokens"),
            "model": self.model,
            "output": output,
            "parallel_tool_calls": request.get("parallel_tool_calls", True),
            "previous_response_id": None,
            "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
            "store": False,  # a chat completions provider keeps nothing a later request could name
            "temperature": request.get("temperature"),
            "text": request.get("text") or {"format": {"type": "text"}},
            "tool_choice": request.get("tool_choice", "auto"),
            "tools": request.get("tools") or [],
            "top_p": request.get("top_p"),
            "truncation": request.get("truncation", "disabled"),
            "usage": usage,
            "user": request.get("user"),
            "metadata": request.get("metadata") or {},
        }


def to_response(target: Target, request: dict[str, Any], body: bytes) -> bytes:
    """The Responses API `response` object for a chat completion."""
    try:
        completion = _decode_completion(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise malformed(target, "an answer that is not a chat completion") from None
    if not completion.choices or completion.choices[0].message is None:
        raise malformed(target, "a chat completion without a message")
    choice = completion.choices[0]
    message = choice.message
    assert message is not None
    shape = ResponseObject(request, completion.model or target.model)
    output: list[Item] = []
    parts = []
    if message.content:
        parts.append(_text_part(message.content))
    if message.refusal:
        parts.append({"type": "refusal", "refusal": message.refusal})
    if parts:
        output.append(_message_item("msg_" + shape.id.removeprefix("resp_"), parts, "completed"))
    for call in message.tool_calls or []:
        call_id = call.id or f"call_{secrets.token_hex(12)}"
        output.append(_call_item(call_id, call.function.name or "", call.function.arguments or "", "completed"))
    incomplete = _INCOMPLETE.get(choice.finish_reason or "")
    status = "incomplete" if incomplete else "completed"
    return _encode(shape.render(status, output, usage=_usage(completion.usage), incomplete=incomplete))


def response_error_event(error: ProviderError, sequence_number: int) -> bytes:
    """The Responses stream's `error` event for a failure after the stream began."""
    data = {
        "type": "error",
        "code": error.code,
        "message": error.message,
        "param": error.param,
        "sequence_number": sequence_number,
    }
    return b"event: error\ndata: " + _encode(data) + b"\n\n"


class _Call:
    """A function call item being streamed."""

    def __init__(self, output_index: int, call_id: str, name: str) -> None:
        self.output_index = output_index
        self.call_id = call_id
        self.name = name
        self.arguments: list[str] = []


class StreamTranslation:
    """Turns a chat completion stream into Responses API stream events, as the chunks arrive."""

    def __init__(self, target: Target, request: dict[str, Any]) -> None:
        self.target = target
        self.shape = ResponseObject(request, target.model)
        self.sequence = 0
        self.output: list[Item | None] = []  # by output index; None while the item is open
        self.text: list[str] | None = None  # the open message's text so far
        self.message_id = ""
        self.message_index = 0
        self.calls: dict[int, _Call] = {}  # by the chat stream's tool call index
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None

    def _event(self, kind: str, **fields: Any) -> bytes:
        data = {"type": kind, "sequence_number": self.sequence, **fields}
        self.sequence += 1
        return b"event: " + kind.encode() + b"\ndata: " + _encode(data) + b"\n\n"

    def _finished_output(self) -> list[Item]:
        return [item for item in self.output if item is not None]

    async def translate(self, events: AsyncIterator[tuple[str, bytes]]) -> AsyncGenerator[bytes, None]:
        """The Responses events for a chat stream's `data:` events; a failure ends them with `response.failed`."""
        in_progress = self.shape.render("in_progress", [])
        yield self._event("response.created", response=in_progress) + self._event(
            "response.in_progress", response=in_progress
        )
        async for _, data in events:
            if data == b"[DONE]":
                yield self._finish()
                return
            try:
                chunk = _decode_completion(data)
            except (msgspec.DecodeError, msgspec.ValidationError):
                yield self._failed(
                    "upstream_malformed_response", f"{self.target.name}: the provider sent a malformed stream event."
                )
                return
            if chunk.error is not None:
                error = chunk.error if isinstance(chunk.error, dict) else {}
                yield self._failed(
                    str(error.get("code") or "upstream_error"), str(error.get("message") or "the provider failed")
                )
                return
            translated = self._chunk(chunk)
            if translated:
                yield translated
        if self.finish_reason is not None:  # a server that ends its stream without `[DONE]`
            yield self._finish()
        else:
            yield self._failed("upstream_stream_ended", f"{self.target.name}: the provider ended the stream early.")

    def _chunk(self, chunk: _Completion) -> bytes:
        if chunk.model:
            self.shape.model = chunk.model
        if chunk.usage is not None:
            self.usage = _usage(chunk.usage)
        if not chunk.choices:
            return b""
        choice = chunk.choices[0]
        if choice.finish_reason is not None:
            self.finish_reason = choice.finish_reason
        delta = choice.delta
        if delta is None:
            return b""
        out = b""
        if delta.content:
            if self.text is None:
                out += self._open_message()
            self.text.append(delta.content)  # type: ignore[union-attr]
            out += self._event(
                "response.output_text.delta",
                item_id=self.message_id,
                output_index=self.message_index,
                content_index=0,
                delta=delta.content,
                logprobs=[],
            )
        for call in delta.tool_calls or []:
            out += self._call_delta(call)
        return out

    def _open_message(self) -> bytes:
        self.message_id = f"msg_{secrets.token_hex(24)}"
        self.message_index = len(self.output)
        self.output.append(None)
        self.text = []
        return self._event(
            "response.output_item.added",
            output_index=self.message_index,
            item=_message_item(self.message_id, [], "in_progress"),
        ) + self._event(
            "response.content_part.added",
            item_id=self.message_id,
            output_index=self.message_index,
            content_index=0,
            part=_text_part(""),
        )

    def _close_message(self) -> bytes:
        if self.text is None:
            return b""
        text, self.text = "".join(self.text), None
        item = _message_item(self.message_id, [_text_part(text)], "completed")
        self.output[self.message_index] = item
        where = {"item_id": self.message_id, "output_index": self.message_index, "content_index": 0}
        return (
            self._event("response.output_text.done", **where, text=text, logprobs=[])
            + self._event("response.content_part.done", **where, part=_text_part(text))
            + self._event("response.output_item.done", output_index=self.message_index, item=item)
        )

    def _call_delta(self, delta: _ToolCall) -> bytes:
        out = b""
        call = self.calls.get(delta.index)
        if call is None:
            out += self._close_message()  # text before a call is its own item, finished first
            call_id = delta.id or f"call_{secrets.token_hex(12)}"
            call = self.calls[delta.index] = _Call(len(self.output), call_id, delta.function.name or "")
            self.output.append(None)
            out += self._event(
                "response.output_item.added",
                output_index=call.output_index,
                item=_call_item(call.call_id, call.name, "", "in_progress"),
            )
        arguments = delta.function.arguments
        if arguments:
            call.arguments.append(arguments)
            out += self._event(
                "response.function_call_arguments.delta",
                item_id=f"fc_{call.call_id}",
                output_index=call.output_index,
                delta=arguments,
            )
        return out

    def _close_calls(self) -> bytes:
        out = b""
        for call in self.calls.values():
            arguments = "".join(call.arguments)
            item = _call_item(call.call_id, call.name, arguments, "completed")
            self.output[call.output_index] = item
            out += self._event(
                "response.function_call_arguments.done",
                item_id=item["id"],
                output_index=call.output_index,
                name=call.name,
                arguments=arguments,
            )
            out += self._event("response.output_item.done", output_index=call.output_index, item=item)
        self.calls.clear()
        return out

    def _finish(self) -> bytes:
        out = self._close_message() + self._close_calls()
        incomplete = _INCOMPLETE.get(self.finish_reason or "")
        status = "incomplete" if incomplete else "completed"
        response = self.shape.render(status, self._finished_output(), usage=self.usage, incomplete=incomplete)
        return out + self._event(f"response.{status}", response=response)

    def _failed(self, code: str, message: str) -> bytes:
        error = {"code": code, "message": message}
        return self._event(
            "response.failed", response=self.shape.render("failed", self._finished_output(), error=error)
        )
