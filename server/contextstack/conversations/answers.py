"""What a provider answers, as it arrives: a whole chat completion, or OpenAI-shaped stream chunks (both adapters
answer in OpenAI's shape), gathered into text, tool calls, a finish reason, usage, or what went wrong."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from contextstack.conversations.models import MessageStatus, UpstreamError, Usage
from contextstack.providers.errors import ProviderError
from contextstack.providers.models import Target

_decode_object = msgspec.json.Decoder(dict[str, Any]).decode


@dataclass
class Answer:
    """An answer as it arrives: text, tool calls, how it finished, usage, or what went wrong."""

    target: Target | None = None
    parts: list[str] = field(default_factory=list)
    calls: dict[int, dict[str, Any]] = field(default_factory=dict)
    finish_reason: str | None = None
    usage: Usage | None = None
    error: UpstreamError | None = None
    client_left: bool = False

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def status(self) -> MessageStatus:
        if self.client_left:
            return "incomplete"
        if self.error is not None:
            return "incomplete" if self.parts or self.calls else "error"
        return "complete" if self.finish_reason is not None else "incomplete"

    def take_usage(self, event: dict[str, Any]) -> None:
        usage = event.get("usage")
        if isinstance(usage, dict):
            prompt, completion = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
            self.usage = Usage(prompt, completion, prompt + completion)

    def add_whole(self, body: bytes) -> None:
        """Take a whole chat completion."""
        try:
            completion = _decode_object(body)
            choice = completion["choices"][0]
            message = choice["message"]
        except (msgspec.DecodeError, msgspec.ValidationError, KeyError, IndexError, TypeError):
            self.error = UpstreamError(502, "the provider sent an answer in an unknown shape", "upstream_malformed")
            return
        if isinstance(message.get("content"), str):
            self.parts.append(message["content"])
        for index, call in enumerate(message.get("tool_calls") or []):
            self.calls[index] = call
        self.finish_reason = choice.get("finish_reason") or "stop"
        self.take_usage(completion)

    def add_chunk(self, event: dict[str, Any]) -> str:
        """Take one streamed chunk; answer the text it adds."""
        error = event.get("error")
        if error is not None:
            message = error.get("message") if isinstance(error, dict) else str(error)
            code = error.get("code") if isinstance(error, dict) else None
            self.error = UpstreamError(502, str(message), None if code is None else str(code))
            return ""
        self.take_usage(event)
        added = []
        for choice in event.get("choices") or []:
            delta = choice.get("delta") or {}
            if isinstance(delta.get("content"), str) and delta["content"]:
                added.append(delta["content"])
            for call in delta.get("tool_calls") or []:
                self._add_call(call)
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
        self.parts.extend(added)
        return "".join(added)

    def _add_call(self, delta: dict[str, Any]) -> None:
        call = self.calls.setdefault(int(delta.get("index", 0)), {"type": "function", "function": {"arguments": ""}})
        if delta.get("id"):
            call["id"] = delta["id"]
        function = delta.get("function") or {}
        if function.get("name"):
            call["function"]["name"] = function["name"]
        call["function"]["arguments"] += function.get("arguments") or ""


async def stream_events(stream: AsyncIterator[bytes]) -> AsyncIterator[dict[str, Any]]:
    """The JSON objects of an OpenAI-shaped SSE stream, until `[DONE]`."""
    buffer = b""
    async for chunk in stream:
        buffer += chunk.replace(b"\r\n", b"\n")
        *complete, buffer = buffer.split(b"\n\n")
        for event in complete:
            data = b"\n".join(line[5:].lstrip() for line in event.split(b"\n") if line.startswith(b"data:"))
            if not data:
                continue
            if data == b"[DONE]":
                return
            try:
                yield _decode_object(data)
            except (msgspec.DecodeError, msgspec.ValidationError):
                yield {
                    "error": {"message": "the provider sent an event that is not JSON", "code": "upstream_malformed"}
                }
                return


def upstream_error(exc: ProviderError) -> UpstreamError:
    return UpstreamError(exc.status, exc.message, exc.code)
