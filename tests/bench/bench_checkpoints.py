"""Checkpoints of a project of 500 steps and 10,000 knowledge entries, with 50 entities changed between them.

Times a checkpoint, a diff against now and a restore; then the space of 100 checkpoints with a few entities
changed between each, against one.
Run: `PYTHONPATH=server python tests/bench/bench_checkpoints.py` (prints figures; asserts nothing).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from contextstack.checkpoints import service as checkpoints
from contextstack.checkpoints.models import CheckpointCreate
from contextstack.checkpoints.store import stored_bytes
from contextstack.memory.models import KnowledgeBulkCreate, KnowledgeCreate, KnowledgeUpdate
from contextstack.memory.service import create_knowledge_bulk, update_knowledge
from contextstack.plan import service as plan
from contextstack.plan import steps
from contextstack.plan.models import PhaseCreate, ProjectCreate, StepCreate, StepUpdate, TrackCreate
from contextstack.storage import Database, SQLiteDatabase

ACTOR = "api"
TRACKS, PHASES, STEPS_PER_PHASE = 5, 10, 10  # 500 steps
ENTRIES = 10_000
CHANGED = 50  # 25 steps retitled, 25 entries edited
FEW = 6  # for the space of 100 checkpoints: 3 steps and 3 entries
ROUNDS = 10
WORDS = "sqlite wal checkpoint restore diff burst agent model context plan step phase track memory".split()


def body(n: int) -> str:
    return " ".join(WORDS[(n * 7 + i) % len(WORDS)] for i in range(40))


async def build(db: Database) -> tuple[str, list[str], list[str]]:
    project = (await plan.create_project(db, ProjectCreate(name="bench"), ACTOR)).id
    step_ids: list[str] = []
    for t in range(TRACKS):
        track = await plan.create_track(db, project, TrackCreate(name=f"track {t}"), ACTOR)
        for p in range(PHASES):
            phase = await plan.create_phase(db, track.id, PhaseCreate(name=f"phase {t}.{p}"), ACTOR)
            for s in range(STEPS_PER_PHASE):
                step = StepCreate(title=f"step {t}.{p}.{s}", description=body(s), acceptance_criteria=["it works"])
                step_ids.append((await steps.create_step(db, phase.id, step, ACTOR)).id)
    entry_ids: list[str] = []
    for start in range(0, ENTRIES, 1000):
        items = [
            KnowledgeCreate(kind="note", title=f"entry {n}", body=body(n), tags=["bench"], project=project)
            for n in range(start, start + 1000)
        ]
        entry_ids += await create_knowledge_bulk(db, KnowledgeBulkCreate(items=items), ACTOR)
    return project, step_ids, entry_ids


async def change(db: Database, step_ids: list[str], entry_ids: list[str], round: int, count: int = CHANGED) -> None:
    for n in range(count // 2):
        step = step_ids[(round * 37 + n * 11) % len(step_ids)]
        await steps.update_step(db, step, StepUpdate(title=f"changed {round}.{n}"), ACTOR)
        entry = entry_ids[(round * 53 + n * 17) % len(entry_ids)]
        await update_knowledge(db, entry, KnowledgeUpdate(body=f"changed {round}.{n} {body(n)}"), ACTOR)


async def timed(action: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await action()
    return (time.perf_counter() - start) * 1000


def summary(label: str, samples: list[float]) -> None:
    print(f"{label:<40} median {statistics.median(samples):7.1f} ms   max {max(samples):7.1f} ms")


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = SQLiteDatabase(Path(folder) / "bench.db", readers=2)
        await db.open()
        try:
            project, step_ids, entry_ids = await build(db)
            first = await checkpoints.create_checkpoint(db, project, CheckpointCreate(label="first"), ACTOR)
            print(
                f"one checkpoint: {first.size / 1e6:.2f} MB of entity JSON, {await db.read(stored_bytes) / 1e6:.2f} MB stored"
            )
            takes, diffs, restores = [], [], []
            for round in range(ROUNDS):
                base = await checkpoints.create_checkpoint(db, project, CheckpointCreate(), ACTOR)
                await change(db, step_ids, entry_ids, round)
                takes.append(await timed(lambda: checkpoints.create_checkpoint(db, project, CheckpointCreate(), ACTOR)))
                diffs.append(await timed(lambda b=base: checkpoints.diff_checkpoint(db, b.id)))
                restores.append(await timed(lambda b=base: checkpoints.restore_checkpoint(db, b.id, ACTOR)))
            summary(f"checkpoint ({CHANGED} changed since the last)", takes)
            summary(f"diff against now ({CHANGED} changed)", diffs)
            summary(f"restore ({CHANGED} changed, with its checkpoint)", restores)
            listed = await checkpoints.list_checkpoints(db, project, limit=500)
            for item in listed.items:
                await checkpoints.delete_checkpoint(db, item.id, ACTOR)
            print(f"after deleting every checkpoint: {await db.read(stored_bytes)} bytes stored")
            await checkpoints.create_checkpoint(db, project, CheckpointCreate(), ACTOR)
            one = await db.read(stored_bytes)
            for round in range(99):
                await change(db, step_ids, entry_ids, 100 + round, FEW)
                await checkpoints.create_checkpoint(db, project, CheckpointCreate(), ACTOR)
            total = await db.read(stored_bytes)
            print(
                f"100 checkpoints, {FEW} entities changed between each: {total / 1e6:.2f} MB, "
                f"{total / one:.2f} times one checkpoint ({one / 1e6:.2f} MB)"
            )
        finally:
            await db.close()


if __name__ == "__main__":
    asyncio.run(main())
