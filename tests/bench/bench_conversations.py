"""Conversations benchmark: listing and searching 10,000 conversations of 20 messages, through the service and HTTP.

Run it as a script (figures are printed, nothing is asserted):

    .venv/bin/python tests/bench/bench_conversations.py                       # 10,000 x 20 messages
    .venv/bin/python tests/bench/bench_conversations.py --conversations 1000  # a quicker look

or with `pytest tests/bench/bench_conversations.py -s`; `--store COPY --turns 0` measures listing and search on a
store filled before (two trees side by side on the same rows); `--db postgresql://me@/bench` fills an empty
PostgreSQL database (made first) and measures there, or measures again on one filled before. The store is filled through the conversations store's own
insert functions (the rows a turn writes, without calling a model), in transactions of 100 conversations. Message
text is synthetic and seeded: pseudo-words from a 30,000-word vocabulary with a Zipf distribution, 10-60 words a
message; titles of 3-8 words; the conversations spread over 10 projects and none. Each line is printed twice: wall
time, then the process's CPU time per call. The vocabulary's order depends on Python's string hashing: set
PYTHONHASHSEED (to 0, say) to compare two runs on the same words.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "server"))

import msgspec
from litestar.testing import AsyncTestClient

from contextstack.app import create_asgi_app
from contextstack.conversations import store
from contextstack.conversations.models import Conversation, Message, Usage
from contextstack.conversations.service import list_conversations, search_conversations
from contextstack.ids import new_id
from contextstack.plan.models import ProjectCreate
from contextstack.plan.service import create_project
from contextstack.settings import ProviderConfig, Settings
from contextstack.storage import Database, SQLiteDatabase, open_database

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.fakes.openai_upstream import FakeOpenAI

LETTERS = "etaoinshrdlcumwfgypbvkjxqz"


class Corpus:
    """Seeded Zipf-distributed pseudo-words."""

    def __init__(self, seed: int = 11, vocabulary: int = 30_000) -> None:
        self.random = random.Random(seed)
        words: set[str] = set()
        while len(words) < vocabulary:
            length = max(2, min(12, round(self.random.gauss(6.5, 2.2))))
            words.add("".join(self.random.choices(LETTERS, k=length)))
        self.words = sorted(words, key=lambda w: (len(w), self.random.random()))
        total, self.cumulative = 0.0, []
        for rank in range(len(self.words)):
            total += 1 / (rank + 2.7)
            self.cumulative.append(total)

    def text(self, low: int, high: int) -> str:
        return " ".join(self.random.choices(self.words, cum_weights=self.cumulative, k=self.random.randint(low, high)))


def percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return (
        f"n={len(ordered):4d}  p50 {at(0.50):6.2f}  p95 {at(0.95):6.2f}  p99 {at(0.99):6.2f}  "
        f"max {ordered[-1]:6.2f} ms  (mean {statistics.fmean(ordered):.2f})"
    )


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"load average {load}"
    )


def _message(conversation: Conversation, parent: str | None, n: int, text: str, at: str) -> Message:
    answer = n % 2 == 1
    return Message(
        id=new_id("msg"),
        conversation_id=conversation.id,
        parent_id=parent,
        role="assistant" if answer else "user",
        content=text,
        tool_calls=None,
        model="fake/fake-small" if answer else None,
        provider="fake" if answer else None,
        usage=Usage(400, 60, 460) if answer else None,
        latency_ms=900 if answer else None,
        finish_reason="stop" if answer else None,
        status="complete",
        error=None,
        context=None,
        version=1,
        created_at=at,
        updated_at=at,
    )


async def fill(db: Database, corpus: Corpus, conversations: int, messages: int) -> list[str]:
    projects = [(await create_project(db, ProjectCreate(name=f"Project {n}"), "api")).id for n in range(10)]
    scopes: list[str | None] = [None, *projects]
    started = time.perf_counter()
    for first in range(0, conversations, 100):
        async with db.transaction() as tx:
            for _ in range(min(100, conversations - first)):
                conversation = Conversation(
                    id=new_id("cnv"),
                    project_id=corpus.random.choice(scopes),
                    title=corpus.text(3, 8).capitalize(),
                    model=None,
                    leaf_id=None,
                    forked_from=None,
                    version=1,
                    created_at=tx.created_at,
                    updated_at=tx.created_at,
                )
                await store.insert_conversation(tx, conversation)
                parent = None
                for n in range(messages):
                    text = corpus.text(10, 60)
                    message = _message(conversation, parent, n, text, tx.created_at)
                    await store.insert_message(tx, message, n + 1, text)
                    parent = message.id
                await store.update_conversation(tx, msgspec.structs.replace(conversation, leaf_id=parent))
    elapsed = time.perf_counter() - started
    print(f"filled: {conversations:,} conversations x {messages} messages in {elapsed:.1f} s")
    return projects


async def measure(label: str, run: Callable[[str], Awaitable[object]], inputs: list[str]) -> None:
    """Wall time per call, and the process's CPU time per call (every thread's: reads run on reader threads),
    which other processes on a loaded machine do not inflate the way they do wall time."""
    for text in inputs[:20]:
        await run(text)
    samples, cpu = [], []
    for text in inputs:
        started, started_cpu = time.perf_counter(), time.process_time()
        await run(text)
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    print(f"  {label:50s} {percentiles(samples)}")
    print(f"  {'  CPU':50s} {percentiles(cpu)}")


async def indexed_words(db: Database) -> list[str]:
    """The words of 4 letters or more that a filled store's message index holds, the most frequent first."""
    if isinstance(db, SQLiteDatabase):
        with sqlite3.connect(db.path) as conn:
            conn.execute("CREATE VIRTUAL TABLE temp.vocabulary USING fts5vocab(main, messages_fts, row)")
            rows = conn.execute("SELECT term FROM temp.vocabulary WHERE length(term) >= 4 ORDER BY doc DESC, term")
            return [row[0] for row in rows]
    found = await db.fetchall(
        "SELECT word FROM ts_stat('SELECT search_vector FROM messages') WHERE length(word) >= 4 ORDER BY ndoc DESC, word"
    )
    return [row[0] for row in found]


