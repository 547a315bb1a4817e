"""Context-assembly benchmark: a project of 500 steps with 10,000 and then 100,000 knowledge entries in the store.

Run it as a script (figures are printed, nothing is asserted):

    /work/venv/bin/python tests/bench/bench_assembly.py                        # 10,000 then 100,000 entries
    /work/venv/bin/python tests/bench/bench_assembly.py --entries 10000        # the first size only
    /work/venv/bin/python tests/bench/bench_assembly.py --db postgresql://me@/bench  # on PostgreSQL (an empty
                                                                                  # database, made first)

For each size it times `assemble_context` with a different natural-language query each call (so the knowledge
search runs every time): uncached (the cache cleared before each call: everything is read), a new question
about the unchanged project right after (what the proxy meets in a conversation: the project's ground is
cached, the search runs), and cached (the same call repeated).
The plan: 5 tracks x 4 phases x 25 steps; a third done, 5 in progress, 5 blocked, chained dependencies in each
phase. Knowledge: the synthetic corpus of bench_knowledge.py, 1 in 50 entries pinned at most 20 in the project,
a quarter of the entries global, the rest spread over 10 projects (the benchmarked one among them).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "server"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_knowledge import Corpus, index_built, machine, percentiles

from contextstack.assembly.cache import ContextCache
from contextstack.assembly.service import assemble_context
from contextstack.execution.models import StatusChange
from contextstack.execution.service import change_status
from contextstack.memory.models import KnowledgeBulkCreate
from contextstack.memory.service import create_knowledge_bulk
from contextstack.plan.models import PhaseCreate, ProjectCreate, StepCreate, TrackCreate
from contextstack.plan.service import create_phase, create_project, create_track
from contextstack.plan.steps import create_step
from contextstack.storage import Database, open_database


async def build_plan(db: Database, corpus: Corpus, project: str) -> None:
    statuses = ["done"] * 167 + ["in_progress"] * 5 + ["blocked"] * 5
    n = 0
    for t in range(5):
        track = await create_track(db, project, TrackCreate(name=f"Track {t}"), "api")
        for p in range(4):
            phase = await create_phase(db, track.id, PhaseCreate(name=f"Phase {t}.{p}"), "api")
            previous: list[str] = []
            for _ in range(25):
                step = await create_step(
                    db,
                    phase.id,
                    StepCreate(
                        title=corpus.text(3, 8).capitalize(),
                        description=corpus.text(10, 40),
                        instructions=corpus.text(10, 30),
                        acceptance_criteria=[corpus.text(4, 10) for _ in range(3)],
                        depends_on=previous[-1:],
                    ),
                    "api",
                )
                previous.append(step.id)
                if n < len(statuses):
                    reason = "waiting on review" if statuses[n] == "blocked" else None
                    await change_status(db, step.id, StatusChange(status=statuses[n], reason=reason, force=True), "api")  # type: ignore[arg-type]
                n += 1


async def add_knowledge(db: Database, corpus: Corpus, projects: list[str], entries: int) -> None:
    scopes: list[str | None] = [None, *projects[:3], None, *projects[3:6], None, *projects[6:], None]
    remaining = entries
    while remaining > 0:
        size = min(10_000, remaining)
        items = []
        for _ in range(size):
            item = corpus.entry(scopes[corpus.random.randrange(len(scopes))])
            if corpus.random.random() < 0.002:
                item = type(item)(**{**{f: getattr(item, f) for f in item.__struct_fields__}, "pinned": True})
            items.append(item)
        await create_knowledge_bulk(db, KnowledgeBulkCreate(items=items), "api")
        remaining -= size


async def measure(db: Database, project: str, corpus: Corpus, rounds: int) -> None:
    cache = ContextCache()
    db.on_commit(cache.on_commit)
    queries = [
        (f"how should we handle {corpus.text(2, 5)}?", f"what about {corpus.text(2, 5)}?") for _ in range(rounds)
    ]
    uncached, new_question, cached = [], [], []
    cpu: dict[str, list[float]] = {"uncached": [], "new question": [], "cached": []}
    tokens = 0

    async def timed(kind: str, times: list[float], query: str) -> int:
        started, used = time.perf_counter(), time.process_time()
        context = await assemble_context(db, cache, project, query=query, budget=4000)
        times.append((time.perf_counter() - started) * 1000)
        cpu[kind].append((time.process_time() - used) * 1000)
        return context.tokens

    for first, second in queries:
        cache.clear()
        tokens = await timed("uncached", uncached, first)
        await timed("new question", new_question, second)
        await timed("cached", cached, second)
    print(f"  uncached:     {percentiles(uncached)}")
    print(f"  new question: {percentiles(new_question)}")
    print(f"  cached:       {percentiles(cached)}")
    # Process CPU time of the same calls: what the call itself cost, apart from waiting for a shared machine.
    for kind, samples in cpu.items():
        print(f"  {kind + ' CPU:':18s}{percentiles(samples)}")
    print(f"  (document of {tokens} tokens, budget 4000)")


async def bench(sizes: list[int], rounds: int, folder: Path, location: str | None = None) -> None:
    print(machine())
    db = open_database(location or str(folder / "bench.db"))
    await db.open()
    print(f"store: {db.location} ({db.dialect})")
    try:
        corpus = Corpus()
        projects = [(await create_project(db, ProjectCreate(name=f"Project {n}"), "api")).id for n in range(10)]
        started = time.perf_counter()
        await build_plan(db, corpus, projects[0])
        print(f"plan of 500 steps built in {time.perf_counter() - started:.1f} s")
        have = 0
        for size in sizes:
            started = time.perf_counter()
            await add_knowledge(db, corpus, projects, size - have)
            have = size
            print(f"{size:,} knowledge entries in the store (added in {time.perf_counter() - started:.1f} s)")
            await index_built(db)
            await measure(db, projects[0], corpus, rounds)
    finally:
        await db.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--db", help="the store: a postgresql:// URL of an empty database (default: a SQLite file)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(bench(args.entries, args.rounds, Path(folder), args.db))


def test_bench_assembly() -> None:
    main(["--entries", "10000", "--rounds", "100"])


if __name__ == "__main__":
    main()
