"""Writes under load: a real daemon, 500 clients, reads and writes mixed, and the same writers alone.

The mix, 500 closed-loop clients for 30 s each run (after a warm-up that is not counted):
- 400 readers (80 %), each request one of, at random: a project's status (`GET /api/projects/{p}/status`), its
  context for a question (`GET /api/projects/{p}/context?query=`) and a knowledge search
  (`GET /api/knowledge/search?q=`);
- 100 writers (20 %), each request one of, at random: a new step in one of the project's phases
  (`POST /api/phases/{id}/steps`) and a new knowledge entry in the project (`POST /api/knowledge`). Every write
  changes the project, so the next context is assembled afresh.
The baseline, *solo writes*, is the same 100 writers with no readers. Each client keeps one keep-alive
connection and sends its next request when its last is answered.

The daemon is a real `contextstack serve` process (uvloop, httptools, `synchronous=FULL`, log level warning) on
a free port over a fresh store; the clients run in other processes (aiohttp, uvloop). A refusal is a 429 or 503
answer or a connection the daemon refused or dropped; any other non-2xx answer counts as an error.

    python tests/bench/bench_load.py                          # this tree: solo writes, then the mix
    python tests/bench/bench_load.py --trees /work/wt-base,.  # two trees' daemons side by side, both orders

Prints figures; asserts nothing about timings.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if __name__ == "__main__":
    sys.path[:0] = [str(ROOT), str(ROOT / "server")]

import aiohttp  # noqa: E402
import httpx  # noqa: E402

from tests.conftest import free_port  # noqa: E402

READS = ("status", "context", "search")
WRITES = ("step", "knowledge")
WORDS = ["checkout", "catalogue", "cart", "payments", "search", "accounts", "emails", "admin", "stock", "tax"]
PHASES = 20
REFUSED = (429, 503)


@dataclass
class Tally:
    """What one class of request got in the measured window."""

    latencies: list[float] = field(default_factory=list)
    refused: int = 0
    errors: int = 0


@contextmanager
def daemon(tree: Path, workdir: Path, extra_env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """`contextstack serve` from `tree`'s server/ on a free port; its URL and process id."""
    port = free_port()
    config = workdir / "config.toml"
    config.write_text("")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CONTEXTSTACK_")},
        "PYTHONPATH": str(tree / "server"),
        "CONTEXTSTACK_CONFIG": str(config),
        **extra_env,
    }
    log = (workdir / "daemon.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "contextstack",
            "serve",
            "--port",
            str(port),
            "--db",
            str(workdir / "load.db"),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the daemon did not start: " + (workdir / "daemon.log").read_text())
            time.sleep(0.05)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def seed(url: str) -> list[str]:
    """A project with a page of instructions, 200 knowledge entries and 20 phases; the phases' ids."""
    with httpx.Client(base_url=url, timeout=30) as client:
        project = {
            "name": "Load",
            "slug": "load",
            "description": "A web shop: catalogue, cart, checkout and the admin screens around them. " * 4,
            "instructions": "Answer in British English. Prefer small, reviewed changes with tests. " * 6,
        }
        assert client.post("/api/projects", json=project).status_code == 201
        items = [
            {
                "kind": ("decision", "convention", "constraint", "note")[i % 4],
                "title": f"How {WORDS[i % 10]} works, part {i}",
                "body": f"The {WORDS[i % 10]} module keeps its state in SQLite and reports through events. " * 3,
                "project": "load",
            }
            for i in range(200)
        ]
        assert client.post("/api/knowledge/bulk", json={"items": items}).status_code == 201
        track = client.post("/api/projects/load/tracks", json={"name": "Release"}).json()["id"]
        phases = []
        for n in range(PHASES):
            phase = client.post(f"/api/tracks/{track}/phases", json={"name": f"Phase {n}"}).json()["id"]
            assert client.post(f"/api/phases/{phase}/steps", json={"title": "First step"}).status_code == 201
            phases.append(phase)
        return phases


def request_for(kind: str, rng: random.Random, phases: list[str], n: int) -> tuple[str, str, dict[str, object] | None]:
    word = rng.choice(WORDS)
    if kind == "status":
        return "GET", "/api/projects/load/status", None
    if kind == "context":
        return "GET", f"/api/projects/load/context?query=How+does+{word}+work&budget=2000", None
    if kind == "search":
        return "GET", f"/api/knowledge/search?q={word}&project=load&limit=10", None
    if kind == "step":
        return "POST", f"/api/phases/{rng.choice(phases)}/steps", {"title": f"Step {n} about {word}"}
    return (
        "POST",
        "/api/knowledge",
        {
            "kind": "note",
            "title": f"Note {n} on {word}",
            "body": f"What we found about {word}, case {n}.",
            "project": "load",
        },
    )


async def client_loop(
    session: aiohttp.ClientSession,
    url: str,
    kinds: tuple[str, ...],
    phases: list[str],
    start: float,
    end: float,
    tallies: dict[str, Tally],
    seed_value: int,
) -> None:
    rng = random.Random(seed_value)
    n = 0
    while (now := time.time()) < end:
        kind = rng.choice(kinds)
        method, path, body = request_for(kind, rng, phases, seed_value * 1_000_000 + n)
        n += 1
        began = time.perf_counter()
        try:
            async with session.request(method, url + path, json=body) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError):
            status = 503
        elapsed = time.perf_counter() - began
        if now < start:
            continue  # warm-up
        tally = tallies[kind]
        if status in REFUSED:
            tally.refused += 1
        elif status >= 300:
            tally.errors += 1
        else:
            tally.latencies.append(elapsed)


