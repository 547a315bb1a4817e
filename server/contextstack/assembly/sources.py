"""Relevance sources: what other features keep that assembly ranks beside knowledge for a question.

Assembly owns this interface and knows no feature that implements it: a feature (the conversations' past
messages) implements `RelevanceSource`, and the runtime registers it with the context cache (runtime.py), the
one object every caller of `assemble_context` already holds. For each question, assembly asks each source for
its best matches in the project, makes a block of each in the source's section, and offers them to the budget
taking turns with the relevant knowledge: the best entry, the best of each source, the second entry, and so on.

A source names the event types that change what it finds (`events`, prefixes such as `message.`): a commit of
one drops the project's cached contexts and the source's pool, but not the project's ground, which does not
depend on it. What a source can rank in memory for a project (its `pool`, when the project has few enough
items) is read once and kept until then.

With embeddings (`[memory] embedding_model`), a source may also find its items by meaning (`nearest`): assembly
fuses what it finds so with what the words found, by reciprocal rank, as it does knowledge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from contextstack.storage import Reader

if TYPE_CHECKING:
    from contextstack.memory.embeddings import Vector

SourceKind = Literal["message"]
# The document's section of each kind of item (document.SECTIONS gives its place and heading).
SECTION_OF: dict[SourceKind, str] = {"message": "messages"}


@dataclass(frozen=True)
class Found:
    """One item a source found for a question: the block assembly makes of it (text and summary end in \\n)."""

    id: str
    title: str  # what the manifest calls it
    text: str
    summary: str | None = None


class Pool(Protocol):
    """What a source holds in memory of one project's items, ranked for any question without a statement."""

    def best(self, words: Sequence[str], limit: int, leave_out: frozenset[str]) -> list[Found]:
        """The items matching any of `words` (lower-case, no stopwords), best first, at most `limit`.

        `leave_out`: the ids of items the asker already has (a conversation's history): they are not found.
        """
        ...


class RelevanceSource(Protocol):
    """A feature's items that can be relevant to a question about a project."""

    @property
    def kind(self) -> SourceKind:
        """The manifest's `kind` of its items (their section is SECTION_OF's)."""
        ...

    @property
    def events(self) -> tuple[str, ...]:
        """Prefixes of the event types that change what it finds for the event's project."""
        ...

    async def pool(self, view: Reader, project_id: str) -> Pool | None:
        """The project's items, ready to rank in memory; None when there are too many (then `search` is asked)."""
        ...

    async def search(
        self, view: Reader, project_id: str, words: Sequence[str], limit: int, leave_out: frozenset[str]
    ) -> list[Found]:
        """What `Pool.best` answers, found through the store's index."""
        ...

    async def nearest(
        self, view: Reader, project_id: str, vector: Vector, limit: int, leave_out: frozenset[str]
    ) -> list[Found]:
        """The items nearest in meaning to the question whose embedding is `vector`, nearest first, at most `limit`
        (none when its items are not embedded)."""
        ...
