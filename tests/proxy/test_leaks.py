"""A thousand streams whose clients go away mid-answer leave nothing behind in the daemon: no open file, no upstream
connection, no memory that keeps growing; and each one's upstream request was cancelled, not left generating.

Measured from outside, as an operator would: the `contextstack serve` process's /proc entries, and the fake
provider's own count of the connections open to it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Daemon, start_daemon, stop_daemon
from tests.fakes.openai_upstream import FakeOpenAI

KEY = "sk-fake-leak-key"
ABORTED = 1000
CLIENTS = 8
WARM_UP = 100
# Slack for what a process grows by on its own: allocator arenas, caches filled by the first requests.
RSS_GROWTH_ALLOWED_KB = 8 * 1024
FDS_GROWTH_ALLOWED = 4


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.fixture
def upstream() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(api_key=KEY, record=False) as fake:
        yield fake


@pytest.fixture
def proxying_daemon(tmp_path: Path, upstream: FakeOpenAI) -> Iterator[Daemon]:
    """A real `contextstack serve` whose one provider is the fake upstream."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'default_model = "fake/fake-small"\n[providers.fake]\nbase_url = "{upstream.url}"\napi_key = "{KEY}"\n'
    )
    running = start_daemon(tmp_path, env={"CONTEXTSTACK_CONFIG": str(config)})
    yield running
    stop_daemon(running)


def abort_streams(url: str, count: int) -> None:
    """`count` streamed chat requests, over CLIENTS connections at a time, each closed after its first bytes."""
    body = {"model": "fake/fake-small", "messages": [{"role": "user", "content": "Hi"}], "stream": True}
    body["fake_event_delay"] = 0.5  # the answer would take seconds: every client leaves long before its end
    left = iter(range(count))
    lock = threading.Lock()
    failures: list[str] = []

    def client() -> None:
        with httpx.Client(base_url=url, timeout=10) as http:
            while True:
                with lock:
                    if next(left, None) is None:
                        return
                with http.stream("POST", "/v1/chat/completions", json=body) as response:
                    if response.status_code != 200:
                        failures.append(f"{response.status_code} {response.read()[:200]!r}")
                        return
                    first = next(response.iter_bytes())
                    if not first.startswith(b"data: "):
                        failures.append(repr(first[:200]))
                # Closing a response read only in part closes its connection: the daemon sees its client go.

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def settled(daemon: Daemon, upstream: FakeOpenAI, files: int) -> tuple[int, int]:
    """The daemon's open files and the upstream's open connections once the last aborts are done with."""
    pid = daemon.process.pid
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if upstream.open_connections == 0 and open_files(pid) <= files + FDS_GROWTH_ALLOWED:
            break
        time.sleep(0.05)
    return open_files(pid), upstream.open_connections


def test_a_thousand_aborted_streams_leak_no_file_connection_or_memory(
    proxying_daemon: Daemon, upstream: FakeOpenAI
) -> None:
    daemon = proxying_daemon
    pid = daemon.process.pid
    abort_streams(daemon.url, WARM_UP)
    files_before, _ = settled(daemon, upstream, open_files(pid))
    rss_before = rss_kb(pid)
    disconnects_before = upstream.disconnects

    abort_streams(daemon.url, ABORTED)

    files_after, upstream_open = settled(daemon, upstream, files_before)
    rss_after = rss_kb(pid)
    assert upstream_open == 0, "every aborted stream's upstream connection was closed"
    assert files_after <= files_before + FDS_GROWTH_ALLOWED, (files_before, files_after)
    assert rss_after - rss_before <= RSS_GROWTH_ALLOWED_KB, (rss_before, rss_after)
    deadline = time.monotonic() + 10
    while upstream.disconnects - disconnects_before < ABORTED and time.monotonic() < deadline:
        time.sleep(0.05)
    assert upstream.disconnects - disconnects_before == ABORTED, "each upstream request was cancelled with its client"
    with httpx.Client(base_url=daemon.url, timeout=10) as http:
        assert http.get("/health").status_code == 200
        answer = http.post(
            "/v1/chat/completions", json={"model": "fake/fake-small", "messages": [{"role": "user", "content": "Hi"}]}
        )
        assert answer.status_code == 200, answer.text
    print(
        f"\n{ABORTED} aborted streams: open files {files_before} -> {files_after}, "
        f"RSS {rss_before} -> {rss_after} kB, upstream connections open {upstream_open}"
    )
