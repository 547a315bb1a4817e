"""Recall benchmark: does the assembled context hold what answers the question? On LoCoMo's long conversations.

Run it as a script (figures are printed, nothing is asserted):

    .venv/bin/python tests/bench/bench_recall.py                     # the five conversations in ../shared/locomo
    .venv/bin/python tests/bench/bench_recall.py --data DIR --budget 2000

The data is LoCoMo (Maharana et al., "Evaluating Very Long-Term Conversational Memory of LLM Agents", ACL 2024):
read where it lies (`../shared/locomo/*.json` from the repository's root), never copied into the repository.
Each conversation becomes a project with one knowledge entry (a note) per turn: title `Turn D3:7`, body
`Speaker (date): text`, source the turn's id. Each answerable question
(categories 1-4) is asked for the project's context at the budget; a question counts as answered when the
manifest says that a turn of its evidence is included (whole or summarised). Printed: the share of questions
answered (per conversation and overall), the mean context tokens, and assembly's p50/p95 (the cache cleared
before each question, so every call reads and ranks).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "server"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_knowledge import index_built, machine, percentiles

from contextstack.assembly.cache import ContextCache
from contextstack.assembly.service import assemble_context
from contextstack.memory.models import KnowledgeBulkCreate, KnowledgeCreate
from contextstack.memory.service import create_knowledge_bulk
from contextstack.plan.models import ProjectCreate
from contextstack.plan.service import create_project
from contextstack.storage import Database

# ../shared/locomo from the repository's root.
DATA = Path(__file__).resolve().parents[3] / "shared" / "locomo"
ANSWERABLE = {1, 2, 3, 4}


def turns(conversation: dict, project: str) -> list[KnowledgeCreate]:
    """One knowledge entry per turn of the conversation, in the order they were said."""
    entries = []
    sessions = sorted(
        (int(key.split("_")[1]), key)
        for key, value in conversation.items()
        if key.startswith("session_") and key.count("_") == 1 and isinstance(value, list)
    )
    for _, key in sessions:
        date = conversation.get(f"{key}_date_time", "")
        for turn in conversation[key]:
            entries.append(
                KnowledgeCreate(
                    kind="note",
                    title=f"Turn {turn['dia_id']}",
                    body=f"{turn['speaker']} ({date}): {turn['text']}",
                    source=turn["dia_id"],
                    project=project,
                )
            )
    return entries


async def bench(files: list[Path], budget: int, folder: Path) -> None:
    print(f"machine: {machine()}")
    db = Database(folder / "recall.db")
    await db.open()
    cache = ContextCache()
    db.on_commit(cache.on_commit)
    answered = asked = 0
    tokens: list[int] = []
    timings: list[float] = []
    try:
        for path in files:
            data = json.loads(path.read_text())
            project = await create_project(db, ProjectCreate(name=f"LoCoMo {path.stem}"), "bench")
            items = turns(data, project.id)
            created = await create_knowledge_bulk(db, KnowledgeBulkCreate(items=items), "bench")
            await index_built(db)
            turn_ids = {item.source: entry_id for item, entry_id in zip(items, created, strict=True)}
            hits = total = 0
            for qa in data["qa"]:
                if qa.get("category") not in ANSWERABLE:
                    continue
                evidence = {turn_ids[turn] for turn in qa.get("evidence", []) if turn in turn_ids}
                cache.clear()
                started = time.perf_counter()
                context = await assemble_context(db, cache, project.id, query=qa["question"], budget=budget)
                timings.append((time.perf_counter() - started) * 1000)
                tokens.append(context.tokens)
                included = {item.id for item in context.manifest if item.included}
                total += 1
                hits += bool(evidence & included)
            print(f"{path.name}: {len(items)} turns, {hits}/{total} questions answered ({100 * hits / total:.1f}%)")
            answered += hits
            asked += total
    finally:
        await db.close()
    print(f"answered: {answered}/{asked} = {100 * answered / asked:.1f}% at a budget of {budget} tokens")
    print(f"mean context tokens: {sum(tokens) / len(tokens):.0f}")
    print(f"assembly: {percentiles(timings)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder of LoCoMo conversations (*.json)")
    parser.add_argument("--budget", type=int, default=2000)
    args = parser.parse_args(argv)
    files = sorted(args.data.glob("*.json"))
    if not files:
        raise SystemExit(f"no LoCoMo conversations in {args.data}")
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(bench(files, args.budget, Path(folder)))


if __name__ == "__main__":
    main()
