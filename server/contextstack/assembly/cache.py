"""What assembly keeps between calls for one store: the relevance sources registered with it, and the cache of
assembled contexts, grounds and the sources' pools, dropped when what they were made of changes.

Stamps, not eviction: each entry is stored with the generations it was read at; a commit bumps the generations
of the projects it touched (None: global), and an entry whose stamp is no longer current is dropped when next
asked for. An event of a type a source watches (a conversation's message) bumps only its project's generation
of found items: the contexts and the pools of that project go, its ground (which no source adds to) stays, and a
source's event without a project (a conversation outside any project) is in no context at all. Every other
event bumps the project's (or, without one, the global) generation, which every entry of the project depends on.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

from contextstack.assembly.document import Block
from contextstack.assembly.models import AssembledContext
from contextstack.assembly.sources import Pool, RelevanceSource
from contextstack.execution.models import StatusReport
from contextstack.memory.models import KnowledgeEntry
from contextstack.memory.ranking import KnowledgeRanking
from contextstack.storage import Event

if TYPE_CHECKING:
    from contextstack.assembly.changes import Snapshot
    from contextstack.memory.meaning import Meaning

CACHE_SIZE = 256
GROUND_CACHE_SIZE = 32
POOL_CACHE_SIZE = 32

K = TypeVar("K")
V = TypeVar("V")


class Ground(NamedTuple):
    """What assembly reads of a project that does not depend on the question, and its blocks, made once."""

    status: StatusReport
    pinned: list[KnowledgeEntry]  # the project's, then global ones, oldest first
    recent: list[KnowledgeEntry]  # candidates for recent decisions and constraints, newest first
    superseded: list[KnowledgeEntry]
    before: list[Block]  # the blocks that come before the relevant knowledge, in order of importance
    after: list[Block]  # those after it, but for the recent knowledge
    ranking: KnowledgeRanking | None  # the entries it can see, when few enough to rank in memory
    relevant_blocks: dict[str, Block]  # by entry id: those made so far for questions, kept for the next ones
    snapshot: Snapshot  # the state of the project, as a conversation is told it (changes.py)


class Assembly(NamedTuple):
    """An assembled context and what it was made of: the ground, and the text of each item that went in."""

    context: AssembledContext
    ground: Ground
    included: dict[str, tuple[str, str]]  # by item id: its section and the text that went in


class _Stamped(Generic[K, V]):
    """A least-recently-used map whose values are dropped once their project or global knowledge changes."""

    def __init__(self, stamp: Callable[[str], tuple[int, ...]], project_of: Callable[[V], str], size: int) -> None:
        self._stamp, self._project_of, self._size = stamp, project_of, size
        self._items: OrderedDict[K, tuple[tuple[int, ...], V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        found = self._items.get(key)
        if found is None:
            return None
        stamp, value = found
        if stamp != self._stamp(self._project_of(value)):
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        """Keep `value`, stamped as current: only for what was read since the last commit."""
        self._items[key] = (self._stamp(self._project_of(value)), value)
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


class KeptPool(NamedTuple):
    """A source's pool of one project (None: too many items to hold, search them)."""

    project_id: str
    pool: Pool | None


ContextKey = tuple[str, tuple[str, ...], int, frozenset[str]]  # project, query words, budget, what the asker has


class ContextCache:
    """The relevance sources of one store, and its assembled contexts, grounds and pools, dropped when stale."""

    def __init__(self, sources: Sequence[RelevanceSource] = ()) -> None:
        self.sources = tuple(sources)
        self._watched = tuple(prefix for source in self.sources for prefix in source.events)
        # Search by meaning, which assembly fuses with words: set by the Runtime when embeddings are configured.
        self.meaning: Meaning | None = None
        self.commits = 0
        self.generations: dict[str | None, int] = {}
        self.found_generations: dict[str, int] = {}
        self.contexts: _Stamped[ContextKey, Assembly] = _Stamped(
            self.context_stamp, lambda assembly: assembly.context.project_id, CACHE_SIZE
        )
        self.grounds: _Stamped[str, Ground] = _Stamped(
            self.stamp, lambda ground: ground.status.project.id, GROUND_CACHE_SIZE
        )
        self.pools: _Stamped[tuple[str, str], KeptPool] = _Stamped(
            self.context_stamp, lambda kept: kept.project_id, POOL_CACHE_SIZE
        )

    def clear(self) -> None:
        self.contexts.clear()
        self.grounds.clear()
        self.pools.clear()

    def on_commit(self, events: list[Event]) -> None:
        """Hear of a commit of the store (wired with `Database.on_commit`): its projects' entries go stale."""
        self.commits += 1
        for event in events:
            if self._watched and event.type.startswith(self._watched):
                if event.project_id is not None:
                    self.found_generations[event.project_id] = self.found_generations.get(event.project_id, 0) + 1
                continue
            self.generations[event.project_id] = self.generations.get(event.project_id, 0) + 1

    def stamp(self, project_id: str) -> tuple[int, ...]:
        """The generations a project's ground depends on: its own and global knowledge's."""
        return self.generations.get(project_id, 0), self.generations.get(None, 0)

    def context_stamp(self, project_id: str) -> tuple[int, ...]:
        """The generations a project's contexts and pools depend on: its ground's, and what its sources find."""
        return *self.stamp(project_id), self.found_generations.get(project_id, 0)
