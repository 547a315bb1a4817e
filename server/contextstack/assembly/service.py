"""Assemble a project's context: gather what matters, fit it to the budget, cache the answer.

What goes in, most important first (the first to be kept when the budget is tight):
the project's name, description and instructions; the one-line progress summary; the steps in progress (with
their instructions and acceptance criteria); pinned knowledge; blocked steps and their reasons; the knowledge
most relevant to the query; the next steps that can start; per-track progress; recent decisions and
constraints. Superseded knowledge is left out. The relevant knowledge takes what the budget leaves after the
blocks before it: as many of the best matching entries as fit, best first, each whole or summarised; entries
written together with a hit and next to it share in its score (memory/ranking.py, `neighbour_scores`).
With
embeddings configured, the best by words and the nearest in meaning are fused (memory/hybrid.py); the question's
embedding is awaited only `[memory] embedding_time_limit`, past which the words' entries go alone.

The registered relevance sources (sources.py: the project's past conversation messages) are ranked beside the
relevant knowledge, taking turns with it for the same budget; with embeddings, what a source finds by words is
fused with what it finds by meaning, once the question's embedding is there.

Answers are cached per (project, query words, budget, what the asker has) and invalidated when anything of that project,
or any global knowledge, commits a change, or anything a source watches in the project: an unchanged project
costs no SQL. What does not depend on the question (the project, where it stands, its pinned and recent
knowledge: its "ground") is cached per project the same way but for the sources' changes, and so are the
sources' pools, so a new question about an unchanged project costs at most one search.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from contextstack.assembly.cache import Assembly, ContextCache, Ground, KeptPool
from contextstack.assembly.changes import snapshot
from contextstack.assembly.document import Block, Deferred, cut_to_words, fit
from contextstack.assembly.models import AssembledContext, ManifestItem
from contextstack.assembly.sources import SECTION_OF, Found, RelevanceSource, SourceKind
from contextstack.assembly.tokens import estimate_at_least, marks_and_letters, token_counter
from contextstack.execution.models import LocatedStep, StatusReport
from contextstack.execution.service import status_report
from contextstack.memory.fusion import reciprocal_rank_fusion
from contextstack.memory.hybrid import fused_relevant
from contextstack.memory.index import KnowledgeIndex, knowledge_index, start_catching_up
from contextstack.memory.models import KnowledgeEntry
from contextstack.memory.ranking import KnowledgeRanking
from contextstack.memory.search import MAX_TERMS, query_terms, text_words
from contextstack.memory.store import best_matches, knowledge_lists, searchable_entries_if_few
from contextstack.storage import Database, Reader

if TYPE_CHECKING:
    from contextstack.memory.embeddings import Vector

DEFAULT_BUDGET = 4000
MAX_BUDGET = 1_000_000
PINNED_LIMIT = 50
# The relevant section is spent by tokens: as many of the best entries as fit what the blocks before it left.
# So many candidates are ranked for it that they fill that room even if each took this few tokens, within bounds.
RELEVANT_TOKENS_EACH = 40
RELEVANT_CANDIDATES = (20, 200)
RECENT_LIMIT = 10
NEXT_LIMIT = 5
SUMMARY_WORDS = 40
# A project with at most this many entries, its own and the global ones (superseded ones counted too: the
# indexes count them all cheaply), has those it can see ranked in memory.
RANKED_IN_MEMORY = 500
# The blocks of relevant entries a project's ground keeps for later questions (it is dropped on any change).
RELEVANT_BLOCKS_KEPT = 1000

# Words too common to say what a question is about (the English list of NLTK and most search engines, and the
# modal verbs); the rest are searched for (any of them).
_STOPWORDS = frozenset(
    (
        "a about above after again against all am an and any are as at be because been before being below between "
        "both but by can could did do does doing down during each few for from further had has have having he her "
        "here hers herself him himself his how i if in into is it its itself just me might more most must my "
        "myself no nor not now of off on once only or other ought our ours ourselves out over own same shall she "
        "should so some such than that the their theirs them themselves then there these they this those through "
        "to too under until up us very was we were what when where which while who whom why will with would you "
        "your yours yourself yourselves"
    ).split()
)


@functools.lru_cache(maxsize=1024)
def search_words(query: str | None) -> tuple[str, ...]:
    """The words of a query that assembly searches knowledge for: lower-cased, no stopwords, in order, no repeats.

    Remembered: a client sends the same last message again with each turn of a tool call.
    """
    if not query:
        return ()
    words = dict.fromkeys(word.lower() for word in text_words(query))
    return tuple(itertools.islice((word for word in words if word not in _STOPWORDS and len(word) > 1), MAX_TERMS))


def _ground(
    status: StatusReport,
    pinned: list[KnowledgeEntry],
    recent: list[KnowledgeEntry],
    superseded: list[KnowledgeEntry],
    ranking: KnowledgeRanking | None,
) -> Ground:
    before = [
        *_project_blocks(status),
        *(_step_block("in_progress", step, detailed=True) for step in status.in_progress),
        *(_knowledge_block("pinned", entry) for entry in pinned),
        *(_step_block("blocked", step) for step in status.blocked),
    ]
    after = [*(_step_block("next_steps", step) for step in status.next_steps), *_track_blocks(status)]
    state = snapshot(status, pinned, recent, superseded)
    return Ground(status, pinned, recent, superseded, before, after, ranking, {}, state)


async def assemble_context(
    db: Database,
    cache: ContextCache,
    project: str,
    *,
    query: str | None = None,
    budget: int | None = None,
    leave_out: frozenset[str] = frozenset(),
) -> AssembledContext:
    """The context document of `project` (id or slug) within `budget` tokens, relevant to `query`.

    `leave_out`: the ids of what the asker already has (a conversation's history, sent with it anyway): the
    sources leave those items out. `cache` must hear of every commit of `db` (Runtime wires it so).
    """
    return (await assemble(db, cache, project, query=query, budget=budget, leave_out=leave_out)).context


async def assemble(
    db: Database,
    cache: ContextCache,
    project: str,
    *,
    query: str | None = None,
    budget: int | None = None,
    leave_out: frozenset[str] = frozenset(),
) -> Assembly:
    """The context as `assemble_context` makes it, with what it was made of: its ground, and each item's text."""
    budget = DEFAULT_BUDGET if budget is None else budget
    words = search_words(query)
    key = (project, words, budget, leave_out)
    cached = cache.contexts.get(key)
    if cached is not None:
        return cached
    commits = cache.commits
    known = cache.grounds.get(project)
    wanted = 0 if known is None else relevant_candidates(room_left(known, budget))
    index = knowledge_index(db)
    # Asked first, so that the provider embeds the question while the store is read.
    asked = cache.meaning.ask(query) if cache.meaning is not None and query and words else None
    kept: dict[SourceKind, KeptPool | None] = {}
    if known is not None and words:
        project_id = known.status.project.id
        kept = {source.kind: cache.pools.get((source.kind, project_id)) for source in cache.sources}
    if known is not None and (not words or (known.ranking is not None and _all_pooled(kept))):
        ground, found = known, _best(known.ranking, words, wanted)
        others = [(kind, _pooled(pool, words, wanted, leave_out)) for kind, pool in kept.items()]
        read: dict[str, KeptPool] = {}
    else:
        ground, found, others, read, wanted = await db.read(
            lambda view: _read(view, project, known, kept, cache.sources, words, budget, leave_out, index)
        )
    if index.behind and (known is None or known.ranking is None) and words:
        start_catching_up(db)
    complete = True
    if asked is not None and cache.meaning is not None:
        found, complete = await fused_relevant(cache.meaning, asked, ground.status.project.id, found, wanted)
        vector = asked.result() if asked.done() and not asked.cancelled() and asked.exception() is None else None
        if vector is not None and others:
            others = await _fused_others(db, cache.sources, others, vector, ground.status.project.id, wanted, leave_out)
    assembly = _compose(ground, found, others, budget)
    # Kept unless something committed meanwhile (what was read may be stale already); the context also not if the
    # question's embedding came too late (it is there the next time).
    if cache.commits == commits:
        if known is None:
            cache.grounds.put(project, ground)
        for kind, pool in read.items():
            cache.pools.put((kind, pool.project_id), pool)
        if complete:
            cache.contexts.put(key, assembly)
    return assembly


async def _fused_others(
    db: Database,
    sources: tuple[RelevanceSource, ...],
    others: list[tuple[SourceKind, list[Found]]],
    vector: Vector,
    project_id: str,
    wanted: int,
    leave_out: frozenset[str],
) -> list[tuple[SourceKind, list[Found]]]:
    """Each source's items found by words fused with those it finds nearest the question, by reciprocal rank."""
    by_kind = {source.kind: source for source in sources}

    async def nearest(view: Reader) -> list[list[Found]]:
        return [await by_kind[kind].nearest(view, project_id, vector, wanted, leave_out) for kind, _ in others]

    fused: list[tuple[SourceKind, list[Found]]] = []
    for (kind, by_words), meant in zip(others, await db.read(nearest), strict=True):
        if not meant:
            fused.append((kind, by_words))
            continue
        items = {item.id: item for item in meant} | {item.id: item for item in by_words}
        ranking = reciprocal_rank_fusion([[item.id for item in by_words], [item.id for item in meant]])
        fused.append((kind, [items[item_id] for item_id, _ in ranking[:wanted]]))
    return fused


def _all_pooled(kept: dict[SourceKind, KeptPool | None]) -> bool:
    return all(pool is not None and pool.pool is not None for pool in kept.values())


def _pooled(kept: KeptPool | None, words: tuple[str, ...], wanted: int, leave_out: frozenset[str]) -> list[Found]:
    assert kept is not None
    assert kept.pool is not None
    return kept.pool.best(words, wanted, leave_out)


async def _read(
    view: Reader,
    project: str,
    known: Ground | None,
    kept: dict[SourceKind, KeptPool | None],
    sources: tuple[RelevanceSource, ...],
    words: tuple[str, ...],
    budget: int,
    leave_out: frozenset[str],
    index: KnowledgeIndex,
) -> tuple[Ground, list[KnowledgeEntry], list[tuple[SourceKind, list[Found]]], dict[str, KeptPool], int]:
    """What is not cached yet, read in one read (on a reader thread): everything is of one moment. And how many
    candidates each relevance list offers (`relevant_candidates`)."""
    if known is None:
        ground, found, wanted = await _read_all(view, project, words, budget, index)
    else:
        wanted = relevant_candidates(room_left(known, budget))
        if known.ranking is not None:
            ground, found = known, _best(known.ranking, words, wanted)
        else:
            ground, found = known, await _relevant(view, known.status.project.id, words, wanted, index)
    project_id = ground.status.project.id
    others: list[tuple[SourceKind, list[Found]]] = []
    read: dict[str, KeptPool] = {}
    for source in sources if words else ():
        pool = kept.get(source.kind)
        if pool is None:
            pool = read[source.kind] = KeptPool(project_id, await source.pool(view, project_id))
        if pool.pool is not None:
            others.append((source.kind, pool.pool.best(words, wanted, leave_out)))
        else:
            others.append((source.kind, await source.search(view, project_id, words, wanted, leave_out)))
    return ground, found, others, read, wanted


def relevant_candidates(room: int) -> int:
    """How many of the best matching entries are offered to the relevant section, with `room` tokens left for it."""
    low, high = RELEVANT_CANDIDATES
    return max(low, min(high, room // RELEVANT_TOKENS_EACH))


def room_left(ground: Ground, budget: int) -> int:
    """What of `budget` the blocks before the relevant section leave, each whole or summarised as `fit` takes them
    (their headings not counted: at least what they leave)."""
    _, count = token_counter()
    used = 0
    for block in ground.before:
        for text in (block.text, block.summary):
            if text is not None and used + (cost := count(text)) <= budget:
                used += cost
                break
    return budget - used


async def _read_all(
    view: Reader, project: str, words: tuple[str, ...], budget: int, index: KnowledgeIndex
) -> tuple[Ground, list[KnowledgeEntry], int]:
    # On a reader thread, in one read: everything is of one moment.
    status = await status_report(view, project, NEXT_LIMIT, RECENT_LIMIT)  # the steps done: for "changes since"
    project_id = status.project.id
    lists = await knowledge_lists(
        view,
        project_id,
        pinned_limit=PINNED_LIMIT,
        recent_limit=2 * RECENT_LIMIT,  # enough after the relevant ones are taken
        superseded_limit=RECENT_LIMIT,
    )
    searchable = await searchable_entries_if_few(view, project_id, RANKED_IN_MEMORY)
    ranking = None if searchable is None else KnowledgeRanking(searchable)
    ground = _ground(status, lists.pinned, lists.recent, lists.superseded, ranking)
    wanted = relevant_candidates(room_left(ground, budget))
    if ranking is not None:
        found = _best(ranking, words, wanted)
    else:
        found = await _relevant(view, project_id, words, wanted, index)
    return ground, found, wanted


def _best(ranking: KnowledgeRanking | None, words: tuple[str, ...], wanted: int) -> list[KnowledgeEntry]:
    return ranking.best_with_neighbours(words, wanted) if ranking is not None and words else []


async def _relevant(
    view: Reader, project_id: str, words: tuple[str, ...], wanted: int, index: KnowledgeIndex
) -> list[KnowledgeEntry]:
    if not words:
        return []
    terms = query_terms(" ".join(words) + " ")
    return await best_matches(view, terms, project_id=project_id, limit=wanted, index=index)


def _compose(
    ground: Ground, found: list[KnowledgeEntry], others: list[tuple[SourceKind, list[Found]]], budget: int
) -> Assembly:
    status = ground.status
    seen = {entry.id for entry in ground.pinned}
    relevant = [entry for entry in found if entry.id not in seen and not entry.pinned]
    seen.update(entry.id for entry in relevant)
    recent = [entry for entry in ground.recent if entry.id not in seen][:RECENT_LIMIT]
    blocks = [
        *ground.before,
        *_taking_turns(
            [_relevant_block(ground, entry) for entry in relevant],
            *([_found_block(kind, item) for item in items] for kind, items in others),
        ),
        *ground.after,
        *(_later("recent", entry) for entry in recent),
    ]
    tokenizer, count = token_counter()
    estimated = tokenizer == "estimate"
    fitted = fit(blocks, budget, count, additive=estimated, at_least=estimate_at_least if estimated else None)
    context = AssembledContext(
        project_id=status.project.id,
        project_slug=status.project.slug,
        document=fitted.document,
        tokens=fitted.tokens,
        budget=budget,
        tokenizer=tokenizer,
        sections=fitted.sections,
        manifest=[*fitted.manifest, *(_superseded_item(entry) for entry in ground.superseded)],
    )
    included = {
        blocks[index].id: (blocks[index].section, text)
        for index, text in fitted.chosen.items()
        if blocks[index].kind is not None
    }
    return Assembly(context, ground, included)


def _taking_turns(*lists: Sequence[Block | Deferred]) -> list[Block | Deferred]:
    """The blocks of each list in turn, best first: the first of each, then the second of each, and so on.

    So the relevant section's budget is shared by rank: a list that runs out leaves the rest to the others.
    """
    return [block for row in itertools.zip_longest(*lists) for block in row if block is not None]


def _found_block(kind: SourceKind, item: Found) -> Block:
    return Block(SECTION_OF[kind], item.text, item.summary, kind, item.id, item.title)


def _project_blocks(status: StatusReport) -> list[Block]:
    project = status.project
    header = f"# {project.name}\n"
    if project.description.strip():
        header += f"\n{project.description.strip()}\n"
    blocks = [Block("project", header, f"# {project.name}\n\n{cut_to_words(project.description, SUMMARY_WORDS)}\n")]
    if project.instructions.strip():
        blocks.append(
            Block(
                "instructions",
                project.instructions.strip() + "\n",
                cut_to_words(project.instructions, SUMMARY_WORDS * 2) + "\n",
            )
        )
    counts = status.counts
    if counts.total:
        blocks.append(
            Block(
                "progress",
                f"{counts.done} of {counts.total} steps done ({counts.percent_done:g}%); "
                f"{counts.in_progress} in progress, {counts.blocked} blocked.\n",
            )
        )
    return blocks


def _track_blocks(status: StatusReport) -> list[Block]:
    return [
        Block(
            "progress",
            f"- {track.name}: {track.counts.done} of {track.counts.total} done ({track.counts.percent_done:g}%)\n",
        )
        for track in status.tracks
        if track.counts.total
    ]


def _step_block(section: str, step: LocatedStep, *, detailed: bool = False) -> Block:
    line = f"- **{step.title}** ({step.track_name} / {step.phase_name})"
    if step.status == "blocked" and step.blocked_reason:
        line += f" — blocked: {step.blocked_reason}"
    summary = line + "\n"
    text = summary
    if step.description.strip():
        description = _indent(step.description) if detailed else cut_to_words(step.description, SUMMARY_WORDS)
        text += f"  {description}\n"
    if detailed and step.instructions.strip():
        text += f"  Instructions: {_indent(step.instructions)}\n"
    if detailed and step.acceptance_criteria:
        text += "  Acceptance criteria:\n" + "".join(f"  - [ ] {c}\n" for c in step.acceptance_criteria)
    return Block(section, text, summary if text != summary else None, "step", step.id, step.title)


def _relevant_block(ground: Ground, entry: KnowledgeEntry) -> Block | Deferred:
    """The entry's block, as made for an earlier question, or to be made (and kept) if it may fit."""
    block = ground.relevant_blocks.get(entry.id)
    if block is not None:
        return block
    blocks = ground.relevant_blocks

    def make() -> Block:
        if len(blocks) >= RELEVANT_BLOCKS_KEPT:
            blocks.clear()
        made = blocks[entry.id] = _knowledge_block("relevant", entry)
        return made

    return _deferred("relevant", entry, make)


def _later(section: str, entry: KnowledgeEntry) -> Deferred:
    """The entry's block, made only if it may fit."""
    return _deferred(section, entry, lambda: _knowledge_block(section, entry))


def _deferred(section: str, entry: KnowledgeEntry, make: Callable[[], Block]) -> Deferred:
    line = _knowledge_line(entry)

    def least() -> int:
        # At most what estimate_at_least counts of the text (the line, then the body's lines indented) and of the
        # summary (the line, ": " and the body's first words, "…" if cut): the characters but whitespace of the
        # line and of the body's first words (and one more if there are more: a word of the text, the ellipsis of
        # the summary), a token per 4; one line break.
        words = entry.body.split(maxsplit=SUMMARY_WORDS)  # the first words, then the rest (if any) in one piece
        if not words:
            return estimate_at_least(line) + 1
        first = sum(map(len, words[:SUMMARY_WORDS])) + (len(words) > SUMMARY_WORDS)
        return (marks_and_letters(line) + first + 3) // 4 + 1

    return Deferred(section, line, make, least, "knowledge", entry.id, entry.title)


def _knowledge_line(entry: KnowledgeEntry) -> str:
    """The first line of an entry's block: what its text and its summary both begin with."""
    scope = "" if entry.project_id else ", global"
    tags = f"; tags: {', '.join(entry.tags)}" if entry.tags else ""
    return f"- **{entry.title}** _({entry.kind}{scope}{tags})_"


def _knowledge_block(section: str, entry: KnowledgeEntry) -> Block:
    line = _knowledge_line(entry)
    body = entry.body.strip()
    text = line + (f"\n  {_indent(body)}\n" if body else "\n")
    summary = line + (f": {cut_to_words(body, SUMMARY_WORDS)}\n" if body else "\n")
    return Block(section, text, summary if summary != text else None, "knowledge", entry.id, entry.title)


def _superseded_item(entry: KnowledgeEntry) -> ManifestItem:
    return ManifestItem(
        kind="knowledge", id=entry.id, title=entry.title, section="", included=False, reason="superseded"
    )


def _indent(text: str) -> str:
    text = text.strip()
    if text.isascii() and not any(c in text for c in "\n\r\x0b\x0c\x1c\x1d\x1e"):
        return text  # one line
    return "\n  ".join(line.rstrip() for line in text.splitlines())
