"""The ranking index: exact BM25 over every entry a query can see, at any size, kept in memory beside the store.

FTS5's bm25() scores every match it is given, and a frequent word matches most of a large store: ranking all of
them in SQL costs far more than a search may take, and ranking only some of them (the newest, those holding a
rare word) misses entries that full BM25 would put first. This index holds each indexed word's postings (which
entries hold it, how often, weighted by column as search.py weighs them) in arrays, and scores a query's words
over their postings with numpy: the found set is full BM25's top k over every matching entry. Several words are
ranked by MaxScore: an entry that cannot reach the scores of the best k, whatever its other words add (each
word's upper bound), is not scored in full (`_candidates`).

What it ranks is what ranking.py ranks in memory for a small project, the same formula over the same entries:
the statistics (how many entries, how many hold a word, their average length) are those of the entries the
query searches (its scope, not superseded unless asked for, of its kind if one is given), so a project's ranking
does not depend on other projects' entries, and small and large projects rank alike. A whole word matches the
indexed words of its stem, counted as one word; the last word of search-as-you-type matches every indexed word
it begins, counted as one word too.

It is derived from the knowledge table and never written by anything else. It starts empty and catches up with
the table inside reads: new entries are those past the last key it read (keys only grow), and edited,
superseded and deleted ones are listed in `knowledge_changes` (migration 0011, written by triggers in the same
transaction as the change). A read that catches it up answers from the index as of its own snapshot; when the
index is further behind than a read may catch up (a large store just opened, a bulk import), the read answers
from the store's full-text index instead (FTS5, or PostgreSQL's tsvector column: store.py) and the index catches up
in the background (`catch_up_fully`), logging its progress. On PostgreSQL, keys also grow in commit order: every
change holds the store's write lock until it commits.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import math
import threading
import weakref
from array import array
from collections import Counter, OrderedDict
from collections.abc import Sequence
from typing import Any, NamedTuple

import msgspec
import numpy as np
import numpy.typing as npt

from contextstack.memory.ranking import K1, MIN_IDF, NEIGHBOUR_REACH, NEIGHBOUR_SHARE, WHOLE_WEIGHTS, B, Ranked
from contextstack.memory.search import SHORTEST_PREFIX, Term, fold, tokens
from contextstack.memory.stemming import stem, stem_prefix
from contextstack.storage import Database, Dialect, Reader

log = logging.getLogger("contextstack.memory")

# How many new or changed entries a query's read may bring into the index before it answers; past that the
# read answers from the store's full-text index and the rest is caught up in the background, this many entries a read.
CATCH_UP_IN_READ = 2_000
CATCH_UP_CHUNK = 5_000
# An edit or a delete leaves the entry's old place in the arrays unused; past this many (and more than the live
# entries), the index is built again.
COMPACT_AFTER = 50_000
# Query words' postings merged (the words of a stem, of a prefix) that are remembered until the index changes.
REMEMBERED_GROUPS = 256
# And at most this many postings in all among them (the least recently used are forgotten first).
REMEMBERED_POSTINGS = 2_000_000
# How many (scope, query word) counts of entries holding the word are remembered until the index changes.
REMEMBERED_HOLDING = 16_384
# What a query word adds to the scores of the entries of a scope, for a word held by at least this many entries
# (a frequent word, costly to score, comes back in query after query), remembered until the index changes: at most
# this many postings in all among them (the least recently used are forgotten first).
REMEMBERED_SCORES_FROM = 2_000
REMEMBERED_SCORED_POSTINGS = 2_000_000
# How many query words' indexed words (those of its stem, those it begins) are remembered until the index changes.
REMEMBERED_WORDS = 16_384
# Postings fewer than the index's places over this are merged by sorting them, more by counting over every place.
_SORT_BELOW = 32

_CHANGES = "SELECT entry_seq, change FROM knowledge_changes WHERE change > ? ORDER BY change LIMIT ?"
_LAST_CHANGE = "SELECT coalesce(max(change), 0) AS change FROM knowledge_changes"
_INDEXED_COLUMNS = "seq, project_id, kind, title, body, tags, superseded_by, created_at"
_NEW_ROWS = f"SELECT {_INDEXED_COLUMNS} FROM knowledge WHERE seq > ? ORDER BY seq LIMIT ?"


def _rows(dialect: Dialect) -> str:
    """The indexed columns of the entries of a list of keys (SQLite takes the list as JSON, PostgreSQL as an array)."""
    if dialect == "postgresql":
        return f"SELECT {_INDEXED_COLUMNS} FROM knowledge WHERE seq = ANY(?)"
    return f"SELECT {_INDEXED_COLUMNS} FROM knowledge WHERE seq IN (SELECT value FROM json_each(?))"


def _list(view: Reader, seqs: list[int]) -> object:
    return seqs if view.dialect == "postgresql" else _encode_json(seqs).decode()


class _Behind(NamedTuple):
    """What a read found that the index has not applied."""

    rebuild: bool  # the index is to be built again from the table (these rows are from its start)
    last_change: int  # the change the changes read follow
    changes: list[Any]  # (entry_seq, change) in order
    changed: dict[int, Any]  # the changed entries' rows that still exist, by key
    new: list[Any]  # rows of entries past the last key read, in order


# Stems this short would range over too many words: they match only themselves (as the store's fallback does).
_SHORTEST_RANGED_STEM = 3
_KINDS = ("decision", "constraint", "architecture", "convention", "reference", "note")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
# The entries holding a word of a group that a scope keeps, and what the group adds to their scores.
_GroupScores = tuple[npt.NDArray[np.int32], FloatArray]
# Those of groups, by group key.
_Scored = dict[tuple[str, ...], _GroupScores]
# A scope's key and a group's.
_ScopeGroup = tuple[tuple[object, ...], tuple[str, ...]]

# The steps from a hit to its neighbours, nearest first, and the share of the hit's score each takes.
_STEPS = np.array([step for distance in range(1, NEIGHBOUR_REACH + 1) for step in (-distance, distance)], np.int64)
_SHARES = np.array([NEIGHBOUR_SHARE ** abs(int(step)) for step in _STEPS], np.float64)

# Upper bounds are widened, and thresholds lowered, by this much: float rounding never prunes an entry that
# full scoring would rank.
_SURELY_ABOVE = 1 + 1e-9
_SURELY_BELOW = 1 - 1e-9


class _Scope(NamedTuple):
    """The entries a query searches (`_mask`)."""

    key: tuple[object, ...]
    mask: npt.NDArray[np.bool_]
    searched: int  # how many
    average: float  # their average length
    norms: FloatArray  # the length part of BM25's denominator, for every entry


class _Group(NamedTuple):
    """The postings of one query word: the indexed words it matches, counted together (`_postings_of`)."""

    key: tuple[str, ...]
    docs: npt.NDArray[np.int32]  # every entry holding one (searched or not), in increasing order
    frequencies: FloatArray
    most: float  # the highest frequency
    shortest: float  # the length of the shortest entry


_decode_tags = msgspec.json.Decoder(list[str]).decode
_encode_json = msgspec.json.Encoder().encode


class KnowledgeIndex:
    """Postings of every indexed word, and what each entry is (scope, kind, superseded, length); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._catching_up = asyncio.Lock()
        self.building: asyncio.Task[None] | None = None
        self._reset()

    def _reset(self) -> None:
        self._started = False
        self._last_seq = 0
        self._last_change = 0
        # word: (docs, weighted frequencies), 4 bytes each (array "i" is a C int: 32 bits on every platform we run on)
        self._postings: dict[str, tuple[array[int], array[int]]] = {}
        # The same, merged, for the words of each beginning of the shortest prefix typed: those prefixes range over
        # the most words, and merging their postings at query time would cost the most.
        self._beginnings: dict[str, tuple[array[int], array[int]]] = {}
        self._sorted_words: list[str] = []  # for prefixes
        self._new_words: list[str] = []  # not yet in _sorted_words
        self._doc_of_seq: dict[int, int] = {}
        self._scopes: dict[str | None, int] = {None: 0}
        self._writes: dict[tuple[str | None, str], int] = {}  # (project, created_at): which write made an entry
        self._size = 0
        self._seqs = np.zeros(1024, np.int64)
        self._lengths = np.zeros(1024, np.float64)
        self._scope = np.zeros(1024, np.int32)
        self._kind = np.zeros(1024, np.int8)
        self._write = np.zeros(1024, np.int64)
        self._superseded = np.zeros(1024, np.bool_)
        self._alive = np.zeros(1024, np.bool_)
        self._masks: dict[tuple[object, ...], _Scope] = {}
        self._merged: OrderedDict[tuple[str, ...], _Group] = OrderedDict()
        self._merged_postings = 0
        self._holding: dict[_ScopeGroup, int] = {}  # entries of a scope holding a group
        self._words: dict[Term, list[str]] = {}  # the indexed words of a query word (`words_of`)
        self._scored: OrderedDict[_ScopeGroup, _GroupScores] = OrderedDict()  # a frequent word's (`_group_scores`)
        self._scored_postings = 0
        self.entries = 0
        self.behind = True  # as of the last catch-up: more is left to bring in than a read may

    # -- keeping up with the table -------------------------------------------------------------------------

    async def catch_up(self, view: Reader, limit: int) -> bool:
        """Bring in up to `limit` new and up to `limit` changed entries as `view` sees them; True if now current."""
        if view.dialect == "sqlite":
            # A read on a SQLite reader thread never suspends: the lock is held from the first query to the last,
            # so reads on other threads wait for this catch-up and then see it.
            with self._lock:
                return self._apply(await self._read_behind(view, limit), limit)
        # A PostgreSQL read suspends on the event loop, where a thread lock held across it would stall every other
        # read: catch-ups take turns on an asyncio lock, and what one read is applied at once, under the lock.
        async with self._catching_up:
            behind = await self._read_behind(view, limit)
            with self._lock:
                return self._apply(behind, limit)

    async def _read_behind(self, view: Reader, limit: int) -> _Behind:
        """What `view` holds that the index has not applied: changed entries' rows, then new ones."""
        rebuild = self._size - self.entries > max(COMPACT_AFTER, self.entries)
        started = self._started and not rebuild
        if started:
            last_change = self._last_change
        else:
            # Changes made before the first entry is read are already in the rows read.
            row = await view.fetchone(_LAST_CHANGE)
            last_change = int(row["change"]) if row else 0
        changes = await view.fetchall(_CHANGES, (last_change, limit))
        changed: dict[int, Any] = {}
        if changes:
            seqs = [int(row["entry_seq"]) for row in changes]
            changed = {int(row["seq"]): row for row in await view.fetchall(_rows(view.dialect), (_list(view, seqs),))}
        new: list[Any] = []
        if len(changes) < limit:
            new = await view.fetchall(_NEW_ROWS, (self._last_seq if started else 0, limit))
        return _Behind(rebuild, last_change, changes, changed, new)

    def _apply(self, behind: _Behind, limit: int) -> bool:
        if behind.rebuild:
            # More places are held by entries edited or deleted since than by live ones: start again, from the
            # table (until caught up, reads rank with the store's full-text index).
            log.info(
                "knowledge index: rebuilt, %d of its %d places were left by changes",
                self._size - self.entries,
                self._size,
            )
            self._reset()
        if not self._started:
            self._last_change = behind.last_change
            self._started = True
        changes = [row for row in behind.changes if int(row["change"]) > self._last_change]
        for row in changes:
            seq = int(row["entry_seq"])
            self._remove(seq)
            if seq in behind.changed:
                self._add(behind.changed[seq])
        if changes:
            self._last_change = int(changes[-1]["change"])
        new = [row for row in behind.new if int(row["seq"]) > self._last_seq]
        for row in new:
            self._remove(int(row["seq"]))
            self._add(row)
        if new:
            self._last_seq = int(new[-1]["seq"])
        if changes or new:
            self._masks.clear()
            self._merged.clear()
            self._merged_postings = 0
            self._holding.clear()
            self._words.clear()
            self._scored.clear()
            self._scored_postings = 0
            self._resort_words()
        self.behind = len(behind.changes) >= limit or len(behind.new) >= limit
        return not self.behind

    def _add(self, row: Any) -> None:
        seq = int(row["seq"])
        title, body, tags = tokens(row["title"]), tokens(row["body"]), tokens(" ".join(_decode_tags(row["tags"])))
        title_weight, body_weight, tags_weight = WHOLE_WEIGHTS
        counts = Counter(title * title_weight + body * body_weight + tags * tags_weight)
        doc = self._size
        if doc == len(self._seqs):
            self._grow()
        self._size += 1
        project = row["project_id"]
        scope = self._scopes.setdefault(project, len(self._scopes))
        write = self._writes.setdefault((project, row["created_at"]), len(self._writes) + 1)
        self._seqs[doc] = seq
        self._lengths[doc] = len(title) + len(body) + len(tags)
        self._scope[doc] = scope
        self._kind[doc] = _KINDS.index(row["kind"]) if row["kind"] in _KINDS else -1
        self._write[doc] = write
        self._superseded[doc] = row["superseded_by"] is not None
        self._alive[doc] = True
        self._doc_of_seq[seq] = doc
        postings = self._postings
        for word, frequency in counts.items():
            found = postings.get(word)
            if found is None:
                found = postings[word] = (array("i"), array("i"))
                self._new_words.append(word)
            found[0].append(doc)
            found[1].append(frequency)
        beginnings: dict[str, int] = {}
        for word, frequency in counts.items():
            if len(word) >= SHORTEST_PREFIX:
                beginning = word[:SHORTEST_PREFIX]
                beginnings[beginning] = beginnings.get(beginning, 0) + frequency
        for beginning, frequency in beginnings.items():
            found = self._beginnings.get(beginning)
            if found is None:
                found = self._beginnings[beginning] = (array("i"), array("i"))
            found[0].append(doc)
            found[1].append(frequency)
        self.entries += 1

    def _remove(self, seq: int) -> None:
        doc = self._doc_of_seq.pop(seq, None)
        if doc is None:
            return
        self._alive[doc] = False
        self.entries -= 1
        if seq == self._last_seq:
            # Keys are reused only past the largest: a new entry may take this one's key again.
            self._last_seq = max(self._doc_of_seq, default=0)

    def _grow(self) -> None:
        for name in ("_seqs", "_lengths", "_scope", "_kind", "_write", "_superseded", "_alive"):
            old = getattr(self, name)
            new = np.zeros(2 * len(old), old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def _resort_words(self) -> None:
        if self._new_words:
            if len(self._new_words) > 64:
                self._sorted_words = sorted([*self._sorted_words, *self._new_words])
            else:
                for word in self._new_words:
                    bisect.insort(self._sorted_words, word)
            self._new_words = []

    # -- ranking ---------------------------------------------------------------------------------------------

    def words_of(self, term: Term) -> list[str]:
        """The indexed words `term` matches: those of its stem, or (a prefix) those it begins.

        Remembered until the index changes: finding them stems every indexed word near the stem.
        """
        with self._lock:
            words = self._words.get(term)
            if words is None:
                if len(self._words) >= REMEMBERED_WORDS:
                    self._words.clear()
                words = self._words[term] = self._words_of(term)
            return words

    def _words_of(self, term: Term) -> list[str]:
        folded = fold(term.word)
        if term.prefix:
            return self._beginning(folded)
        stemmed = stem(folded)
        if len(stemmed) < _SHORTEST_RANGED_STEM:
            return [word for word in dict.fromkeys((folded, stemmed)) if word in self._postings]
        # Stemming is done here, for the few words that could be of this stem, not for every word indexed.
        return [word for word in self._beginning(stem_prefix(stemmed)) if stem(word) == stemmed]

    def _beginning(self, prefix: str) -> list[str]:
        words = self._sorted_words
        start = bisect.bisect_left(words, prefix)
        end = start
        while end < len(words) and words[end].startswith(prefix):
            end += 1
        return words[start:end]

    def _mask(self, project_id: str | None, kind: str | None, include_superseded: bool) -> _Scope:
        """Which entries a query searches, how many, their average length, and the length part of BM25's
        denominator for each entry."""
        key = (project_id, kind, include_superseded)
        found = self._masks.get(key)
        if found is not None:
            return found
        n = self._size
        mask = self._alive[:n].copy()
        if project_id is not None:
            code = self._scopes.get(project_id)
            scope = self._scope[:n]
            mask &= (scope == 0) if code is None else ((scope == 0) | (scope == code))
        if kind is not None:
            mask &= self._kind[:n] == (_KINDS.index(kind) if kind in _KINDS else -2)
        if not include_superseded:
            mask &= ~self._superseded[:n]
        count = int(np.count_nonzero(mask))
        average = float(self._lengths[:n][mask].sum() / count) if count else 0.0
        norms = K1 * (1 - B + B * self._lengths[:n] / average) if count else np.zeros(n, np.float64)
        if len(self._masks) > 64:
            self._masks.clear()
            self._holding.clear()
        found = self._masks[key] = _Scope(key, mask, count, average, norms)
        return found

    def _postings_of(self, words: Sequence[str]) -> _Group | None:
        """The entries holding any of `words` and their weighted frequencies, counted together (None: none)."""
        key = tuple(words)
        found = self._merged.get(key)
        if found is not None:
            self._merged.move_to_end(key)
            return found
        lists = [self._postings[word] for word in words if word in self._postings]
        if not lists:
            return None
        beginning = words[0][:SHORTEST_PREFIX]
        if (
            len(lists) > 1
            and len(beginning) == SHORTEST_PREFIX
            and beginning in self._beginnings
            and list(words) == self._beginning(beginning)
        ):
            # Every word of a shortest prefix: merged as they were indexed.
            lists = [self._beginnings[beginning]]
        if len(lists) == 1:
            # A copy: an array exporting its buffer could not grow when the next entry holding the word comes.
            docs = np.frombuffer(lists[0][0], np.int32).copy()
            frequencies = np.frombuffer(lists[0][1], np.int32).astype(np.float64)
        else:
            every = np.concatenate([np.frombuffer(docs_, np.int32) for docs_, _ in lists])
            weights = np.concatenate([np.frombuffer(f, np.int32) for _, f in lists]).astype(np.float64)
            if len(every) * _SORT_BELOW < self._size:
                # Few postings: sorted and summed where an entry repeats, not counted over every place.
                order = np.argsort(every, kind="stable")
                every, weights = every[order], weights[order]
                starts = np.flatnonzero(np.concatenate(([True], every[1:] != every[:-1])))
                docs = every[starts]
                frequencies = np.add.reduceat(weights, starts)
            else:
                dense = np.bincount(every, weights=weights, minlength=self._size)
                docs = np.flatnonzero(dense > 0).astype(np.int32)
                frequencies = np.asarray(dense[docs], np.float64)
        # Remembered until the index changes: a prefix ranges over many words, and search-as-you-type asks for the
        # same prefixes again and again.
        while self._merged and (
            len(self._merged) >= REMEMBERED_GROUPS or self._merged_postings + len(docs) > REMEMBERED_POSTINGS
        ):
            _, forgotten = self._merged.popitem(last=False)
            self._merged_postings -= len(forgotten.docs)
        found = self._merged[key] = _Group(
            key, docs, frequencies, float(frequencies.max()), float(self._lengths[docs].min())
        )
        self._merged_postings += len(docs)
        return found

    def _idf(self, group: _Group, scope: _Scope) -> float:
        """The group's IDF among the entries `scope` searches (how many of them hold it is remembered)."""
        key = (scope.key, group.key)
        holding = self._holding.get(key)
        if holding is None:
            if len(self._holding) >= REMEMBERED_HOLDING:
                self._holding.clear()
            holding = self._holding[key] = int(np.count_nonzero(scope.mask[group.docs]))
        idf = math.log((0.5 + scope.searched - holding) / (0.5 + holding)) if holding else 0.0
        return MIN_IDF if idf <= 0 else idf

    def _group_scores(self, words: Sequence[str], scope: _Scope) -> _GroupScores:
        """The entries `scope` keeps that hold a word of one group, and what the group adds to their scores
        (read only: a frequent word's are remembered)."""
        group = self._postings_of(words)
        if group is None:
            return np.zeros(0, np.int32), np.zeros(0, np.float64)
        key = (scope.key, group.key)
        found = self._scored.get(key)
        if found is not None:
            self._scored.move_to_end(key)
            return found
        keep = scope.mask[group.docs]
        docs, frequencies = group.docs[keep], group.frequencies[keep]
        gains = _gains(self._idf(group, scope), frequencies, scope.norms[docs])
        if len(group.docs) >= REMEMBERED_SCORES_FROM:
            docs.flags.writeable = gains.flags.writeable = False
            while self._scored and self._scored_postings + len(docs) > REMEMBERED_SCORED_POSTINGS:
                _, (forgotten, _) = self._scored.popitem(last=False)
                self._scored_postings -= len(forgotten)
            self._scored[key] = (docs, gains)
            self._scored_postings += len(docs)
        return docs, gains

    def _scores(self, groups: Sequence[Sequence[str]], scope: _Scope, scored: _Scored | None = None) -> FloatArray:
        """Every entry's score (`scored`: groups' scores worked out already, by group key). Every word adds more
        than 0 (its IDF is at least MIN_IDF): the entries scoring more than 0 are those holding a word."""
        scores = np.zeros(self._size, np.float64)
        for words in groups:
            known = scored.get(tuple(words)) if scored else None
            docs, gains = known if known is not None else self._group_scores(words, scope)
            scores[docs] += gains
        return scores

    def rank(
        self,
        groups: Sequence[Sequence[str]],
        *,
        project_id: str | None,
        kind: str | None = None,
        include_superseded: bool = False,
        every_group: bool = False,
        limit: int,
    ) -> list[Ranked]:
        """The best `limit` entries holding a word of any group (of every group), best first, ties to the newest.

        Each group is one query word: the indexed words it matches, counted together. Query words matching the
        same indexed words (`work` and `working`: one stem) are one word, counted once.
        """
        groups = _distinct(groups)
        with self._lock:
            scope = self._mask(project_id, kind, include_superseded)
            if not scope.searched or not groups:
                return []
            if len(groups) == 1 or not every_group:
                # Any word: one word's postings alone are scored, several words' by MaxScore (`_matching`).
                return self._best(*self._matching(groups, scope, limit), limit)
            found, _ = self._candidates(groups, scope, every_group, limit)
            assert found is not None  # every word required: always narrowed to those holding the rarest
            return self._best(found, self._exact(groups, scope, found), limit)

    def _matching(
        self, groups: Sequence[Sequence[str]], scope: _Scope, limit: int
    ) -> tuple[npt.NDArray[np.integer[Any]], FloatArray]:
        """Entries holding a word of any group, among them every one of the best `limit`, and their full scores
        (as `rank` finds them: one word's postings alone, or the candidates of MaxScore)."""
        if len(groups) == 1:
            return self._group_scores(groups[0], scope)
        found, scored = self._candidates(groups, scope, False, limit)
        if found is None:
            scores = self._scores(groups, scope, scored)
            hits = np.flatnonzero(scores)
            return hits, scores[hits]
        return found, self._exact(groups, scope, found)

    def _candidates(
        self, groups: Sequence[Sequence[str]], scope: _Scope, every_group: bool, limit: int
    ) -> tuple[npt.NDArray[np.int32] | None, _Scored]:
        """Entries among which the best `limit` of several words are, every one that could score as high as them,
        found without scoring every entry holding a word (None: no fewer than every entry holding one), and what
        the groups scored on the way add to their entries' scores (by group key: for scoring every entry then).

        Every word required: the entries holding the rarest word, those of them holding the others. Any word
        (MaxScore): a word adds at most its upper bound to a score (its IDF, its highest frequency, its shortest
        entry). The words with the highest bounds are scored until the bounds of the others add up to less than
        a score that at least `limit` entries reach (the full score of the best `limit` entries of a word scored);
        then an entry holding none of those words cannot be among the
        best, and an entry holding some is looked up in the others' postings only if its score so far, with their
        bounds, could reach that score.
        """
        found = [self._postings_of(words) for words in groups]
        present = [group for group in found if group is not None]
        if every_group:
            if len(present) < len(found):
                return np.zeros(0, np.int32), {}
            rarest = min(present, key=lambda group: len(group.docs))
            candidates = rarest.docs[scope.mask[rarest.docs]]
            for group in present:
                if group is not rarest and len(candidates):
                    candidates = candidates[_places(group.docs, candidates) >= 0]
            return candidates, {}
        if not present:
            return np.zeros(0, np.int32), {}
        bounds = [self._bound(group, scope) for group in present]
        order = sorted(range(len(present)), key=lambda place: -bounds[place])
        threshold = 0.0
        scored: list[tuple[int, npt.NDArray[np.int32], FloatArray]] = []
        for done, place in enumerate(order):
            if scored and math.fsum(bounds[other] for other in order[done:]) < threshold * _SURELY_BELOW:
                break
            docs, gains = self._group_scores(present[place].key, scope)
            scored.append((place, docs, gains))
            if len(gains) >= limit:
                # The best `limit` of this word's entries score at least what they score in full: a score that
                # `limit` entries reach.
                best = np.argpartition(gains, len(gains) - limit)[len(gains) - limit :]
                threshold = max(threshold, float(self._exact(groups, scope, docs[best]).min()))
        # An entry among the best scores at least the threshold, so for each word it holds, what that word adds
        # with the bounds of the others reaches it too: the entries of a word scored that do not are left out.
        # The word scored with the most entries is held to the bounds of the words not scored alone: an entry of
        # it that holds another word scored is kept (or not) with that word's entries.
        widest = max(range(len(scored)), key=lambda n: len(scored[n][1]))
        unscored = math.fsum(bounds[place] for place in order[len(scored) :])
        pieces = []
        for n, (place, docs, gains) in enumerate(scored):
            if n == widest:
                others = unscored
            else:
                others = math.fsum(bound for other, bound in enumerate(bounds) if other != place)
            pieces.append(docs[gains + others >= threshold * _SURELY_BELOW])
        if len(pieces) == 1:
            return pieces[0], {}
        if sum(map(len, pieces)) * _SORT_BELOW > self._size * 4:
            # As many as to score them all over the index's places: the words scored are not scored again.
            return None, {present[place].key: (docs, gains) for place, docs, gains in scored}
        return np.unique(np.concatenate(pieces)), {}

    def _bound(self, group: _Group, scope: _Scope) -> float:
        """The most that `group` adds to the score of any entry `scope` keeps."""
        if not scope.average:
            return math.inf
        norm = K1 * (1 - B + B * group.shortest / scope.average)
        return self._idf(group, scope) * (group.most * (K1 + 1)) / (group.most + norm) * _SURELY_ABOVE

    def _exact(self, groups: Sequence[Sequence[str]], scope: _Scope, docs: npt.NDArray[np.int32]) -> FloatArray:
        """The scores of `docs` (entries `scope` keeps), added up word by word as `_scores` adds them."""
        scores = np.zeros(len(docs), np.float64)
        for words in groups:
            group = self._postings_of(words)
            if group is None or not len(docs):
                continue
            places = _places(group.docs, docs)
            held = places >= 0
            gains = _gains(self._idf(group, scope), group.frequencies[places[held]], scope.norms[docs[held]])
            scores[held] += gains
        return scores

    def _best(self, docs: npt.NDArray[np.integer[Any]], found: FloatArray, limit: int) -> list[Ranked]:
        top = self._top(docs, found, limit)
        return list(map(Ranked, self._seqs[docs[top]].tolist(), found[top].tolist()))

    def _top(self, docs: npt.NDArray[np.integer[Any]], found: FloatArray, limit: int) -> IntArray:
        """Where in `docs` the best `limit` of them are by their scores `found`, best first, ties to the newest."""
        places = np.arange(len(docs))
        if len(docs) > limit:
            # Every entry scoring at least the limit-th best, so that ties at the edge go to the newest.
            threshold = np.partition(found, len(found) - limit)[len(found) - limit]
            places = np.flatnonzero(found >= threshold)
        order = np.lexsort((-self._seqs[docs[places]], -found[places]))[:limit]
        return places[order]

    def rank_with_neighbours(self, groups: Sequence[Sequence[str]], *, project_id: str, limit: int) -> list[Ranked]:
        """As `rank`, for context assembly: entries written together with a hit, next to it, share in its score.

        The same as `neighbour_scores` over the best 2 x `limit` hits, worked out on the arrays: an entry's
        neighbours by key are its neighbours by place in the arrays, unless it was edited since it was written
        (then it is looked up by key).
        """
        groups = _distinct(groups)
        with self._lock:
            scope = self._mask(project_id, None, False)
            mask = scope.mask
            if not scope.searched or not groups:
                return []
            matching, scores = self._matching(groups, scope, 2 * limit)
            top = self._top(matching, scores, 2 * limit)
            hits, hit_scores = matching[top], scores[top]
            n, seqs, writes, alive = self._size, self._seqs, self._write, self._alive
            docs, shares = [hits], [hit_scores]
            # The places at each step from every hit at once (step by step, as the steps below take them).
            count = len(hits)
            near = (hits[np.newaxis, :] + _STEPS[:, np.newaxis]).ravel()
            of = np.tile(hits, len(_STEPS))
            inside = (near >= 0) & (near < n)
            near_inside = np.where(inside, near, 0)
            # The place next to a hit holds its neighbour by key only if that is still the entry's place (an edited
            # entry leaves its old place, with its key, behind).
            every_in_place = inside & (seqs[near_inside] == seqs[of] + np.repeat(_STEPS, count)) & alive[near_inside]
            every_same = every_in_place & (writes[near_inside] == writes[of]) & mask[near_inside]
            for row, (step, share) in enumerate(zip(_STEPS.tolist(), _SHARES.tolist(), strict=True)):
                at = slice(row * count, (row + 1) * count)
                same, in_place = every_same[at], every_in_place[at]
                docs.append(near_inside[at][same])
                shares.append(hit_scores[same] * share)
                found, sources = [], []  # where in `hits` the entry it is next to is
                for place in np.flatnonzero(~in_place).tolist():  # edited since written, or at an end: by key
                    hit = hits[place]
                    other = self._doc_of_seq.get(int(seqs[hit]) + step)
                    if other is not None and writes[other] == writes[hit] and mask[other]:
                        found.append(other)
                        sources.append(place)
                if found:
                    docs.append(np.asarray(found, np.int64))
                    shares.append(hit_scores[np.asarray(sources, np.int64)] * share)
            every = np.concatenate(docs)
            unique, where = np.unique(every, return_inverse=True)
            totals = np.bincount(where, weights=np.concatenate(shares))
            order = np.lexsort((-seqs[unique], -totals))[:limit]
            return list(map(Ranked, seqs[unique[order]].tolist(), totals[order].tolist()))


def _gains(idf: float, frequencies: FloatArray, norms: FloatArray) -> FloatArray:
    """What a word of IDF `idf` adds to the scores of entries holding it `frequencies` times (BM25)."""
    return idf * (frequencies * (K1 + 1)) / (frequencies + norms)


def _places(docs: npt.NDArray[np.int32], wanted: npt.NDArray[np.int32]) -> IntArray:
    """Where each of `wanted` is in `docs` (in increasing order), -1 where it is not."""
    if not len(docs):
        return np.full(len(wanted), -1, np.int64)
    places = np.searchsorted(docs, wanted)
    inside = np.minimum(places, len(docs) - 1)
    return np.where(docs[inside] == wanted, inside, -1)


def _distinct(groups: Sequence[Sequence[str]]) -> list[Sequence[str]]:
    """`groups` without repeats: query words matching the same indexed words are one word."""
    return list({tuple(sorted(words)): words for words in groups}.values())


_indexes: weakref.WeakKeyDictionary[Database, KnowledgeIndex] = weakref.WeakKeyDictionary()


def knowledge_index(db: Database) -> KnowledgeIndex:
    """The ranking index of this store (one per Database, made on first use)."""
    index = _indexes.get(db)
    if index is None:
        index = _indexes[db] = KnowledgeIndex()
    return index


async def catch_up_fully(db: Database) -> None:
    """Bring the store's index up to date, a chunk a read, logging progress for a large store."""
    index = knowledge_index(db)
    total = None
    while True:
        done = await db.read(lambda view: index.catch_up(view, CATCH_UP_CHUNK))
        if done:
            break
        if total is None:
            row = await db.fetchone("SELECT count(*) AS n FROM knowledge")
            total = int(row["n"]) if row else 0
        log.info("knowledge index: %d of %d entries indexed", index.entries, total)
    if total is not None:
        log.info("knowledge index: ready, %d entries", index.entries)


def start_catching_up(db: Database) -> None:
    """Catch the store's index up in the background, unless that is under way."""
    index = knowledge_index(db)
    if index.building is None or index.building.done():
        index.building = asyncio.get_running_loop().create_task(catch_up_fully(db))


async def stop_catching_up(db: Database) -> None:
    """Stop the background catch-up of the store's index, if one runs (before the store closes)."""
    index = _indexes.get(db)
    if index is not None and index.building is not None and not index.building.done():
        index.building.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await index.building
