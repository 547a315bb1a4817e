"""The assembled context: what goes in, in what order, within any budget, the same every time, fresh after changes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient

from contextstack.assembly.tokens import estimate_tokens

Client = AsyncTestClient[object]


async def post(client: Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code in (200, 201), response.text
    answer: dict[str, Any] = response.json()
    return answer


async def build_project(client: Client) -> dict[str, Any]:
    """A small project: a plan with a step in progress, one blocked, one next; pinned, plain and global knowledge."""
    project = await post(
        client,
        "/api/projects",
        {
            "name": "Contextstack",
            "slug": "ctx",
            "description": "A local-first daemon that keeps a person's context.",
            "instructions": "Write the test first. Keep modules small.",
        },
    )
    track = await post(client, f"/api/projects/{project['id']}/tracks", {"name": "Core"})
    phase = await post(client, f"/api/tracks/{track['id']}/phases", {"name": "Foundation"})
    steps = {}
    for title in ("Settings loader", "SQLite store", "Error mapping", "Release notes"):
        steps[title] = await post(
            client,
            f"/api/phases/{phase['id']}/steps",
            {"title": title, "instructions": f"How to do {title}.", "acceptance_criteria": [f"{title} is tested"]},
        )
    await post(client, f"/api/steps/{steps['Settings loader']['id']}/status", {"status": "in_progress"})
    await post(
        client, f"/api/steps/{steps['SQLite store']['id']}/status", {"status": "blocked", "reason": "waiting on review"}
    )
    knowledge = {
        "pinned": {"kind": "decision", "title": "Use SQLite", "body": "One file the user owns.", "pinned": True},
        "plain": {"kind": "convention", "title": "Errors are problem documents", "body": "RFC 9457 everywhere."},
        "recent": {"kind": "constraint", "title": "No network in tests", "body": "Fakes run on loopback."},
        "other": {"kind": "reference", "title": "Uvicorn tuning", "body": "httptools and uvloop are faster."},
    }
    for name, body in knowledge.items():
        knowledge[name] = await post(client, "/api/knowledge", {**body, "project": "ctx"})
    knowledge["global"] = await post(
        client, "/api/knowledge", {"kind": "decision", "title": "British spelling", "body": "Colour, not color."}
    )
    return {"project": project, "steps": steps, "knowledge": knowledge}


async def context(client: Client, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/projects/ctx/context", params={"format": "json", **params})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def position(document: str, text: str) -> int:
    assert text in document, f"{text!r} is not in the document"
    return document.index(text)


async def test_the_document_holds_the_project_its_state_and_its_knowledge(client: Client) -> None:
    await build_project(client)
    answer = await context(client)
    document = answer["document"]
    for text in (
        "# Contextstack",
        "A local-first daemon",
        "Write the test first.",
        "1 in progress, 1 blocked",
        "**Settings loader**",
        "How to do Settings loader.",
        "Settings loader is tested",
        "waiting on review",
        "**Error mapping**",
        "Use SQLite",
        "No network in tests",
        "British spelling",
    ):
        assert text in document
    assert answer["tokens"] == estimate_tokens(document) <= answer["budget"] == 4000
    assert answer["tokenizer"] == "estimate"
    assert sum(section["tokens"] for section in answer["sections"]) == answer["tokens"]


async def test_sections_come_in_order_pinned_before_relevant_before_recent(client: Client) -> None:
    await build_project(client)
    document = (await context(client, query="how should errors look?"))["document"]
    assert (
        position(document, "## In progress")
        < position(document, "## Blocked")
        < position(document, "## Next steps")
        < position(document, "## Pinned knowledge")
        < position(document, "## Relevant knowledge")
        < position(document, "## Recent decisions and constraints")
    )
    relevant = document[position(document, "## Relevant knowledge") :]
    assert "Errors are problem documents" in relevant.split("## Recent")[0]


async def test_a_query_pulls_in_the_entry_it_names(client: Client) -> None:
    await build_project(client)
    assert "Uvicorn tuning" not in (await context(client))["document"]
    assert "Uvicorn tuning" in (await context(client, query="tune uvicorn with httptools"))["document"]


async def test_a_tight_budget_drops_the_least_important_first(client: Client) -> None:
    await build_project(client)
    full = await context(client)
    tight = await context(client, budget=full["tokens"] - 15)
    assert tight["tokens"] <= full["tokens"] - 15
    kept = {item["title"]: item for item in tight["manifest"]}
    assert kept["Use SQLite"]["included"]
    assert kept["Settings loader"]["included"]
    assert not kept["No network in tests"]["included"] or kept["No network in tests"]["reason"] == "summarised"
    assert "# Contextstack" in tight["document"]


async def test_superseded_knowledge_is_left_out_and_says_why(client: Client) -> None:
    built = await build_project(client)
    old = built["knowledge"]["pinned"]
    await post(
        client,
        "/api/knowledge",
        {
            "kind": "decision",
            "title": "Use SQLite in WAL mode",
            "body": "Readers never wait.",
            "project": "ctx",
            "supersedes": old["id"],
            "pinned": True,
        },
    )
    answer = await context(client)
    assert "Use SQLite in WAL mode" in answer["document"]
    assert "One file the user owns." not in answer["document"]
    manifest = {item["id"]: item for item in answer["manifest"]}
    assert manifest[old["id"]] | {"included": False, "reason": "superseded"} == manifest[old["id"]]


@pytest.mark.parametrize("budget", [0, 1, 3, 5, 8, 13, 40, 100, 250, 1000, 1_000_000])
async def test_no_budget_is_ever_exceeded(client: Client, budget: int) -> None:
    await build_project(client)
    answer = await context(client, budget=budget)
    assert answer["tokens"] == estimate_tokens(answer["document"]) <= budget
    if budget >= 5:
        assert answer["document"].startswith("# Contextstack")


async def test_the_same_inputs_give_the_same_bytes(client: Client) -> None:
    await build_project(client)
    first = await client.get("/api/projects/ctx/context", params={"format": "markdown", "query": "errors"})
    second = await client.get("/api/projects/ctx/context", params={"format": "markdown", "query": "errors"})
    assert first.content == second.content
    assert first.headers["content-type"].startswith("text/markdown")
    assert first.headers["x-contextstack-context-tokens"] == str(estimate_tokens(first.text))


async def test_a_fresh_daemon_on_the_same_store_assembles_the_same_document(client: Client, settings: Any) -> None:
    from contextstack.app import create_asgi_app

    await build_project(client)
    before = (await context(client, query="errors", budget=300))["document"]
    async with AsyncTestClient(app=create_asgi_app(settings), base_url="http://127.0.0.1:8765") as other:
        response = await other.get("/api/projects/ctx/context", params={"query": "errors", "budget": 300})
        assert response.json()["document"] == before


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("step", "Settings loader** (Core / Foundation) — blocked: new reason"),
        ("knowledge", "Use SQLite, really"),
        ("global", "Oxford spelling"),
        ("project", "# Contextstack Two"),
    ],
)
async def test_a_change_is_seen_at_once_despite_the_cache(client: Client, change: str, expected: str) -> None:
    built = await build_project(client)
    assert expected not in (await context(client))["document"]
    assert expected not in (await context(client, query="release notes"))["document"]
    if change == "step":
        step = built["steps"]["Settings loader"]["id"]
        await post(client, f"/api/steps/{step}/status", {"status": "blocked", "reason": "new reason"})
    elif change == "knowledge":
        await client.patch(f"/api/knowledge/{built['knowledge']['pinned']['id']}", json={"title": "Use SQLite, really"})
    elif change == "global":
        await client.patch(f"/api/knowledge/{built['knowledge']['global']['id']}", json={"title": "Oxford spelling"})
    else:
        await client.patch("/api/projects/ctx", json={"name": "Contextstack Two"})
    assert expected in (await context(client))["document"]
    # A question not asked before reuses what the cache knows of the project only if nothing changed.
    assert expected in (await context(client, query="uvicorn tuning"))["document"]


async def test_an_unknown_project_is_a_404(client: Client) -> None:
    response = await client.get("/api/projects/nope/context")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"budget": -1}, "query.budget"),
        ({"budget": "lots"}, "query.budget"),
        ({"format": "pdf"}, "query.format"),
        ({"query": "x" * 4001}, "query.query"),
    ],
)
async def test_bad_parameters_are_a_400_naming_them(client: Client, params: dict[str, Any], field: str) -> None:
    await build_project(client)
    response = await client.get("/api/projects/ctx/context", params=params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(budget=st.integers(min_value=0, max_value=400), query=st.text(max_size=40))
async def test_any_budget_and_query_give_whole_words_within_the_budget(client: Client, budget: int, query: str) -> None:
    if (await client.get("/api/projects/ctx")).status_code == 404:
        await build_project(client)
    full = (await context(client, budget=1_000_000, query=query))["document"]
    answer = await context(client, budget=budget, query=query)
    assert answer["tokens"] <= budget
    words = set(re.findall(r"\S+", full)) | {"…"}
    assert set(re.findall(r"\S+", answer["document"])) <= words


async def test_ranking_in_memory_and_in_the_index_pick_the_same_entries(
    client: Client, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small project's entries are ranked in memory, a large one's by the FTS5 index: the same BM25, so the
    # same question gets the same document either way.
    from contextstack.app import create_asgi_app
    from contextstack.assembly import service

    await build_project(client)
    words = ["sqlite", "wal", "errors", "uvicorn", "tokens", "budget", "cache", "proxy", "stream", "Zürich"]
    for index in range(30):
        title = " ".join(words[(index * 3 + offset) % len(words)] for offset in range(2))
        body = " ".join(words[(index * 7 + offset) % len(words)] for offset in range(index % 5 + 1))
        await post(
            client, "/api/knowledge", {"kind": "note", "title": f"{title} {index}", "body": body, "project": "ctx"}
        )
    queries = ["how do errors stream through the proxy?", "sqlite wal cache", "zurich budget tokens", "uvicorn"]
    in_memory = [(await context(client, query=query, budget=800))["document"] for query in queries]
    monkeypatch.setattr(service, "RANKED_IN_MEMORY", 0)
    async with AsyncTestClient(app=create_asgi_app(settings), base_url="http://127.0.0.1:8765") as other:
        indexed = [(await context(other, query=query, budget=800))["document"] for query in queries]
    assert indexed == in_memory
    assert all("## Relevant knowledge" in document for document in in_memory)


@pytest.mark.parametrize("budget", [300, 3000])
async def test_the_relevant_section_takes_as_many_of_the_best_entries_as_the_budget_allows(
    client: Client, budget: int
) -> None:
    await post(client, "/api/projects", {"name": "Memory", "slug": "ctx"})
    items = [
        {
            "kind": "note",
            "title": f"Turn D1:{n}",
            "body": f"Melanie talked about painting number {n}.",
            "project": "ctx",
        }
        for n in range(60)
    ]
    await post(client, "/api/knowledge/bulk", {"items": items})
    answer = await context(client, query="What does Melanie paint?", budget=budget)
    relevant = [item for item in answer["manifest"] if item["section"] == "relevant"]
    included = [item for item in relevant if item["included"]]
    assert answer["tokens"] <= budget
    if budget == 3000:
        assert len(included) == 60  # no fixed count: the budget decides
    else:  # the rest did not fit: the best come first, and are what was kept
        assert 0 < len(included) < len(relevant)
        assert relevant[: len(included)] == included