async def store_size(db: Database) -> int:
    if isinstance(db, SQLiteDatabase):
        return Path(db.path).stat().st_size
    row = await db.fetchone("SELECT pg_database_size(current_database())")
    return int(row[0]) if row else 0


async def vacuum(url: str) -> None:
    """What autovacuum does to a PostgreSQL store filled a moment ago, in a while: its statistics gathered and the
    GIN indexes' pending entries merged (the planner prefers a sequential scan to a long pending list)."""
    import asyncpg

    started = time.perf_counter()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    print(f"VACUUM ANALYZE in {time.perf_counter() - started:.1f} s")


async def bench(conversations: int, messages: int, count: int, turns: int, location: str) -> None:
    print(machine())
    corpus = Corpus()
    db = open_database(location, readers=4)
    await db.open()  # upgraded in place if it is older
    print(f"store: {db.location} ({db.dialect})")
    if await db.fetchone("SELECT 1 FROM conversations LIMIT 1") is None:
        projects = await fill(db, corpus, conversations, messages)
        words = [w for w in corpus.words if len(w) >= 4]
        if not isinstance(db, SQLiteDatabase):
            await vacuum(location)
    else:
        rows = await db.fetchall("SELECT id FROM projects ORDER BY created_at, id")
        projects = [row[0] for row in rows]
        words = await indexed_words(db)
        print(f"store filled before: {len(words):,} words of 4 letters or more indexed")
    print(f"store: {await store_size(db) / 1e6:.0f} MB")
    rare = [corpus.random.choice(words[5000:]) for _ in range(count)]
    common = [corpus.random.choice(words[:200]) for _ in range(count)]
    prefixes = [corpus.random.choice(words[:3000])[:3] for _ in range(count)]
    two_words = [f"{corpus.random.choice(words[:3000])} {corpus.random.choice(words[:3000])[:3]}" for _ in range(count)]
    page = [str(n) for n in range(count)]
    cursor_of_page_5 = None
    for _ in range(5):
        cursor_of_page_5 = (await list_conversations(db, cursor=cursor_of_page_5, limit=50)).next_cursor
    print(f"service ({count} calls per line):")
    await measure("list, first page of 50", lambda _: list_conversations(db, limit=50), page)
    await measure("list, a project's first page", lambda _: list_conversations(db, project=projects[3]), page)
    await measure("list, page 6 (cursor)", lambda _: list_conversations(db, cursor=cursor_of_page_5), page)
    for label, texts in (("rare word", rare), ("common word", common), ("3-letter prefix", prefixes),
                         ("word + prefix", two_words)):  # fmt: skip
        await measure(f"search, {label}", lambda q: search_conversations(db, q), texts)
        await measure(
            f"search, {label}, in a project", lambda q: search_conversations(db, q, project=projects[3]), texts
        )
    # The default is any word (those with every word first); every word alone is what a search was before.
    await measure("search, word + prefix, match=all", lambda q: search_conversations(db, q, match="all"), two_words)
    await db.close()
    async with AsyncTestClient(
        app=create_asgi_app(Settings(db=location, readers=4)), base_url="http://127.0.0.1:8765"
    ) as client:

        async def over_http(path: str, **params: str) -> None:
            response = await client.get(path, params=params)
            assert response.status_code == 200, response.text

        print(f"HTTP, in-process ASGI client ({count} calls per line):")
        await measure("GET /api/conversations", lambda _: over_http("/api/conversations"), page)
        await measure(
            "GET /api/conversations?project=", lambda _: over_http("/api/conversations", project=projects[3]), page
        )
        await measure(
            "GET /api/conversations/search rare word", lambda q: over_http("/api/conversations/search", q=q), rare
        )
        await measure(
            "GET /api/conversations/search common word", lambda q: over_http("/api/conversations/search", q=q), common
        )
        await measure(
            "GET /api/conversations/search word + prefix",
            lambda q: over_http("/api/conversations/search", q=q),
            two_words,
        )
    if turns:
        print(f"turns to a fake OpenAI-compatible provider on 127.0.0.1 ({turns} of each kind):")
        await turn_overhead(location, projects[3], turns)


