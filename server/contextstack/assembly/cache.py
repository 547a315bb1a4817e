"""The cache of assembled contexts and grounds of one store, dropped when their project (or global knowledge) changes.

Stamps, not eviction: each entry is stored with the generation of its project and of global knowledge when it
was read; a commit bumps the generations of the projects it touched (None: global), and an entry whose stamp is
no longer current is dropped when next asked for.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

from contextstack.assembly.document import Block
from contextstack.assembly.models import AssembledContext
from contextstack.execution.models import StatusReport
from contextstack.memory.models import KnowledgeEntry
from contextstack.memory.ranking import KnowledgeRanking
from contextstack.storage import Event

if TYPE_CHECKING:
    from contextstack.memory.meaning import Meaning

CACHE_SIZE = 256
GROUND_CACHE_SIZE = 32
# Changes no context is made of: a conversation's turn (four events, and without a project global ones) must not
# drop every cached context.
NOT_IN_CONTEXT = ("conversation.", "message.")

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
    recent_blocks: dict[str, Block]  # by entry id
    ranking: KnowledgeRanking | None  # the entries it can see, when few enough to rank in memory
    relevant_blocks: dict[str, Block]  # by entry id: those made so far for questions, kept for the next ones


class _Stamped(Generic[K, V]):
    """A least-recently-used map whose values are dropped once their project or global knowledge changes."""

    def __init__(self, stamp: Callable[[str], tuple[int, int]], project_of: Callable[[V], str], size: int) -> None:
        self._stamp, self._project_of, self._size = stamp, project_of, size
        self._items: OrderedDict[K, tuple[tuple[int, int], V]] = OrderedDict()

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


class ContextCache:
    """Assembled contexts and grounds of one store, dropped when their project (or global knowledge) changes."""

    def __init__(self) -> None:
        # Search by meaning, which assembly fuses with words: set by the Runtime when embeddings are configured.
        self.meaning: Meaning | None = None
        self.commits = 0
        self.generations: dict[str | None, int] = {}
        self.contexts: _Stamped[tuple[str, tuple[str, ...], int], AssembledContext] = _Stamped(
            self.stamp, lambda context: context.project_id, CACHE_SIZE
        )
        self.grounds: _Stamped[str, Ground] = _Stamped(
            self.stamp, lambda ground: ground.status.project.id, GROUND_CACHE_SIZE
        )

    def clear(self) -> None:
        self.contexts.clear()
        self.grounds.clear()

    def on_commit(self, events: list[Event]) -> None:
        """Hear of a commit of the store (wired with `Database.on_commit`): its projects' entries go stale."""
        self.commits += 1
        for event in events:
            if event.type.startswith(NOT_IN_CONTEXT):
                continue
            self.generations[event.project_id] = self.generations.get(event.project_id, 0) + 1

    def stamp(self, project_id: str) -> tuple[int, int]:
        return self.generations.get(project_id, 0), self.generations.get(None, 0)
