"""Recall benchmark: does the assembled context hold what answers the question? On LoCoMo's long conversations.

Run it as a script (figures are printed, nothing is asserted):

    .venv/bin/python tests/bench/bench_recall.py                     # the five conversations in ../shared/locomo
    .venv/bin/python tests/bench/bench_recall.py --data DIR --budget 2000 --mode conversations

The data is LoCoMo (Maharana et al., "Evaluating Very Long-Term Conversational Memory of LLM Agents", ACL 2024):
read where it lies (`../shared/locomo/*.json` from the repository's root), never copied into the repository.
Each conversation becomes a project, and its turns are stored in one of two ways (`--mode`, both by default, one
after the other):

- knowledge: one knowledge entry (a note) per turn: title `Turn D3:7`, body `Speaker (date): text`, source the
  turn's id;
- conversations: one conversation per session (title `Session 3`), one message per turn (content `Speaker:
  text`, the first speaker's turns as `user`, the other's as `assistant`, each dated at its session), written
  with the conversations store's own insert functions (the rows a turn writes, without calling a model); the
  project's past messages are what assembly ranks (conversations/relevance.py).

Each answerable question (categories 1-4) is asked for the project's context at the budget; a question counts as
answered when the manifest says that a turn of its evidence is included (whole or summarised). Printed: the
share of questions answered (per conversation and overall), the mean context tokens, and assembly's p50/p95 twice: with the cache
cleared before each question, so every call reads and ranks, and as a new question meets a project that has not
changed (the cached contexts cleared, the project's ground and pool of messages kept).
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

from datetime import datetime

import msgspec
from bench_knowledge import index_built, machine, percentiles

from contextstack.assembly.cache import ContextCache
from contextstack.assembly.service import assemble_context
from contextstack.conversations import store
from contextstack.conversations.models import Conversation, Message
from contextstack.conversations.relevance import POOLED_MESSAGES, PastMessages
from contextstack.ids import new_id
from contextstack.memory.models import KnowledgeBulkCreate, KnowledgeCreate
from contextstack.memory.service import create_knowledge_bulk
from contextstack.plan.models import ProjectCreate
from contextstack.plan.service import create_project
from contextstack.storage import Database, SQLiteDatabase

# ../shared/locomo from the repository's root.
DATA = Path(__file__).resolve().parents[3] / "shared" / "locomo"
ANSWERABLE = {1, 2, 3, 4}


def turns(conversation: dict, project: str) -> list[KnowledgeCreate]:
    """One knowledge entry per turn of the conversation, in the order they were said."""
    entries = []
    for _, key in _sessions(conversation):
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


def _sessions(conversation: dict) -> list[tuple[int, str]]:
    return sorted(
        (int(key.split("_")[1]), key)
        for key, value in conversation.items()
        if key.startswith("session_") and key.count("_") == 1 and isinstance(value, list)
    )


def _when(date: str) -> str:
    """A LoCoMo session's time (`1:56 pm on 8 May, 2023`) as the store's timestamps."""
    return datetime.strptime(date, "%I:%M %p on %d %B, %Y").strftime("%Y-%m-%dT%H:%M:00.000Z")


async def store_as_conversations(db: Database, conversation: dict, project_id: str) -> dict[str, str]:
    """One conversation per session, one message per turn; by turn id, the message's id."""
    first_speaker = conversation.get("speaker_a")
    ids: dict[str, str] = {}
    for number, key in _sessions(conversation):
        at = _when(conversation[f"{key}_date_time"])
        async with db.transaction() as tx:
            stored = Conversation(
                id=new_id("cnv"), project_id=project_id, title=f"Session {number}", model=None, leaf_id=None,
                forked_from=None, version=1, created_at=at, updated_at=at,
            )  # fmt: skip
            await store.insert_conversation(tx, stored)
            parent = None
            for depth, turn in enumerate(conversation[key], 1):
                text = f"{turn['speaker']}: {turn['text']}"
                message = Message(
                    id=new_id("msg"), conversation_id=stored.id, parent_id=parent,
                    role="user" if turn["speaker"] == first_speaker else "assistant", content=text,
                    tool_calls=None, model=None, provider=None, usage=None, latency_ms=None, finish_reason=None,
                    status="complete", error=None, context=None, version=1, created_at=at, updated_at=at,
                )  # fmt: skip
                await store.insert_message(tx, message, depth, text)
                parent = ids[turn["dia_id"]] = message.id
            await store.update_conversation(tx, msgspec.structs.replace(stored, leaf_id=parent))
    return ids


async def bench(files: list[Path], budget: int, folder: Path, mode: str, pooled: int) -> None:
    print(f"mode: {mode}; machine: {machine()}")
    db = SQLiteDatabase(folder / f"recall-{mode}.db")
    await db.open()
    cache = ContextCache(sources=[PastMessages(pooled)] if mode == "conversations" else [])
    db.on_commit(cache.on_commit)
    answered = asked = 0
    tokens: list[int] = []
    timings: list[float] = []
    warm: list[float] = []
    try:
        for path in files:
            data = json.loads(path.read_text())
            project = await create_project(db, ProjectCreate(name=f"LoCoMo {path.stem}"), "bench")
            if mode == "knowledge":
                items = turns(data, project.id)
                created = await create_knowledge_bulk(db, KnowledgeBulkCreate(items=items), "bench")
                await index_built(db)
                turn_ids = {item.source: entry_id for item, entry_id in zip(items, created, strict=True)}
            else:
                turn_ids = await store_as_conversations(db, data, project.id)
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
                cache.contexts.clear()
                started = time.perf_counter()
                await assemble_context(db, cache, project.id, query=qa["question"], budget=budget)
                warm.append((time.perf_counter() - started) * 1000)
                included = {item.id for item in context.manifest if item.included}
                total += 1
                hits += bool(evidence & included)
            print(f"{path.name}: {len(turn_ids)} turns, {hits}/{total} questions answered ({100 * hits / total:.1f}%)")
            answered += hits
            asked += total
    finally:
        await db.close()
    print(f"{mode}: answered {answered}/{asked} = {100 * answered / asked:.1f}% at a budget of {budget} tokens")
    print(f"{mode}: mean context tokens: {sum(tokens) / len(tokens):.0f}")
    print(f"{mode}: assembly, uncached:     {percentiles(timings)}")
    print(f"{mode}: assembly, new question: {percentiles(warm)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder of LoCoMo conversations (*.json)")
    parser.add_argument("--budget", type=int, default=2000)
    parser.add_argument("--mode", choices=["both", "knowledge", "conversations"], default="both")
    parser.add_argument(
        "--pooled", type=int, default=POOLED_MESSAGES, help="conversations: most messages ranked in memory (0: index)"
    )
    args = parser.parse_args(argv)
    files = sorted(args.data.glob("*.json"))
    if not files:
        raise SystemExit(f"no LoCoMo conversations in {args.data}")
    modes = ["knowledge", "conversations"] if args.mode == "both" else [args.mode]
    with tempfile.TemporaryDirectory() as folder:
        for mode in modes:
            asyncio.run(bench(files, args.budget, Path(folder), mode, args.pooled))


if __name__ == "__main__":
    main()
