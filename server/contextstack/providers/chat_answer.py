"""The parts of an OpenAI chat completion (or of one of its stream's chunks) that the translations read: the
Messages and the Responses dialects both answer from them."""

from __future__ import annotations

import msgspec


class ChatFunction(msgspec.Struct, frozen=True):
    name: str | None = None
    arguments: str | None = None


class ChatToolCall(msgspec.Struct, frozen=True):
    index: int = 0
    id: str | None = None
    function: ChatFunction = ChatFunction()


class ChatMessage(msgspec.Struct, frozen=True):
    """A whole answer's message, or a stream chunk's delta."""

    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ChatToolCall] | None = None


class ChatChoice(msgspec.Struct, frozen=True):
    message: ChatMessage | None = None
    delta: ChatMessage | None = None
    finish_reason: str | None = None


class PromptDetails(msgspec.Struct, frozen=True):
    cached_tokens: int | None = None


class CompletionDetails(msgspec.Struct, frozen=True):
    reasoning_tokens: int | None = None


class ChatUsage(msgspec.Struct, frozen=True):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prompt_tokens_details: PromptDetails | None = None
    completion_tokens_details: CompletionDetails | None = None

    @property
    def cached_tokens(self) -> int:
        return (self.prompt_tokens_details.cached_tokens if self.prompt_tokens_details else None) or 0