async def turn_overhead(location: str, project_id: str, turns: int) -> None:
    """A turn's own cost: its wall time through HTTP less the provider's time (the answer's `latency_ms`)."""
    with FakeOpenAI(record=False) as fake:
        settings = Settings(
            db=location,
            readers=4,
            default_model="fake/fake-small",
            providers={"fake": ProviderConfig(base_url=fake.url)},
        )
        async with AsyncTestClient(app=create_asgi_app(settings), base_url="http://127.0.0.1:8765") as client:
            for label, body in (("no project", {}), ("with the project's context", {"project": project_id})):
                conversation = (await client.post("/api/conversations", json=body)).json()["id"]
                for stream in (False, True):
                    own, provider = [], []
                    for n in range(turns):
                        started = time.perf_counter()
                        response = await client.post(
                            f"/api/conversations/{conversation}/messages",
                            json={"content": f"turn {n}: what did we decide?", "stream": stream},
                        )
                        wall = (time.perf_counter() - started) * 1000
                        assert response.status_code in (200, 201), response.text
                        leaf = (await client.get(f"/api/conversations/{conversation}")).json()["leaf_id"]
                        page = await client.get(f"/api/conversations/{conversation}/messages", params={"limit": 500})
                        latency = next(m["latency_ms"] for m in page.json()["items"] if m["id"] == leaf)
                        if n >= 5:
                            own.append(wall - latency)
                            provider.append(latency)
                    kind = "streamed" if stream else "whole"
                    print(f"  {kind} turn, {label}: own cost  {percentiles(own)}")
                    print(f"  {kind} turn, {label}: provider  {percentiles(provider)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--queries", type=int, default=300, help="calls per line")
    parser.add_argument("--turns", type=int, default=100, help="turns of each kind (0: none)")
    parser.add_argument(
        "--store",
        "--db",
        dest="store",
        help="the store to fill, or to measure again if it holds conversations: a SQLite path or the postgresql:// URL "
        "of an existing database (a filled one is upgraded in place, and turns add to it: give a copy); the query "
        "words of a store filled before are its indexed words by frequency (default: a temporary SQLite file)",
    )
    args = parser.parse_args(argv)
    if args.store:
        asyncio.run(bench(args.conversations, args.messages, args.queries, args.turns, args.store))
        return
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(bench(args.conversations, args.messages, args.queries, args.turns, str(Path(folder) / "bench.db")))


def test_bench_conversations() -> None:
    main([])


if __name__ == "__main__":
    main()
