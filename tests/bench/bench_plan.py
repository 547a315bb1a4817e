"""How long the plan's reads and position changes take on a plan of 1,000 steps.

Run: `PYTHONPATH=server python tests/bench/bench_plan.py` (prints figures; asserts nothing) on a SQLite file in a
temporary folder, or `... bench_plan.py --db postgresql://me@/bench` on PostgreSQL (an empty database, made first).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from contextstack.execution.models import StatusChange
from contextstack.execution.service import change_status, get_status
from contextstack.plan import service as plan_service
from contextstack.plan import steps as step_service
from contextstack.plan.models import Move, PhaseCreate, ProjectCreate, StepCreate, TrackCreate
from contextstack.plan.service import create_project
from contextstack.storage import open_database

TRACKS, PHASES, STEPS = 10, 10, 10
ROUNDS = 50


async def timed(label: str, action: Callable[[], Awaitable[object]], rounds: int = ROUNDS) -> None:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await action()
        samples.append((time.perf_counter() - start) * 1000)
    print(
        f"{label:<44} median {statistics.median(samples):7.2f} ms   p95 {sorted(samples)[int(rounds * 0.95) - 1]:7.2f} ms"
    )


async def bench(location: str | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(location or str(Path(folder) / "bench.db"), readers=2)
        await db.open()
        print(f"store: {db.location} ({db.dialect}); load {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
        try:
            project = await create_project(db, ProjectCreate(name="bench"), "api")
            started = time.perf_counter()
            previous: str | None = None
            first_phase = ""
            for t in range(TRACKS):
                track = await plan_service.create_track(db, project.id, TrackCreate(name=f"t{t}"), "api")
                for p in range(PHASES):
                    phase = await plan_service.create_phase(db, track.id, PhaseCreate(name=f"p{p}"), "api")
                    first_phase = first_phase or phase.id
                    for s in range(STEPS):
                        body = StepCreate(
                            title=f"s{s}", instructions="do it " * 20, depends_on=[previous] if previous else []
                        )
                        step = await step_service.create_step(db, phase.id, body, "api")
                        if s % 3 == 0:
                            await change_status(db, step.id, StatusChange(status="done", force=True), "api")
                        previous = step.id
            total = TRACKS * PHASES * STEPS
            print(
                f"built {total} steps in {time.perf_counter() - started:.1f} s "
                f"({(time.perf_counter() - started) / total * 1000:.2f} ms per create incl. some status changes)"
            )
            big = await plan_service.create_phase(
                db, (await plan_service.list_tracks(db, project.id)).items[0].id, PhaseCreate(name="big"), "api"
            )
            mover = None
            for s in range(100):
                mover = await step_service.create_step(db, big.id, StepCreate(title=f"b{s}"), "api")
            assert mover is not None
            await timed("get_plan (1,100 steps)", lambda: plan_service.get_plan(db, project.id))
            await timed("get_status (1,100 steps)", lambda: get_status(db, project.id))
            positions = iter([0, 99] * ROUNDS)
            await timed(
                "move a step 0 <-> 99 in a 100-step phase",
                lambda: step_service.move_step(db, mover.id, Move(position=next(positions)), "api"),
            )
            await timed(
                "create a step at position 0 (100+ siblings)",
                lambda: step_service.create_step(db, big.id, StepCreate(title="x", position=0), "api"),
            )
        finally:
            await db.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="the store: a postgresql:// URL of an empty database (default: a SQLite file)")
    args = parser.parse_args(argv)
    asyncio.run(bench(args.db))


if __name__ == "__main__":
    main()
