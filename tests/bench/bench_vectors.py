"""Exact search by meaning: VectorIndex.nearest (numpy) beside the same comparison in the standard library alone.

Run it as a script (figures are printed, nothing is asserted):

    .venv/bin/python tests/bench/bench_vectors.py                  # 1,000, 10,000 and 100,000 vectors of 384
    .venv/bin/python tests/bench/bench_vectors.py --sizes 1000 --dimension 768

Random unit vectors, one question at a time, the 50 nearest asked for. The standard library's figure is a dot
product per vector of `array('f')` (`sum(map(operator.mul, …))`), the fastest plain-Python way found, then
`heapq.nlargest`; it is measured up to 10,000 vectors (past that a question takes seconds).
"""

from __future__ import annotations

import argparse
import array
import asyncio
import heapq
import operator
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "server"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_knowledge import machine, percentiles

from contextstack.memory.embeddings import normalised
from contextstack.memory.vectors import StoredVector, VectorIndex

LIMIT = 50


def unit(rng: random.Random, dimension: int) -> list[float]:
    return normalised([rng.gauss(0, 1) for _ in range(dimension)]).tolist()


async def bench(sizes: list[int], dimension: int, questions: int) -> None:
    print(f"machine: {machine()}")
    rng = random.Random(20)
    for size in sizes:
        rows = [unit(rng, dimension) for _ in range(size)]
        index = VectorIndex()
        index.add(StoredVector(seq, f"kno_{seq}", None, normalised(row)) for seq, row in enumerate(rows))
        asked = [unit(rng, dimension) for _ in range(questions)]
        timings = []
        for question in asked:
            vector = normalised(question)
            started = time.perf_counter()
            await index.nearest(vector, None, LIMIT)
            timings.append((time.perf_counter() - started) * 1000)
        line = f"{size:>7} vectors of {dimension}: numpy {percentiles(timings)}"
        if size <= 10_000:
            plain = [array.array("f", row) for row in rows]
            timings = []
            for question in asked[: max(3, questions // 10)]:
                q = array.array("f", question)
                started = time.perf_counter()
                scores = [sum(map(operator.mul, q, row)) for row in plain]
                heapq.nlargest(LIMIT, range(size), key=scores.__getitem__)
                timings.append((time.perf_counter() - started) * 1000)
            line += f"; standard library {percentiles(timings)}"
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--dimension", type=int, default=384)
    parser.add_argument("--questions", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(bench(args.sizes, args.dimension, args.questions))


if __name__ == "__main__":
    main()
