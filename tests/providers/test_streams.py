"""Streams are relayed whole event by whole event, however the network happens to cut them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contextstack.providers.anthropic_response import sse_events
from contextstack.providers.errors import ProviderError
from contextstack.providers.models import Target
from contextstack.providers.upstream import whole_events

EVENT = st.builds(
    lambda name, data, crlf: (f"event: {name}\ndata: {data}\n\n" if name else f"data: {data}\n\n").replace(
        "\n", "\r\n" if crlf else "\n"
    ),
    st.sampled_from(["", "message_start", "content_block_delta"]),
    st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=30),
    st.booleans(),
)


async def chunked(data: bytes, cuts: list[int]) -> AsyncIterator[bytes]:
    start = 0
    for cut in sorted({min(c, len(data)) for c in cuts}):
        if cut > start:
            yield data[start:cut]
            start = cut
    if start < len(data):
        yield data[start:]


TARGET = Target("fake", "m")


@given(st.lists(EVENT, max_size=8), st.booleans(), st.lists(st.integers(min_value=0, max_value=400), max_size=10))
@settings(max_examples=100)
async def test_relayed_pieces_are_whole_events_and_lose_nothing(events: list[str], crlf: bool, cuts: list[int]) -> None:
    done = "data: [DONE]\r\n\r\n" if crlf else "data: [DONE]\n\n"
    data = ("".join(events) + done).encode()
    pieces = [piece async for piece in whole_events(TARGET, chunked(data, cuts))]
    assert b"".join(pieces) == data
    assert all(piece.endswith((b"\n\n", b"\r\n\r\n")) for piece in pieces)


@given(
    st.lists(EVENT, max_size=8),
    st.integers(min_value=0, max_value=40),
    st.lists(st.integers(min_value=0, max_value=400), max_size=10),
)
@settings(max_examples=100)
async def test_a_stream_cut_short_ends_with_an_error_after_its_whole_events(
    events: list[str], cut_into_done: int, cuts: list[int]
) -> None:
    data = ("".join(events) + "data: [DONE]\n\n").encode()
    data = data[: len(data) - 1 - cut_into_done]  # ends anywhere before the closing event is whole
    pieces: list[bytes] = []
    with pytest.raises(ProviderError) as ended:
        async for piece in whole_events(TARGET, chunked(data, cuts)):
            pieces.append(piece)
    assert ended.value.code == "upstream_stream_ended"
    assert all(piece.endswith((b"\n\n", b"\r\n\r\n")) for piece in pieces), "no half event is relayed"
    assert data.startswith(b"".join(pieces))


@given(st.lists(EVENT, min_size=1, max_size=8), st.lists(st.integers(min_value=0, max_value=400), max_size=10))
@settings(max_examples=100)
async def test_events_parse_the_same_however_the_bytes_are_cut(events: list[str], cuts: list[int]) -> None:
    data = "".join(events).encode()
    whole = [event async for event in sse_events(chunked(data, []))]
    assert [event async for event in sse_events(chunked(data, cuts))] == whole
    assert len(whole) == len(events)
