"""Fitting blocks of context into a token budget and rendering them as one Markdown document.

Blocks are offered in order of importance. Each goes in whole if it fits, else as its summary if it has one
and that fits, else not at all (reason `budget`). So less important blocks are the first to go, and a long
block is cut to a summary before it is dropped. A block may be offered `Deferred`: made only if a lower bound
of what it takes, whole or summarised, fits what is left (most candidates of the relevant section are never made:
they come once the budget is all but spent). Chosen blocks are then laid out in document order, each
section under its heading. Nothing here depends on the clock, so the same inputs give the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import msgspec

from contextstack.assembly.models import ManifestItem, Reason, SectionTokens

# Document order of the sections; the heading is rendered above the first block a section keeps.
SECTIONS: dict[str, str | None] = {
    "changes": "## Since the last message",  # only in what the proxy adds to a conversation it already told
    "project": None,
    "instructions": "## Instructions",
    "progress": "## Progress",
    "in_progress": "## In progress",
    "blocked": "## Blocked",
    "next_steps": "## Next steps",
    "pinned": "## Pinned knowledge",
    "relevant": "## Relevant knowledge",
    "messages": "## From past conversations",
    "recent": "## Recent decisions and constraints",
}

_WORD = re.compile(r"\S+")


class Block(msgspec.Struct, frozen=True):
    """A piece of the document: its section, its full text and an optional shorter summary (both end in \\n)."""

    section: str
    text: str
    summary: str | None = None
    kind: str | None = None  # "step" | "knowledge" | "message": listed in the manifest
    id: str = ""
    title: str = ""


class Deferred(msgspec.Struct, frozen=True):
    """A block made only when it may fit: `start` is what its text and its summary both begin with, and `least`
    (more work than `start`, done only if `start` fits) a lower bound of the lower bound `fit` is given
    (`at_least`) of both its text and its summary."""

    section: str
    start: str
    make: Callable[[], Block]
    least: Callable[[], int] | None = None
    kind: str | None = None
    id: str = ""
    title: str = ""


@dataclass(frozen=True)
class Fitted:
    document: str
    tokens: int
    sections: list[SectionTokens]
    manifest: list[ManifestItem]
    chosen: dict[int, str]  # by the block's index: the text that went in, whole or summarised


def cut_to_words(text: str, max_words: int) -> str:
    """The first `max_words` words of `text` on one line, with an ellipsis when anything was cut."""
    if max_words < 1:
        return " …" if _WORD.search(text) else ""
    # Only the words kept are cut apart, however long the text: the rest is one piece, if any.
    words = text.split(maxsplit=max_words)
    return " ".join(words[:max_words]) + (" …" if len(words) > max_words else "")


def cut_to_tokens(text: str, budget: int, count: Callable[[str], int]) -> str:
    """The longest start of `text`, in whole words and keeping its line breaks, whose count fits `budget`."""
    pieces = re.findall(r"[^\S\n]*\S+|\n", text)  # each word with the spaces before it, and each line break
    low, high = 0, len(pieces)
    while low < high:  # the largest n whose first n pieces fit
        middle = (low + high + 1) // 2
        if count("".join(pieces[:middle]).rstrip() + "\n") <= budget:
            low = middle
        else:
            high = middle - 1
    kept = "".join(pieces[:low]).rstrip()
    return kept + "\n" if kept else ""


def fit(
    offered: Sequence[Block | Deferred],
    budget: int,
    count: Callable[[str], int],
    *,
    additive: bool = False,
    at_least: Callable[[str], int] | None = None,
) -> Fitted:
    """Choose what fits `budget` (blocks are in order of importance) and render the document.

    `additive` says that counting joined lines gives the sum of their counts (the estimate does), so the
    document need not be counted again. `at_least`, if given, is a cheap lower bound of `count`: a text it
    already puts over the budget is not counted (once the budget is spent, most of the blocks left are such), and
    a `Deferred` block whose start it, or whose own lower bound, puts over the budget is not made.
    """
    heading_cost = _heading_costs(count)
    chosen: dict[int, tuple[str, int]] = {}
    reasons: dict[int, Reason] = {}
    opened: set[str] = set()
    used = 0
    blocks: list[Block | Deferred] = list(offered)
    for index, offer in enumerate(offered):
        opening = 0 if offer.section in opened else heading_cost.get(offer.section, 0)
        if isinstance(offer, Deferred):
            # (The first block is made whatever it takes: it is cut to what fits if it does not.)
            if (
                index
                and at_least is not None
                and (
                    used + opening + at_least(offer.start) > budget
                    or (offer.least is not None and used + opening + offer.least() > budget)
                )
            ):
                reasons[index] = "budget"
                continue
            block = blocks[index] = offer.make()
        else:
            block = offer
        variants: tuple[tuple[str | None, Reason], ...] = ((block.text, "included"), (block.summary, "summarised"))
        for text, reason in variants:
            if text is None or (at_least is not None and used + opening + at_least(text) > budget):
                continue
            cost = count(text)
            if used + opening + cost <= budget:
                chosen[index], reasons[index] = (text, cost), reason
                opened.add(block.section)
                used += opening + cost
                break
        else:
            reasons[index] = "budget"
            if index == 0 and budget > used:
                # The project's own header never goes entirely: cut it to what fits, at a word boundary.
                header = cut_to_tokens(block.text, budget - used, count)
                if header:
                    chosen[index], reasons[index] = (header, count(header)), "summarised"
                    opened.add(block.section)
                    used += chosen[index][1]
    document, sections = _render(blocks, chosen, heading_cost)
    tokens = used if additive else count(document)
    # A real tokenizer is not exactly additive over lines: drop the least important blocks until it fits.
    while tokens > budget and chosen:
        last = max(chosen)
        del chosen[last]
        reasons[last] = "budget"
        document, sections = _render(blocks, chosen, heading_cost)
        tokens = count(document)
    manifest = [
        ManifestItem(
            kind=block.kind,  # type: ignore[arg-type]
            id=block.id,
            title=block.title,
            section=block.section,
            included=index in chosen,
            reason=reasons[index],
        )
        for index, block in enumerate(blocks)
        if block.kind is not None
    ]
    texts = {index: text for index, (text, _) in chosen.items()}
    return Fitted(document=document, tokens=tokens, sections=sections, manifest=manifest, chosen=texts)


@lru_cache(maxsize=8)
def _heading_costs(count: Callable[[str], int]) -> dict[str, int]:
    # Read only: the same for every document counted the same way.
    return {section: count(f"\n{heading}\n") for section, heading in SECTIONS.items() if heading}


def render_sections(texts: Sequence[tuple[str, str]]) -> str:
    """Pieces of text as a document, each under its section's heading, in document order (the sections' order)."""
    by_section: dict[str, list[str]] = {}
    for section, text in texts:
        by_section.setdefault(section, []).append(text)
    return "".join(
        (f"\n{heading}\n" if heading else "") + "".join(by_section[section])
        for section, heading in SECTIONS.items()
        if section in by_section
    )


def _render(
    blocks: Sequence[Block | Deferred], chosen: dict[int, tuple[str, int]], heading_cost: dict[str, int]
) -> tuple[str, list[SectionTokens]]:
    by_section: dict[str, list[tuple[str, int]]] = {}
    for index in sorted(chosen):
        by_section.setdefault(blocks[index].section, []).append(chosen[index])
    parts: list[str] = []
    sections: list[SectionTokens] = []
    for section, heading in SECTIONS.items():
        texts = by_section.get(section)
        if not texts:
            continue
        parts.append((f"\n{heading}\n" if heading else "") + "".join(text for text, _ in texts))
        tokens = heading_cost.get(section, 0) + sum(cost for _, cost in texts)
        sections.append(SectionTokens(name=section, tokens=tokens))
    return "".join(parts), sections
