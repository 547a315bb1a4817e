"""What goes in and out of conversations: conversations, their messages (a tree), turns, search hits and usage."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from contextstack.errors import ContextstackError
from contextstack.memory.models import FoundBy

Role = Literal["system", "user", "assistant", "tool"]
MessageStatus = Literal["complete", "incomplete", "error"]
UsageGroup = Literal["day", "model", "project"]
ExportFormat = Literal["markdown", "json"]

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=300, examples=["Choosing the sync protocol"])]
ModelName = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        description="`provider/model`, an alias, or a plain name for the default provider.",
        examples=["anthropic/claude-sonnet-4-5"],
    ),
]
ProjectRef = Annotated[str, msgspec.Meta(min_length=1, max_length=100, description="A project's id or slug.")]
MessageId = Annotated[str, msgspec.Meta(pattern=r"^msg_[0-9A-Z]{26}$", examples=["msg_01JD3XK5V0Q6X4T3N8W2ZC9RBE"])]
ContentPart = dict[str, Any]
Content = Annotated[
    str | list[ContentPart],
    msgspec.Meta(
        description=(
            "Text, or OpenAI-style content parts (`{type: text, text}`, `{type: image_url, image_url: {url}}` with "
            "an http(s) or data URL …), kept as sent."
        )
    ),
]
Budget = Annotated[int, msgspec.Meta(ge=0, le=1_000_000, description="Tokens of project context to put in.")]


class ConversationCreate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A new conversation; without a `title`, its first message names it."""

    project: ProjectRef | None = None
    title: Title | None = None
    model: ModelName | None = None


class ConversationUpdate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A rename, or another default model (`model: null` for the daemon's default)."""

    title: Title | UnsetType = UNSET
    model: ModelName | UnsetType | None = UNSET


class Conversation(msgspec.Struct, frozen=True, kw_only=True):
    """A conversation: `leaf_id` is the last message of its current branch; `forked_from` the message it forked at."""

    id: str
    project_id: str | None
    title: str
    model: str | None
    leaf_id: str | None
    forked_from: str | None
    version: int
    created_at: str
    updated_at: str
    recorded: Annotated[
        bool,
        msgspec.Meta(
            description="Made by the proxy's recording (docs/proxy.md#recording); retention purges only these."
        ),
    ] = False


class ConversationList(msgspec.Struct, frozen=True):
    """Most recently active first."""

    items: list[Conversation]
    next_cursor: str | None


class Usage(msgspec.Struct, frozen=True):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class UpstreamError(msgspec.Struct, frozen=True):
    """What the provider (or the way to it) answered instead of a whole answer."""

    status: int
    message: str
    code: str | None = None


class InjectedContext(msgspec.Struct, frozen=True, kw_only=True):
    """The project context sent with a message: its size, a hash of it, what went in, and the history left out."""

    tokens: int
    hash: str | None
    ids: list[str]
    omitted_messages: int


class Message(msgspec.Struct, frozen=True, kw_only=True):
    """One message of the tree; an answer carries the model that wrote it, its usage, latency and status."""

    id: str
    conversation_id: str
    parent_id: str | None
    role: Role
    content: str | list[ContentPart]
    tool_calls: list[dict[str, Any]] | None
    model: str | None
    provider: str | None
    usage: Usage | None
    latency_ms: int | None
    finish_reason: str | None
    status: MessageStatus
    error: UpstreamError | None
    context: InjectedContext | None
    version: int
    created_at: str
    updated_at: str


class MessageList(msgspec.Struct, frozen=True):
    """Oldest first, along one branch."""

    items: list[Message]
    next_cursor: str | None


class TurnCreate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A user message and the model's answer; `parent_id` answers after an earlier message (an edit: a branch)."""

    content: Content
    model: ModelName | None = None
    stream: bool = False
    budget: Budget | None = None
    parent_id: MessageId | None = None


class Regenerate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Answer a user message again: a sibling of the answer `message_id` (the current branch's last, if absent)."""

    message_id: MessageId | None = None
    model: ModelName | None = None
    stream: bool = False
    budget: Budget | None = None


class Turn(msgspec.Struct, frozen=True):
    """The user message and the answer, both stored."""

    user_message: Message
    assistant_message: Message


class ForkCreate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A new conversation that shares this one's history up to `message_id`."""

    message_id: MessageId
    title: Title | None = None


class ConversationHit(msgspec.Struct, frozen=True, kw_only=True):
    """A conversation that matched: in its title (`message_id` null) or in a message; matches are in `<mark>`.

    `score`, higher is better: BM25 when found by words alone; cosine similarity by meaning alone; their
    reciprocal rank fusion in a hybrid search with embeddings. `matched`: the words of the query its title or
    message matched (a whole word by any word of its stem). `found_by`: by its words, its meaning, or both.
    """

    conversation: Conversation
    message_id: str | None
    snippet: str
    score: float
    matched: list[str] = msgspec.field(default_factory=list)
    found_by: list[FoundBy] = msgspec.field(default_factory=lambda: ["words"])


class ConversationSearchResult(msgspec.Struct, frozen=True):
    """Best first, one hit per conversation."""

    items: list[ConversationHit]


class ConversationExport(msgspec.Struct, frozen=True):
    """A conversation and the messages of its current branch."""

    conversation: Conversation
    messages: list[Message]


class UsageRow(msgspec.Struct, frozen=True, kw_only=True):
    """Calls to models and their tokens, for one day, model or project (`key`; null: no project)."""

    key: str | None
    calls: int
    errors: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class UsageReport(msgspec.Struct, frozen=True):
    items: list[UsageRow]
    total: UsageRow
    next_cursor: str | None = None


class TurnDelta(msgspec.Struct, frozen=True):
    """A piece of the answer as it streams."""

    content: str


class TurnDone(msgspec.Struct, frozen=True, kw_only=True):
    """The end of a streamed answer: what was stored, how it ended, and its usage."""

    user_message_id: str
    assistant_message_id: str
    status: MessageStatus
    finish_reason: str | None
    usage: Usage | None
    error: UpstreamError | None = None


TurnItem = TurnDelta | TurnDone


class UpstreamFailed(ContextstackError):
    """The model could not answer; the user message and the failure are stored."""

    status = 502
    title = "Bad gateway"
    slug = "upstream"

    def __init__(self, detail: str, *, status: int) -> None:
        super().__init__(detail)
        self.status = status
