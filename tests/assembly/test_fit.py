"""Fitting blocks into a budget: the shortcuts it takes choose exactly what counting every block would."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from contextstack.assembly.document import Block, cut_to_words, fit
from contextstack.assembly.tokens import estimate_at_least, estimate_tokens

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