def worker(
    url: str,
    roles: list[tuple[tuple[str, ...], int]],
    phases: list[str],
    start: float,
    end: float,
    first_seed: int,
    out: multiprocessing.Queue,  # type: ignore[type-arg]
) -> None:
    """One load-generating process: its clients of each role, until `end` (wall clock)."""
    import uvloop

    async def main() -> dict[str, Tally]:
        tallies: dict[str, Tally] = defaultdict(Tally)
        connector = aiohttp.TCPConnector(limit=0, force_close=False)
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            tasks = []
            n = first_seed
            for kinds, count in roles:
                for _ in range(count):
                    tasks.append(client_loop(session, url, kinds, phases, start, end, tallies, n))
                    n += 1
            await asyncio.gather(*tasks)
        return dict(tallies)

    tallies = uvloop.run(main())
    out.put({kind: (t.latencies, t.refused, t.errors) for kind, t in tallies.items()})


def percentile(samples: list[float], fraction: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def run_load(
    url: str, phases: list[str], readers: int, writers: int, seconds: float, warmup: float, processes: int
) -> dict[str, Tally]:
    """`readers` and `writers` clients spread over `processes` generators; the tallies of the measured window."""
    start = time.time() + 2 + warmup  # 2 s for the generators to start
    end = start + seconds
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    generators = []
    for p in range(processes):
        share = [
            (READS, readers // processes + (p < readers % processes)),
            (WRITES, writers // processes + (p < writers % processes)),
        ]
        generator = context.Process(target=worker, args=(url, share, phases, start, end, p * 10_000, out))
        generator.start()
        generators.append(generator)
    results = [out.get(timeout=seconds + warmup + 120) for _ in generators]
    for generator in generators:
        generator.join()
    tallies: dict[str, Tally] = defaultdict(Tally)
    for result in results:
        for kind, (latencies, refused, errors) in result.items():
            tallies[kind].latencies.extend(latencies)
            tallies[kind].refused += refused
            tallies[kind].errors += errors
    return tallies


def summarise(label: str, tallies: dict[str, Tally], seconds: float) -> dict[str, float]:
    """Print a table of the run; the writes' and everything's figures."""
    print(f"  {label}")
    print(f"    {'class':<10} {'done':>7} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8} {'refused':>8} {'errors':>7}")
    groups = {"reads": READS, "writes": WRITES}
    figures: dict[str, float] = {}
    total = refused_all = 0
    for group, kinds in groups.items():
        rows = [(kind, tallies[kind]) for kind in kinds if kind in tallies]
        if not rows:
            continue
        for kind, tally in rows:
            print(
                f"    {kind:<10} {len(tally.latencies):>7} {len(tally.latencies) / seconds:>8.0f} "
                f"{percentile(tally.latencies, 0.5) * 1000:>8.1f} {percentile(tally.latencies, 0.99) * 1000:>8.1f} "
                f"{tally.refused:>8} {tally.errors:>7}"
            )
        merged = [x for _, tally in rows for x in tally.latencies]
        refused = sum(tally.refused for _, tally in rows)
        errors = sum(tally.errors for _, tally in rows)
        total += len(merged) + refused + errors
        refused_all += refused
        print(
            f"    {'= ' + group:<10} {len(merged):>7} {len(merged) / seconds:>8.0f} "
            f"{percentile(merged, 0.5) * 1000:>8.1f} {percentile(merged, 0.99) * 1000:>8.1f} {refused:>8} {errors:>7}"
        )
        figures[f"{group}_per_s"] = len(merged) / seconds
        figures[f"{group}_p50"] = percentile(merged, 0.5) * 1000
        figures[f"{group}_p99"] = percentile(merged, 0.99) * 1000
    figures["refused_share"] = refused_all / total if total else 0.0
    print(f"    refused: {refused_all} of {total} requests ({figures['refused_share']:.2%})")
    return figures


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_tree(tree: Path, args: argparse.Namespace) -> dict[str, float]:
    print(f"tree {tree} (load average {os.getloadavg()[0]:.2f})")
    figures: dict[str, float] = {}
    runs = (("solo writes", 0), ("mix", args.clients - args.clients // 5))
    for label, readers in (run for run in runs if args.only in (None, run[0])):
        writers = args.clients // 5
        with tempfile.TemporaryDirectory() as workdir, daemon(tree, Path(workdir), {}) as (url, pid):
            phases = seed(url)
            cpu = cpu_seconds(pid)
            tallies = run_load(url, phases, readers, writers, args.seconds, args.warmup, args.processes)
            busy = (cpu_seconds(pid) - cpu) / (args.seconds + args.warmup + 2)
            result = summarise(
                f"{label}: {readers} readers, {writers} writers, {args.seconds:.0f} s; daemon CPU {busy:.0%} of a core",
                tallies,
                args.seconds,
            )
        figures.update({f"{label}:{key}": value for key, value in result.items()})
    if args.only is not None:
        return figures
    solo, mixed = figures["solo writes:writes_per_s"], figures["mix:writes_per_s"]
    print(
        f"  writes with load: {mixed / solo:.0%} of solo throughput (target at least 50 %), p99 "
        f"{figures['mix:writes_p99']:.1f} ms (target under 100 ms), refused {figures['mix:refused_share']:.2%} "
        "(target at most 1 %)"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--trees", default=str(ROOT), help="comma-separated source trees; each runs, then again in reverse order"
    )
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--processes", type=int, default=2, help="load-generating processes")
    parser.add_argument("--only", choices=("solo writes", "mix"), help="one of the two runs")
    args = parser.parse_args()
    trees = [Path(tree).resolve() for tree in args.trees.split(",")]
    order = trees if len(trees) == 1 else trees + trees[::-1]
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()}")
    for tree in order:
        run_tree(tree, args)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
