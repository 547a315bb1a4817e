"""What goes in and out of the providers layer: routing targets, provider and model listings, OpenAI errors."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Literal

import msgspec

from contextstack.providers.presets import Kind


class Target(msgspec.Struct, frozen=True):
    """One model at one provider: where a request goes."""

    provider: str
    model: str

    @property
    def name(self) -> str:
        """`provider/model`, as clients write it."""
        return f"{self.provider}/{self.model}"


class Forwarded(msgspec.Struct, frozen=True):
    """What of a client's request goes on to the provider: its own key, for a provider with
    `forward_client_key` (never the daemon's token), and, to an Anthropic provider, Anthropic's headers."""

    api_key: str | None = None
    """The client's x-api-key."""
    bearer: str | None = None
    """The client's bearer token (Authorization), when it sent no x-api-key."""
    anthropic_version: str | None = None
    anthropic_beta: str | None = None
    beta: bool = False
    """The request said `?beta=true` (the anthropic SDK's beta client, Claude Code)."""


NOTHING_FORWARDED = Forwarded()


class ProviderInfo(msgspec.Struct, frozen=True):
    """A provider as the API shows it: never its key, only whether one is set and where it comes from."""

    name: str
    kind: Kind
    base_url: str
    builtin: bool
    needs_key: bool
    key_set: bool
    key_env: str | None
    models: list[str]
    forward_client_key: bool = False


class ProviderList(msgspec.Struct, frozen=True):
    items: list[ProviderInfo]
    next_cursor: str | None = None


class ModelInfo(msgspec.Struct, frozen=True):
    """A model a request can name: `id` is what goes in the request's `model`."""

    id: str
    provider: str | None
    model: str | None
    source: Literal["listed", "configured", "alias"]
    targets: list[str] = []


class ModelList(msgspec.Struct, frozen=True):
    items: list[ModelInfo]
    next_cursor: str | None = None


class OpenAIModel(msgspec.Struct, frozen=True):
    id: str
    owned_by: str
    object: str = "model"
    created: int = 0


class OpenAIModelList(msgspec.Struct, frozen=True):
    data: list[OpenAIModel]
    object: str = "list"


class AnthropicModel(msgspec.Struct, frozen=True):
    id: str
    display_name: str
    type: str = "model"
    created_at: str = "1970-01-01T00:00:00Z"


class AnthropicModelList(msgspec.Struct, frozen=True):
    """A model list in the shape of Anthropic's `GET /v1/models`."""

    data: list[AnthropicModel]
    first_id: str | None
    last_id: str | None
    has_more: bool = False


class Completion(msgspec.Struct, frozen=True):
    """An answer from upstream, already in the client's dialect: a whole JSON body, or SSE bytes as they come."""

    target: Target
    body: bytes | None = None
    stream: AsyncGenerator[bytes, None] | None = None  # closing it closes the upstream connection


# OpenAI's chat completion shapes, for answers the proxy writes itself (translated from another API).


class Usage(msgspec.Struct, frozen=True):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class FunctionCall(msgspec.Struct, frozen=True):
    name: str
    arguments: str


class ToolCall(msgspec.Struct, frozen=True):
    id: str
    type: Literal["function"]
    function: FunctionCall


class AssistantMessage(msgspec.Struct, frozen=True, omit_defaults=True):
    role: Literal["assistant"]
    content: str | None
    tool_calls: list[ToolCall] | None = None


class Choice(msgspec.Struct, frozen=True):
    index: int
    message: AssistantMessage
    finish_reason: str | None
    logprobs: None = None


class ChatCompletion(msgspec.Struct, frozen=True):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[Choice]
    usage: Usage


class FunctionCallDelta(msgspec.Struct, frozen=True, omit_defaults=True):
    name: str | None = None
    arguments: str | None = None


class ToolCallDelta(msgspec.Struct, frozen=True, omit_defaults=True):
    index: int
    id: str | None = None
    type: Literal["function"] | None = None
    function: FunctionCallDelta | None = None


class Delta(msgspec.Struct, frozen=True, omit_defaults=True):
    role: Literal["assistant"] | None = None
    content: str | None = None
    tool_calls: list[ToolCallDelta] | None = None


class ChunkChoice(msgspec.Struct, frozen=True):
    index: int
    delta: Delta
    finish_reason: str | None = None
    logprobs: None = None


class ChatCompletionChunk(msgspec.Struct, frozen=True, omit_defaults=True):
    id: str
    object: Literal["chat.completion.chunk"]
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None
