"""Recall benchmark, words against hybrid retrieval: does the assembled context hold what answers the question?
On LoCoMo's long conversations, stored as knowledge (bench_recall.py measures words alone, as knowledge and as
conversations).

Run it as a script (figures are printed, nothing is asserted):

    .venv/bin/python tests/bench/bench_recall_hybrid.py                     # the five conversations in ../shared/locomo
    .venv/bin/python tests/bench/bench_recall_hybrid.py --data DIR --budget 2000

The data is LoCoMo (Maharana et al., "Evaluating Very Long-Term Conversational Memory of LLM Agents", ACL 2024):
read where it lies (`../shared/locomo/*.json` from the repository's root), never copied into the repository.
Each conversation becomes a project with one knowledge entry (a note) per turn: title `Turn D3:7`, body
`Speaker (date): text`, source the turn's id. Each answerable question
(categories 1-4) is asked for the project's context at the budget; a question counts as answered when the
manifest says that a turn of its evidence is included (whole or summarised). Printed: the share of questions
answered (per conversation and overall), the mean context tokens, and assembly's p50/p95 (the cache cleared
before each question, so every call reads and ranks).

With `--embeddings URL` (an OpenAI-compatible `/v1` root, e.g. tests/bench/embeddings_server.py serving
all-MiniLM-L6-v2), every turn is embedded first, by the daemon's own worker, and each question is asked twice,
by words alone (BM25) and hybrid (BM25 fused with meaning), the figures printed side by side. The hybrid
assembly's time includes the question's embedding, asked of the server once per question (no time limit, so
that the figure is the method's, not the server's speed):

    .venv/bin/python tests/bench/bench_recall_hybrid.py --embeddings http://127.0.0.1:9300/v1

`--mode conversations` stores each conversation's sessions as conversations instead (as bench_recall.py's mode of
that name does: one message per turn), and the daemon's worker embeds the messages: the figures are then of the
project's past messages, by words alone and fused with meaning.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "server"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_knowledge import index_built, machine, percentiles
from bench_recall import store_as_conversations

from contextstack.assembly.cache import ContextCache
from contextstack.assembly.service import assemble_context
from contextstack.conversations.relevance import PastMessages
from contextstack.conversations.store import MESSAGE_VECTORS
from contextstack.memory.embeddings import Embeddings
from contextstack.memory.meaning import Meaning
from contextstack.memory.models import KnowledgeBulkCreate, KnowledgeCreate
from contextstack.memory.service import create_knowledge_bulk
from contextstack.plan.models import ProjectCreate
from contextstack.plan.service import create_project
from contextstack.providers.models import Target
from contextstack.providers.service import Providers
from contextstack.settings import ProviderConfig, Settings
from contextstack.storage import Database, SQLiteDatabase

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


class Figures:
    """What one way of finding (words, hybrid) achieved over the questions."""

    def __init__(self) -> None:
        self.answered = self.asked = 0
        self.tokens: list[int] = []
        self.timings: list[float] = []

    def line(self, budget: int) -> str:
        share = 100 * self.answered / self.asked
        return (
            f"{self.answered}/{self.asked} = {share:.1f}% at a budget of {budget} tokens; mean context tokens "
            f"{sum(self.tokens) / len(self.tokens):.0f}; assembly {percentiles(self.timings)}"
        )


async def _ask(
    db: Database, cache: ContextCache, project: str, question: str, budget: int, evidence: set[str], figures: Figures
) -> bool:
    cache.clear()
    started = time.perf_counter()
    context = await assemble_context(db, cache, project, query=question, budget=budget)
    figures.timings.append((time.perf_counter() - started) * 1000)
    figures.tokens.append(context.tokens)
    included = {item.id for item in context.manifest if item.included}
    figures.asked += 1
    found = bool(evidence & included)
    figures.answered += found
    return found


async def _meaning(db: Database, url: str, model: str) -> tuple[Meaning, Providers]:
    providers = Providers(Settings(providers={"bench": ProviderConfig(base_url=url, read_timeout=600)}), {})
    await providers.open()
    embed = functools.partial(providers.embed, Target("bench", model))
    meaning = Meaning(db, Embeddings(f"bench/{model}", embed), batch=64, time_limit=600, tables=[MESSAGE_VECTORS])
    db.on_commit(meaning.on_commit)
    await meaning.open()
    return meaning, providers


async def _caught_up(meaning: Meaning) -> None:
    started = time.perf_counter()
    while True:
        status = meaning.status()
        if status.state == "idle" and status.waiting == 0:
            break
        if status.state == "failing":
            raise SystemExit(f"the embeddings server fails: {status.error}")
        await asyncio.sleep(0.2)
    seconds = time.perf_counter() - started
    print(
        f"embedded {status.embedded + status.messages_embedded} turns with {status.model} "
        f"({status.dimension} dimensions) in {seconds:.0f} s"
    )


async def bench(
    files: list[Path], budget: int, folder: Path, embeddings: str | None, model: str, mode: str = "knowledge"
) -> None:
    print(f"mode: {mode}; machine: {machine()}")
    db = SQLiteDatabase(folder / "recall.db")
    await db.open()
    past = PastMessages()
    cache = ContextCache(sources=[past] if mode == "conversations" else [])
    db.on_commit(cache.on_commit)
    meaning = providers = None
    if embeddings is not None and mode == "knowledge":
        meaning, providers = await _meaning(db, embeddings, model)
    words, hybrid = Figures(), Figures()
    try:
        loaded = []
        for path in files:
            data = json.loads(path.read_text())
            project = await create_project(db, ProjectCreate(name=f"LoCoMo {path.stem}"), "bench")
            if mode == "knowledge":
                items = turns(data, project.id)
                created = await create_knowledge_bulk(db, KnowledgeBulkCreate(items=items), "bench")
                await index_built(db)
                turn_ids = {item.source: entry_id for item, entry_id in zip(items, created, strict=True)}
            else:
                # Written by the store's functions, without events: the worker, started next, finds them.
                turn_ids = await store_as_conversations(db, data, project.id)
            loaded.append((path, data, project.id, len(turn_ids), turn_ids))
        if embeddings is not None and mode == "conversations":
            meaning, providers = await _meaning(db, embeddings, model)
            past.meaning = meaning
        if meaning is not None:
            await _caught_up(meaning)
        for path, data, project_id, count, turn_ids in loaded:
            by_words = by_both = total = 0
            for qa in data["qa"]:
                if qa.get("category") not in ANSWERABLE:
                    continue
                evidence = {turn_ids[turn] for turn in qa.get("evidence", []) if turn in turn_ids}
                total += 1
                cache.meaning = None
                by_words += await _ask(db, cache, project_id, qa["question"], budget, evidence, words)
                if meaning is not None:
                    cache.meaning = meaning
                    by_both += await _ask(db, cache, project_id, qa["question"], budget, evidence, hybrid)
            line = f"{path.name}: {count} turns, words {by_words}/{total} ({100 * by_words / total:.1f}%)"
            if meaning is not None:
                line += f", hybrid {by_both}/{total} ({100 * by_both / total:.1f}%)"
            print(line)
    finally:
        if meaning is not None:
            await meaning.close()
        if providers is not None:
            await providers.close()
        await db.close()
    print(f"words (BM25): {words.line(budget)}")
    if meaning is not None:
        print(f"hybrid (BM25 + {meaning.model}, reciprocal rank fusion): {hybrid.line(budget)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder of LoCoMo conversations (*.json)")
    parser.add_argument("--budget", type=int, default=2000)
    parser.add_argument("--embeddings", help="an OpenAI-compatible API root serving embeddings: adds hybrid figures")
    parser.add_argument("--embedding-model", default="all-minilm-l6-v2", help="the model name sent to it")
    parser.add_argument("--mode", choices=["knowledge", "conversations"], default="knowledge")
    args = parser.parse_args(argv)
    files = sorted(args.data.glob("*.json"))
    if not files:
        raise SystemExit(f"no LoCoMo conversations in {args.data}")
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(bench(files, args.budget, Path(folder), args.embeddings, args.embedding_model, args.mode))


if __name__ == "__main__":
    main()
