"""Knowledge benchmark: bulk import of 100,000 entries, then search latency through the service and over HTTP.

Run it as a script (figures are printed, nothing is asserted):

    /work/venv/bin/python tests/bench/bench_knowledge.py                 # 100,000 entries, 10 x 10,000
    /work/venv/bin/python tests/bench/bench_knowledge.py --entries 20000 # a quicker look
    /work/venv/bin/python tests/bench/bench_knowledge.py --db postgresql://me@/bench  # on PostgreSQL (an empty
                                                                                      # database, made first)

or with `pytest tests/bench -s`. The corpus is synthetic and seeded: pseudo-words drawn from a 30,000-word
vocabulary with a Zipf (Mandelbrot) distribution, short words most frequent, as in natural language; a title of
4-10 words, a body of 20-80 words (a short paragraph), 1-3 tags; a quarter of the entries global, the rest spread
over 10 projects.
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

from litestar.testing import AsyncTestClient

from contextstack.app import create_app, create_asgi_app
from contextstack.memory.index import catch_up_fully
from contextstack.memory.models import KINDS, KnowledgeBulkCreate, KnowledgeCreate
from contextstack.memory.service import create_knowledge_bulk, search_knowledge
from contextstack.plan.models import ProjectCreate
from contextstack.plan.service import create_project
from contextstack.settings import Settings
from contextstack.storage import Database, SQLiteDatabase, open_database

LETTERS = "etaoinshrdlcumwfgypbvkjxqz"
LETTER_WEIGHTS = [12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8, 2.4, 2.4, 2.2, 2.0, 2.0, 1.9, 1.5,
                  1.0, 0.8, 0.2, 0.2, 0.1, 0.1]  # fmt: skip


class Corpus:
    """A seeded generator of knowledge text."""

    def __init__(self, seed: int = 7, vocabulary: int = 30_000) -> None:
        self.random = random.Random(seed)
        words: set[str] = set()
        while len(words) < vocabulary:
            length = max(2, min(12, round(self.random.gauss(6.5, 2.2))))
            words.add("".join(self.random.choices(LETTERS, LETTER_WEIGHTS, k=length)))
        ordered = sorted(words, key=lambda w: (len(w), self.random.random()))
        self.words = ordered
        self.cumulative = list(_accumulate([1 / (rank + 2.7) for rank in range(len(ordered))]))
        self.tags = [w for w in ordered[200:2000] if len(w) >= 4][:200]

    def text(self, low: int, high: int) -> str:
        count = self.random.randint(low, high)
        return " ".join(self.random.choices(self.words, cum_weights=self.cumulative, k=count))

    def entry(self, project: str | None) -> KnowledgeCreate:
        return KnowledgeCreate(
            kind=self.random.choice(KINDS),
            title=self.text(4, 10).capitalize(),
            body=self.text(20, 80) + ".",
            tags=self.random.sample(self.tags, self.random.randint(1, 3)),
            project=project,
        )


def _accumulate(values: list[float]) -> list[float]:
    total, out = 0.0, []
    for value in values:
        total += value
        out.append(total)
    return out


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


async def import_entries(db: Database, corpus: Corpus, entries: int, batch: int) -> list[str]:
    projects = [(await create_project(db, ProjectCreate(name=f"Project {n}"), "api")).id for n in range(10)]
    scopes: list[str | None] = [None, *projects[:3], None, *projects[3:6], None, *projects[6:], None]
    print(f"import: {entries:,} entries in batches of {batch:,} through create_knowledge_bulk")
    total = cpu = 0.0
    words = 0
    remaining = entries
    while remaining > 0:
        size = min(batch, remaining)
        items = [corpus.entry(scopes[corpus.random.randrange(len(scopes))]) for _ in range(size)]
        words += sum(len(i.title.split()) + len(i.body.split()) + len(i.tags) for i in items)
        started, cpu_started = time.perf_counter(), time.process_time()
        await create_knowledge_bulk(db, KnowledgeBulkCreate(items=items), "api")
        elapsed = time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        total += elapsed
        remaining -= size
        print(f"  batch of {size:,}: {elapsed:6.2f} s")
    print(
        f"import total: {total:.2f} s wall, {cpu:.2f} s CPU ({entries / total:,.0f} entries/s, {words / total:,.0f} words/s)"
    )
    return projects


async def store_size(db: Database) -> int:
    if isinstance(db, SQLiteDatabase):
        return Path(db.path).stat().st_size
    row = await db.fetchone("SELECT pg_database_size(current_database())")
    return int(row[0]) if row else 0


async def queries(db: Database, corpus: Corpus, count: int) -> dict[str, list[str]]:
    """Query sets drawn from the stored text: whole words (distinct, or weighted by how often they occur, which
    favours the most common words), and the keystrokes of typing a word (prefixes of 2+ letters)."""
    # The same sample on either backend: the entries of 2,000 keys drawn with the corpus's seed.
    keys = [row[0] for row in await db.fetchall("SELECT seq FROM knowledge ORDER BY seq")]
    sample = sorted(random.Random(11).sample(keys, min(2000, len(keys))))
    rows = await db.fetchall("SELECT seq, title, body FROM knowledge ORDER BY seq")
    chosen = set(sample)
    texts = [f"{row[1]} {row[2]}" for row in rows if row[0] in chosen]
    pick = corpus.random
    words = [w.strip(".").lower() for text in texts for w in text.split()]
    distinct = sorted(set(words))
    one = [pick.choice(words) + " " for _ in range(count)]
    two = [f"{pick.choice(words)} {pick.choice(words)} " for _ in range(count)]
    rare = [pick.choice(distinct) + " " for _ in range(count)]
    typing: list[str] = []
    while len(typing) < count:
        word = pick.choice([w for w in pick.choice(texts).lower().split() if len(w.strip(".")) >= 4]).strip(".")
        typing += [word[:n] for n in range(2, len(word) + 1)]
    after_word = [f"{pick.choice(words)} {pick.choice(words)[: pick.randint(2, 5)]}" for _ in range(count)]
    return {
        "one word, each vocabulary word alike": rare,
        "one word, as frequent as in the text": one,
        "two words, as frequent as in the text": two,
        "typing a word (prefix, 2+ letters)": typing[:count],
        "a word, then a prefix": after_word,
    }


async def index_built(db: Database) -> None:
    """Build the ranking index of the store (a daemon does it in the background after it opens the store)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    await catch_up_fully(db)
    print(
        f"ranking index built in {time.perf_counter() - started:.2f} s wall, "
        f"{time.process_time() - cpu_started:.2f} s CPU"
    )


