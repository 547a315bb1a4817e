"""Fitting blocks into a budget: the shortcuts it takes choose exactly what counting every block would."""

from __future__ import annotations

import re

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from contextstack.assembly import service
from contextstack.assembly.document import Block, Deferred, cut_to_words, fit
from contextstack.assembly.tokens import estimate_at_least, estimate_tokens
from tests.memory.test_ranking import entry as knowledge_entry

# Letters, digits, marks, every kind of whitespace (ASCII and not), and text outside ASCII.
_PIECES = ["word", "a", "longerword", "42", ".", ",", "—", "é", "漢字", "😀", "_", " ", "  ", "\n", "\t", "\r", "\x1f"]
_PIECES += ["\u00a0", "\u2003", "\x0b"]
texts = st.lists(st.sampled_from(_PIECES), max_size=80).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=texts)
def test_the_lower_bound_never_exceeds_the_estimate(text: str) -> None:
    assert estimate_at_least(text) <= estimate_tokens(text)


@settings(max_examples=400, deadline=None)
@given(text=texts, words=st.integers(min_value=0, max_value=12))
def test_cut_to_words_keeps_the_first_words_on_one_line(text: str, words: int) -> None:
    """The first `words` words joined by single spaces, and an ellipsis exactly when a word was left out."""
    every = text.split()
    if words < 1:
        assert cut_to_words(text, words) == (" …" if every else "")
        return
    cut = cut_to_words(text, words)
    assert cut == " ".join(every[:words]) + (" …" if len(every) > words else "")
    # The same as a regular expression taking the first words (the way it was done before).
    start = re.match(rf"\s*\S+(?:\s+\S+){{0,{words - 1}}}", text)
    assert cut == (
        "" if start is None else " ".join(start.group().split()) + (" …" if text[start.end() :].strip() else "")
    )


@settings(max_examples=200, deadline=None)
@given(
    blocks=st.lists(
        st.tuples(st.sampled_from(["project", "pinned", "relevant", "recent"]), texts, st.one_of(st.none(), texts)).map(
            lambda fields: Block(fields[0], fields[1] + "\n", None if fields[2] is None else fields[2] + "\n")
        ),
        min_size=1,
        max_size=30,
    ),
    budget=st.integers(min_value=0, max_value=400),
)
def test_a_lower_bound_changes_nothing_that_is_chosen(blocks: list[Block], budget: int) -> None:
    """Blocks the bound puts over the budget are not counted, and the document is the one counting every block
    gives: the same blocks, whole or summarised, the same tokens, sections and manifest."""
    counted = fit(blocks, budget, estimate_tokens, additive=True)
    bounded = fit(blocks, budget, estimate_tokens, additive=True, at_least=estimate_at_least)
    assert bounded == counted
    assert bounded.tokens <= budget


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(
        st.tuples(
            st.sampled_from(["pinned", "relevant", "recent"]), texts, texts, st.one_of(st.none(), texts), st.booleans()
        ),
        min_size=1,
        max_size=30,
    ),
    budget=st.integers(min_value=0, max_value=400),
)
def test_a_deferred_block_is_made_only_when_its_start_may_fit_and_changes_nothing(
    pieces: list[tuple[str, str, str, str | None, bool]], budget: int
) -> None:
    """Offered deferred, a block (text and summary beginning with the same start) is chosen exactly as it is offered
    made; it is made only if its start could fit what is left of the budget."""
    made: list[int] = []

    def block(n: int, section: str, start: str, rest: str, summary: str | None) -> Block:
        return Block(
            section, f"{start}{rest}\n", None if summary is None else f"{start}{summary}\n", "knowledge", f"k{n}"
        )

    def maker(n: int, fields: tuple[str, str, str, str | None, bool]) -> Block:
        made.append(n)
        return block(n, *fields[:4])

    ready = [block(n, *fields[:4]) for n, fields in enumerate(pieces)]
    offered = [
        Deferred(fields[0], fields[1], lambda n=n, fields=fields: maker(n, fields), kind="knowledge", id=f"k{n}")
        if fields[4]
        else ready[n]
        for n, fields in enumerate(pieces)
    ]
    counted = fit(ready, budget, estimate_tokens, additive=True, at_least=estimate_at_least)
    deferred = fit(offered, budget, estimate_tokens, additive=True, at_least=estimate_at_least)
    assert deferred == counted
    for n, fields in enumerate(pieces):
        if fields[4] and n not in made:
            assert not deferred.manifest[n].included
    # Without a lower bound every block is made.
    made.clear()
    assert fit(offered, budget, estimate_tokens, additive=True) == fit(ready, budget, estimate_tokens, additive=True)
    assert made == [n for n, fields in enumerate(pieces) if fields[4]]


@settings(max_examples=400, deadline=None)
@given(text=texts)
def test_the_estimate_counts_a_token_per_started_four_characters_of_a_word_and_one_per_mark_or_line_break(
    text: str,
) -> None:
    pieces = re.findall(r"\w+|[^\w\s]|\n", text)
    expected = sum(
        1 if len(piece) == 1 else -(-len(piece) // 4) if piece.isascii() else -(-len(piece.encode()) // 3)
        for piece in pieces
    )
    assert estimate_tokens(text) == expected
    ascii_text = text.encode("ascii", "ignore").decode()
    assert estimate_tokens(ascii_text) == sum(
        -(-len(piece) // 4) for piece in re.findall(r"\w+|[^\w\s]|\n", ascii_text)
    )


@settings(max_examples=400, deadline=None)
@given(
    title=texts,
    body=texts,
    tags=st.lists(st.sampled_from(["api", "é", "db x"]), max_size=3),
    scope=st.sampled_from([None, "prj_1"]),
)
def test_a_knowledge_blocks_own_lower_bound_holds_for_its_text_and_its_summary(
    title: str, body: str, tags: list[str], scope: str | None
) -> None:
    entry = msgspec.structs.replace(knowledge_entry(1, title, body, tags), project_id=scope, kind="decision")
    deferred = service._deferred("relevant", entry, lambda: service._knowledge_block("relevant", entry))
    block = deferred.make()
    assert block.text.startswith(deferred.start)
    assert deferred.least is not None
    for text in (block.text, block.summary):
        if text is not None:
            assert text.startswith(deferred.start)
            assert deferred.least() <= estimate_at_least(text)
