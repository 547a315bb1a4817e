"""What goes in and out of the memory layer: knowledge entries and their search hits."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from contextstack.plan.models import Actor

Kind = Literal["decision", "constraint", "architecture", "convention", "reference", "note"]
KINDS: tuple[Kind, ...] = ("decision", "constraint", "architecture", "convention", "reference", "note")
SCOPES = ("project", "global")

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=300, examples=["Store times as UTC ISO-8601 strings"])]
Body = Annotated[str, msgspec.Meta(max_length=100_000, description="Markdown.")]
Tag = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=64,
        pattern=r"^\S(.*\S)?$",
        description="Free text without leading or trailing whitespace; compared exactly.",
    ),
]
Tags = Annotated[list[Tag], msgspec.Meta(max_length=50)]
Source = Annotated[str, msgspec.Meta(max_length=2_000, description="Where it comes from: free text or a URL.")]
ProjectRef = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=100, description="A project's id or slug; absent (or null) for global knowledge."
    ),
]
KnowledgeId = Annotated[str, msgspec.Meta(pattern=r"^kno_[0-9A-Z]{26}$", examples=["kno_01JD3XK5V0Q6X4T3N8W2ZC9RBE"])]

MAX_BULK_ITEMS = 10_000


class KnowledgeCreate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A new knowledge entry; `supersedes` names an entry of the same scope that this one replaces."""

    kind: Kind
    title: Title
    body: Body
    tags: Tags = []
    pinned: bool = False
    source: Source | None = None
    project: ProjectRef | None = None
    supersedes: KnowledgeId | None = None
    actor: Actor | None = None


class KnowledgeBulkCreate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Entries to create together: all of them or, if one is refused, none."""

    items: Annotated[list[KnowledgeCreate], msgspec.Meta(min_length=1, max_length=MAX_BULK_ITEMS)]
    actor: Actor | None = None


class KnowledgeUpdate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """A partial change: only the fields present are changed; `project: null` makes the entry global."""

    kind: Kind | UnsetType = UNSET
    title: Title | UnsetType = UNSET
    body: Body | UnsetType = UNSET
    tags: Tags | UnsetType = UNSET
    pinned: bool | UnsetType = UNSET
    source: Source | UnsetType | None = UNSET
    project: ProjectRef | UnsetType | None = UNSET
    actor: Actor | None = None


class KnowledgeEntry(msgspec.Struct, frozen=True, kw_only=True):
    """A knowledge entry; `superseded_by` is set when a newer entry replaced it."""

    id: str
    project_id: str | None
    kind: Kind
    title: str
    body: str
    tags: list[str]
    pinned: bool
    source: str | None
    supersedes: str | None
    superseded_by: str | None
    version: int
    created_at: str
    updated_at: str


class KnowledgeList(msgspec.Struct, frozen=True):
    items: list[KnowledgeEntry]
    next_cursor: str | None


class KnowledgeBulkCreated(msgspec.Struct, frozen=True):
    """The ids of the created entries, in the order of the items sent."""

    ids: list[str]


# How the words of a search combine: `any` (an entry matching more of them ranks higher) or `all` (every one).
Match = Literal["any", "all"]

# How the words and the meaning of a search combine: both fused (`hybrid`), or either alone.
Mode = Literal["hybrid", "words", "meaning"]
# How a hit was found: by its words (BM25), by its meaning (its embedding), or both.
FoundBy = Literal["words", "meaning"]


class KnowledgeHit(msgspec.Struct, frozen=True, kw_only=True):
    """One search result: the entry, its relevance (`score`, higher is better: BM25 with title weighted above tags
    above body when found by words alone; cosine similarity by meaning alone; their reciprocal rank fusion in a
    hybrid search with embeddings), how it was found (`found_by`) and where it matched (`title_highlight`, and a
    `snippet` of the body; matches are wrapped in `<mark>` … `</mark>`, the text around them is the entry's own,
    not HTML-escaped; a hit found by meaning alone has its title and the start of its body, unmarked)."""

    entry: KnowledgeEntry
    score: float
    title_highlight: str
    snippet: str
    matched: list[str] = []  # the searched words this entry matched (itself, a word of its stem, or as a prefix)
    found_by: list[FoundBy] = msgspec.field(
        default_factory=lambda: ["words"]
    )  # by its words, by its meaning (embeddings), or by both


class KnowledgeSearchResult(msgspec.Struct, frozen=True):
    """Hits, best first."""

    items: list[KnowledgeHit]


EmbeddingState = Literal["loading", "embedding", "idle", "failing"]


class EmbeddingStatus(msgspec.Struct, frozen=True, kw_only=True):
    """Where the embeddings stand: how many knowledge entries and conversation messages have a vector of the
    model, and how many of both wait (`waiting`).

    `state`: `loading` (reading the stored vectors at start-up), `embedding` (catching up), `idle` (every entry
    embedded), `failing` (the provider fails or answers amiss: `error` says how; entries wait and it is retried).
    """

    model: str
    dimension: int | None
    entries: int
    embedded: int
    waiting: int
    state: EmbeddingState
    error: str | None = None
    messages: int = 0  # the conversations' messages that are embedded (users' and models', not failures)
    messages_embedded: int = 0
