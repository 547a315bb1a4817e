"""Exporting a project: the lossless JSON document, and the AGENTS.md file coding agents read."""

from __future__ import annotations

from tests.plans import assert_problem
from tests.portability.sample import Client, build_project, export


async def test_json_export_holds_the_whole_project_in_order(client: Client) -> None:
    built = await build_project(client)
    document = await export(client, "ctx")
    assert document["format"] == "contextstack.project"
    assert document["format_version"] == 1
    assert document["project"] == built["project"]
    assert [track["name"] for track in document["tracks"]] == ["Docs", "Core"]
    assert [track["position"] for track in document["tracks"]] == [0, 1]
    core_steps = document["tracks"][1]["phases"][0]["steps"]
    assert [step["title"] for step in core_steps] == ["Settings loader", "SQLite store", "Error mapping"]
    assert [step["status"] for step in core_steps] == ["done", "in_progress", "blocked"]
    assert core_steps[0]["finished_at"] is not None
    assert core_steps[1]["started_at"] is not None
    assert core_steps[2]["blocked_reason"] == "waiting on review"
    assert core_steps[0]["acceptance_criteria"] == ["TOML < env < flags"]
    release = document["tracks"][0]["phases"][0]["steps"][0]
    assert release["depends_on"] == sorted([core_steps[0]["id"], core_steps[1]["id"]])
    assert set(release) == {
        "id", "title", "description", "instructions", "acceptance_criteria", "status", "blocked_reason",
        "depends_on", "position", "started_at", "finished_at", "version", "created_at", "updated_at",
    }  # fmt: skip


async def test_json_export_holds_the_projects_own_knowledge_with_its_links(client: Client) -> None:
    await build_project(client)
    knowledge = (await export(client, "ctx"))["knowledge"]
    assert [entry["title"] for entry in knowledge] == ["Use Postgres", "Use SQLite", "Errors are problem documents"]
    assert [entry["id"] for entry in knowledge] == sorted(entry["id"] for entry in knowledge)
    old, new = knowledge[0], knowledge[1]
    assert (old["superseded_by"], new["supersedes"]) == (new["id"], old["id"])
    assert (new["pinned"], new["tags"], new["source"]) == (True, ["storage"], "design review")
    assert old["version"] == 2
    assert "project_id" not in new


async def test_export_is_the_same_every_time(client: Client) -> None:
    await build_project(client)
    first = await client.get("/api/projects/ctx/export")
    again = await client.get("/api/projects/ctx/export")
    assert first.content == again.content
    assert first.headers["content-disposition"] == 'attachment; filename="ctx.contextstack.json"'


async def test_agents_md_tells_an_agent_where_things_stand(client: Client) -> None:
    await build_project(client)
    response = await client.get("/api/projects/ctx/export", params={"format": "agents-md"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/markdown")
    assert response.headers["content-disposition"] == 'attachment; filename="AGENTS.md"'
    text = response.text
    assert text.startswith("# Contextstack\n")
    assert "## Instructions\n\nWrite the test first. Keep modules small.\n" in text
    assert "### In progress\n\n- **SQLite store** (Core / Foundation)\n  Instructions: WAL mode.\n" in text
    assert "  - [ ] survives a crash\n" in text
    assert "- **Error mapping** (Core / Foundation) — blocked: waiting on review\n" in text
    assert "### Pinned\n\n- **Use SQLite** _(decision; tags: storage; source: design review)_\n" in text
    assert "### Conventions\n\n- **Errors are problem documents**\n  RFC 9457.\n" in text
    assert "Use Postgres" not in text  # superseded
    assert "British spelling" not in text  # global, not the project's own
    assert text.index("### Pinned") < text.index("### Conventions")
    again = await client.get("/api/projects/ctx/export", params={"format": "agents-md"})
    assert again.content == response.content


async def test_agents_md_of_an_empty_project_says_so(client: Client) -> None:
    await client.post("/api/projects", json={"name": "Empty"})
    text = (await client.get("/api/projects/empty/export", params={"format": "agents-md"})).text
    assert text.startswith("# Empty\n")
    assert "No steps planned yet." in text
    assert "## Knowledge" not in text


async def test_exporting_an_unknown_project_is_404(client: Client) -> None:
    for format in ("json", "agents-md"):
        response = await client.get("/api/projects/nope/export", params={"format": format})
        assert_problem(response, 404)


async def test_an_unknown_export_format_is_refused(client: Client) -> None:
    await build_project(client)
    response = await client.get("/api/projects/ctx/export", params={"format": "yaml"})
    assert_problem(response, 400, "query.format")