async def measure(label: str, run: Callable[[str], Awaitable[object]], texts: list[str]) -> None:
    for text in texts[:20]:
        await run(text)
    samples = []
    for text in texts:
        started = time.perf_counter()
        await run(text)
        samples.append((time.perf_counter() - started) * 1000)
    print(f"  {label:52s} {percentiles(samples)}")


async def bench(entries: int, batch: int, count: int, location: str) -> None:
    print(f"machine: {machine()}")
    corpus = Corpus()
    db = open_database(location, readers=2)
    await db.open()
    print(f"store: {db.location} ({db.dialect})")
    try:
        if await db.fetchone("SELECT 1 FROM knowledge LIMIT 1"):
            projects = [row[0] for row in await db.fetchall("SELECT id FROM projects ORDER BY id")]
            print(f"import: skipped, searching the existing store {db.location}")
        else:
            projects = await import_entries(db, corpus, entries, batch)
        print(f"store size: {await store_size(db) / 1e6:,.0f} MB")
        await index_built(db)
        sets = await queries(db, corpus, count)
        print("search through search_knowledge(db, q, limit=20):")
        for name, texts in sets.items():
            await measure(name, lambda q: search_knowledge(db, q), texts)
            await measure(f"{name}, in a project", lambda q: search_knowledge(db, q, project_id=projects[0]), texts)
    finally:
        await db.close()
    settings = Settings(db=location, readers=2)
    app = create_app(settings)
    async with AsyncTestClient(app=create_asgi_app(settings, app), base_url="http://127.0.0.1:8765") as client:
        if app.state.runtime.db.dialect == "sqlite":
            await index_built(app.state.runtime.db)
        else:
            # The app runs on the test client's own event loop, where its PostgreSQL pool lives: the daemon's own
            # background catch-up builds the index there; searches meanwhile answer from the full-text fallback.
            deadline = time.perf_counter() + 10
            while time.perf_counter() < deadline:
                await client.get("/api/knowledge/search", params={"q": "warm"})

        async def over_http(q: str, **params: str) -> None:
            response = await client.get("/api/knowledge/search", params={"q": q, **params})
            assert response.status_code == 200, response.text

        async def health(_: str) -> None:
            assert (await client.get("/health")).status_code == 200

        print("HTTP floor: GET /health through the same client (the framework's own cost per request):")
        await measure("GET /health", health, sets["one word, each vocabulary word alike"])
        print("search through GET /api/knowledge/search (in-process ASGI client, limit=20):")
        for name, texts in sets.items():
            await measure(name, over_http, texts)
            await measure(f"{name}, in a project", lambda q: over_http(q, project=projects[0]), texts)
    print(f"machine after: {machine()}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300, help="queries per set")
    parser.add_argument(
        "--db",
        help="store to create, or to search again if it has entries: a SQLite path or a postgresql:// URL of an "
        "existing database (default: a temporary SQLite file)",
    )
    args = parser.parse_args(argv)
    if args.db:
        asyncio.run(bench(args.entries, args.batch, args.queries, args.db))
        return
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(bench(args.entries, args.batch, args.queries, str(Path(folder) / "bench.db")))


def test_bench_knowledge() -> None:
    main([])


if __name__ == "__main__":
    main()
