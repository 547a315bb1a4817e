"""What is new in a project's context for someone already told it once: the changes since, and the items not yet sent.

The proxy tells a conversation the whole context once, then, turn by turn, only this: what changed in the project
since the last turn, said as changes ("**Write tests**: in progress → done"), and the items the new question makes
relevant that the conversation has not been given yet. `Snapshot` is what a turn was told of the project's state;
`news` compares it with an assembly of now. `TurnStates` remembers, per turn of a conversation, what it was told and
where (the proxy's delta injection, proxy/turn_state.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import NamedTuple

import msgspec

from contextstack.assembly.cache import Assembly
from contextstack.assembly.document import cut_to_words, render_sections
from contextstack.assembly.tokens import token_counter
from contextstack.execution.models import LocatedStep, StatusReport
from contextstack.memory.models import KnowledgeEntry

# Sections of step blocks: a step is sent again when it moves to another (its block says more in progress).
_STEP_SECTIONS = frozenset(("in_progress", "blocked", "next_steps"))
_STATUS_WORDS = {"todo": "to do", "in_progress": "in progress", "blocked": "blocked", "done": "done"}
_SUMMARY_WORDS = 80


class SeenStep(msgspec.Struct, frozen=True):
    title: str
    where: str  # "Track / Phase"
    status: str
    reason: str | None


class Snapshot(msgspec.Struct, frozen=True):
    """What a conversation was told of a project's state: its header, progress, the steps that mattered, and the
    versions of its pinned and recent knowledge."""

    project_id: str
    project_slug: str
    header: tuple[str, str, str]  # name, description, instructions
    progress: str
    steps: dict[str, SeenStep]
    knowledge: dict[str, tuple[str, int]]  # by id: title and version
    superseded: frozenset[str]


class News(msgspec.Struct, frozen=True):
    """What to add to a conversation: a document (empty when nothing is new), its tokens, and what it was told."""

    document: str
    tokens: int
    seen: frozenset[str]
    snapshot: Snapshot


def snapshot(
    status: StatusReport, pinned: list[KnowledgeEntry], recent: list[KnowledgeEntry], superseded: list[KnowledgeEntry]
) -> Snapshot:
    """The state of a project, as a conversation is told it: made with its ground (cache.Ground)."""
    project = status.project
    counts = status.counts
    steps: dict[str, SeenStep] = {}
    for step in (*status.recently_done, *status.next_steps, *status.blocked, *status.in_progress):
        steps[step.id] = _seen_step(step)
    knowledge = {entry.id: (entry.title, entry.version) for entry in (*pinned, *recent)}
    return Snapshot(
        project_id=project.id,
        project_slug=project.slug,
        header=(project.name, project.description.strip(), project.instructions.strip()),
        progress=f"{counts.done} of {counts.total} steps done ({counts.percent_done:g}%); "
        f"{counts.in_progress} in progress, {counts.blocked} blocked.",
        steps=steps,
        knowledge=knowledge,
        superseded=frozenset(entry.id for entry in superseded),
    )


def seen_keys(assembly: Assembly) -> frozenset[str]:
    """What a conversation holds once given this assembly's document."""
    return frozenset(_key(item, section) for item, (section, _) in assembly.included.items())


def whole(assembly: Assembly) -> News:
    """The whole context, for a conversation told nothing yet."""
    context = assembly.context
    return News(context.document, context.tokens, seen_keys(assembly), assembly.ground.snapshot)


def news(assembly: Assembly, seen: frozenset[str], before: Snapshot) -> News:
    """What a conversation that holds `seen`, and was last told `before`, is to be told now.

    The changes since `before` come first, under "Since the last message"; then the items of this assembly the
    conversation does not hold yet, under their own headings.
    """
    now = assembly.ground.snapshot
    lines = list(_changes(before, now, assembly, seen)) if before.project_id == now.project_id else []
    texts = [("changes", line) for line in lines]
    added = set(seen)
    for item, (section, text) in assembly.included.items():
        key = _key(item, section)
        if key not in seen:
            texts.append((section, text))
            added.add(key)
    document = render_sections(texts).lstrip("\n")
    tokens = token_counter()[1](document) if document else 0
    return News(document, tokens, frozenset(added), now)


def _key(item: str, section: str) -> str:
    return f"{item}@{section}" if section in _STEP_SECTIONS else item


def _seen_step(step: LocatedStep) -> SeenStep:
    return SeenStep(step.title, f"{step.track_name} / {step.phase_name}", step.status, step.blocked_reason)


def _changes(before: Snapshot, now: Snapshot, assembly: Assembly, seen: frozenset[str]) -> Iterable[str]:
    name, description, instructions = now.header
    if name != before.header[0]:
        yield f"- The project is now called **{name}**.\n"
    if description != before.header[1]:
        yield f"- The project's description is now: {_indent(description) or '(none)'}\n"
    if instructions != before.header[2]:
        yield f"- The project's instructions are now: {_indent(instructions) or '(none)'}\n"
    if now.progress != before.progress:
        yield f"- Progress: {now.progress}\n"
    for step_id, step in now.steps.items():
        was = before.steps.get(step_id)
        if was is not None and (was.status, was.reason) == (step.status, step.reason):
            continue
        if was is None and step.status == "todo":
            continue  # a step that can start now: its block says so, under "Next steps"
        change = _status(step) if was is None else f"{_status(was)} → {_status(step)}"
        yield f"- **{step.title}** ({step.where}): {change}\n"
    for step_id, was in before.steps.items():
        if step_id not in now.steps and was.status in ("in_progress", "blocked"):
            yield f"- **{was.title}** ({was.where}): no longer {_status(was)}\n"
    for entry_id, (title, version) in now.knowledge.items():
        known = before.knowledge.get(entry_id)
        if known is not None and known[1] != version:
            found = assembly.included.get(entry_id)
            yield f"- Changed: {found[1].removeprefix('- ')}" if found is not None else f"- **{title}** was changed.\n"
    for entry in assembly.ground.superseded:
        if entry.id in seen and entry.id not in before.superseded:
            yield f"- **{entry.title}** no longer holds: it was superseded.\n"


def _status(step: SeenStep) -> str:
    words = _STATUS_WORDS.get(step.status, step.status)
    return (
        f"{words}: {cut_to_words(step.reason, _SUMMARY_WORDS)}" if step.status == "blocked" and step.reason else words
    )


def _indent(text: str) -> str:
    return "\n  ".join(line.rstrip() for line in text.strip().splitlines())


class Insertion(NamedTuple):
    """Text put at the start of one message: its position among the conversation's messages (the system and
    developer ones not counted)."""

    position: int
    text: str


class Turn(NamedTuple):
    """What the proxy did with one request of a conversation, and what the conversation has been told so far."""

    insertions: tuple[Insertion, ...]
    seen: frozenset[str]
    snapshot: Snapshot


class TurnStates:
    """The turns of conversations the proxy put context into, the least recently used dropped past `size`."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._turns: OrderedDict[bytes, Turn] = OrderedDict()

    def __len__(self) -> int:
        return len(self._turns)

    def get(self, key: bytes) -> Turn | None:
        turn = self._turns.get(key)
        if turn is not None:
            self._turns.move_to_end(key)
        return turn

    def put(self, key: bytes, turn: Turn) -> None:
        self._turns[key] = turn
        self._turns.move_to_end(key)
        while len(self._turns) > self.size:
            self._turns.popitem(last=False)
