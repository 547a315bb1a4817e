"""A proxied exchange leaves no reference cycle behind: what it made is freed as it ends, not left for the
garbage collector's full collections, each of which pauses every request in flight for as long as it walks
(docs/benchmarks.md, Proxy in bursts)."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator

import httpx
import pytest

from contextstack.proxy.exchange import _Watch

REQUESTS = 20


@pytest.fixture
def garbage_kept() -> Iterator[list[object]]:
    """What the collector finds unreachable from here on, kept (gc.DEBUG_SAVEALL) to be looked at."""
    gc.collect()
    gc.garbage.clear()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        yield gc.garbage
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def watches(found: list[object]) -> list[object]:
    return [item for item in found if isinstance(item, _Watch)]


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_proxied_exchanges_leave_no_cycle_for_the_collector(
    proxy: str, garbage_kept: list[object], stream: bool
) -> None:
    body = {"model": "fake/fake-small", "messages": [{"role": "user", "content": "Hello"}], "stream": stream}
    with httpx.Client(base_url=proxy, timeout=30) as client:
        for _ in range(REQUESTS):
            response = client.post("/v1/chat/completions", json=body)
            assert response.status_code == 200, response.text
        # Each exchange stops its watch once its answer has gone, a moment after the client has it: a last
        # request's watch may still be stopping, the others' have stopped.
        client.get("/health")
    time.sleep(0.2)
    gc.collect()
    assert watches(garbage_kept) == []
