"""The MCP server at /mcp, driven by the SDK's own client over Streamable HTTP against a real daemon."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import mcp_types
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tests.conftest import SERVER_DIR, Daemon, start_daemon, stop_daemon
from tests.fakes.embeddings_upstream import FakeEmbeddings

pytestmark = pytest.mark.e2e

AGENT = mcp_types.Implementation(name="Test Agent", version="1.0")
TOOLS = {
    "get_context",
    "where_am_i",
    "search_knowledge",
    "record_knowledge",
    "supersede_knowledge",
    "create_track",
    "create_phase",
    "create_step",
    "set_step_status",
    "list_projects",
    "list_conversations",
    "read_conversation",
    "create_checkpoint",
    "list_checkpoints",
    "restore_checkpoint",
    "undo_ai_changes",
}
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "probe", "version": "1"}},
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def shared_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """One daemon for this module's tests: each works in a project of its own."""
    running = start_daemon(tmp_path_factory.mktemp("mcp-http"))
    yield running
    stop_daemon(running)


def rest(daemon: Daemon) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=daemon.url)


async def new_project(daemon: Daemon, slug: str) -> dict[str, Any]:
    async with rest(daemon) as api:
        response = await api.post("/api/projects", json={"name": slug.title(), "slug": slug})
    assert response.status_code in (201, 409), response.text
    answer: dict[str, Any] = response.json()
    return answer


def connect(daemon: Daemon, project: str | None = None) -> Client:
    url = f"{daemon.url}/mcp" + (f"?project={project}" if project else "")
    return Client(url, client_info=AGENT, cache=None)


def answer_of(result: mcp_types.CallToolResult) -> Any:
    assert not result.is_error, result.content
    block = result.content[0]
    assert isinstance(block, mcp_types.TextContent)
    return json.loads(block.text)


def error_of(result: mcp_types.CallToolResult) -> str:
    assert result.is_error, result.content
    block = result.content[0]
    assert isinstance(block, mcp_types.TextContent)
    return block.text


async def test_tools_are_listed_with_self_contained_schemas_named_as_the_rest_bodies(shared_daemon: Daemon) -> None:
    async with connect(shared_daemon) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    assert all("$ref" not in json.dumps(tool.input_schema) for tool in tools.values())
    step = tools["create_step"].input_schema
    assert {"phase_id", "title", "acceptance_criteria", "depends_on"} <= set(step["properties"])
    assert "actor" not in step["properties"]
    assert set(step["required"]) == {"phase_id", "title"}
    assert "supersedes" in tools["supersede_knowledge"].input_schema["required"]
    read_only = {name for name, tool in tools.items() if tool.annotations and tool.annotations.read_only_hint}
    assert read_only == {
        "get_context",
        "where_am_i",
        "search_knowledge",
        "list_projects",
        "list_conversations",
        "read_conversation",
        "list_checkpoints",
    }


async def test_each_projects_context_plan_and_status_are_listed_and_read(shared_daemon: Daemon) -> None:
    await new_project(shared_daemon, "resources")
    async with connect(shared_daemon) as client:
        listed = {str(resource.uri) for resource in (await client.list_resources()).resources}
        context = (await client.read_resource("contextstack://projects/resources/context")).contents[0]
        plan = (await client.read_resource("contextstack://projects/resources/plan")).contents[0]
    assert {f"contextstack://projects/resources/{aspect}" for aspect in ("context", "plan", "status")} <= listed
    assert isinstance(context, mcp_types.TextResourceContents)
    assert context.text.startswith("# Resources")
    assert isinstance(plan, mcp_types.TextResourceContents)
    assert json.loads(plan.text)["project"]["slug"] == "resources"


def over_stdio(daemon: Daemon, project: str) -> Client:
    """The SDK's client launching `contextstack mcp --url … --project …`, bridged to `daemon`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEXTSTACK_")}
    env["PYTHONPATH"] = str(SERVER_DIR)
    command = ["-m", "contextstack", "mcp", "--url", daemon.url, "--project", project]
    return Client(StdioServerParameters(command=sys.executable, args=command, env=env), client_info=AGENT, cache=None)


@pytest.mark.parametrize("transport", ["http", "stdio"])
async def test_every_tool_works_and_its_changes_are_the_clients_in_the_rest_api(
    shared_daemon: Daemon, transport: str
) -> None:
    slug = f"tools-{transport}"
    project = await new_project(shared_daemon, slug)
    async with rest(shared_daemon) as api:
        conversation = (await api.post("/api/conversations", json={"project": slug, "title": "Kickoff"})).json()
    client = connect(shared_daemon, project=slug) if transport == "http" else over_stdio(shared_daemon, slug)
    async with client:
        track = answer_of(await client.call_tool("create_track", {"name": "Backend"}))
        phase = answer_of(await client.call_tool("create_phase", {"track_id": track["id"], "name": "Storage"}))
        step = answer_of(
            await client.call_tool(
                "create_step",
                {"phase_id": phase["id"], "title": "Write the migration", "acceptance_criteria": ["tests pass"]},
            )
        )
        started = answer_of(await client.call_tool("set_step_status", {"step_id": step["id"], "status": "in_progress"}))
        decision = answer_of(
            await client.call_tool("record_knowledge", {"kind": "decision", "title": "Use SQLite", "body": "WAL mode."})
        )
        newer = answer_of(
            await client.call_tool(
                "supersede_knowledge",
                {
                    "supersedes": decision["id"],
                    "kind": "decision",
                    "title": "Use SQLite with WAL",
                    "body": "FULL sync.",
                },
            )
        )
        found = answer_of(await client.call_tool("search_knowledge", {"q": "sqlite wal", "match": "any"}))
        status = answer_of(await client.call_tool("where_am_i", {}))
        context = await client.call_tool("get_context", {"query": "migration"})
        projects = answer_of(await client.call_tool("list_projects", {}))
        conversations = answer_of(await client.call_tool("list_conversations", {}))
        read = answer_of(await client.call_tool("read_conversation", {"conversation_id": conversation["id"]}))

    assert started["status"] == "in_progress"
    assert decision["project_id"] == project["id"]
    assert newer["supersedes"] == decision["id"]
    assert [hit["entry"]["id"] for hit in found["items"]] == [newer["id"]]
    assert [s["id"] for s in status["in_progress"]] == [step["id"]]
    assert not context.is_error
    assert isinstance(context.content[0], mcp_types.TextContent)
    assert "Write the migration" in context.content[0].text
    assert slug in [p["slug"] for p in projects["items"]]
    assert [c["id"] for c in conversations["items"]] == [conversation["id"]]
    assert read["conversation"]["title"] == "Kickoff"

    async with rest(shared_daemon) as api:
        assert (await api.get(f"/api/steps/{step['id']}")).json()["status"] == "in_progress"
        activity = (await api.get(f"/api/projects/{slug}/activity", params={"limit": 100})).json()["items"]
    made_here = [
        event for event in activity if event["type"] != "project.created" and "conversation" not in event["type"]
    ]
    assert {"track.created", "phase.created", "step.created", "knowledge.created"} <= {e["type"] for e in made_here}
    assert {event["actor"] for event in made_here} == {"ai:Test-Agent"}


@pytest.mark.parametrize(
    ("tool", "arguments", "says"),
    [
        ("create_track", {"project": "bad-args", "name": ""}, "- name: Expected `str` of length >= 1"),
        ("create_track", {"project": "bad-args", "name": "x", "colour": "red"}, "colour"),
        ("create_track", {"name": "x"}, "- project: required"),
        ("create_track", {"project": "no-such-project", "name": "x"}, "no project"),
        ("create_track", {"project": "bad-args", "name": "x", "actor": "user"}, "- actor: set by the server"),
        ("set_step_status", {"step_id": "stp_nope", "status": "done"}, "stp_nope"),
        ("set_step_status", {"step_id": "stp_nope", "status": "finished"}, "- status:"),
        ("supersede_knowledge", {"kind": "note", "title": "t", "body": "b"}, "- supersedes: required"),
        ("get_context", {"project": "bad-args", "budget": -1}, "- budget:"),
        ("search_knowledge", {"q": "car", "mode": "vibes"}, "- mode:"),
        ("search_knowledge", {"q": "car", "mode": "meaning"}, "search by meaning needs embeddings"),
        ("no_such_tool", {}, "no tool 'no_such_tool'"),
    ],
)
async def test_a_bad_argument_gets_a_tool_error_that_names_it(
    shared_daemon: Daemon, tool: str, arguments: dict[str, Any], says: str
) -> None:
    await new_project(shared_daemon, "bad-args")
    async with connect(shared_daemon) as client:
        assert says in error_of(await client.call_tool(tool, arguments))
        assert not (await client.call_tool("list_projects", {})).is_error  # and the session goes on


async def test_search_knowledge_by_meaning_words_or_both(tmp_path: Path) -> None:
    with FakeEmbeddings() as fake:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[providers.emb]\nbase_url = "{fake.url}"\n\n[memory]\nembedding_model = "emb/embed"\n'
            "embedding_time_limit = 30\n"
        )
        daemon = start_daemon(tmp_path, env={"CONTEXTSTACK_CONFIG": str(config)})
        try:
            await new_project(daemon, "garage")
            async with connect(daemon, "garage") as client:
                car = answer_of(
                    await client.call_tool(
                        "record_knowledge",
                        {"kind": "note", "title": "Automobile upkeep", "body": "Change the oil of the sedan."},
                    )
                )
                answer_of(
                    await client.call_tool(
                        "record_knowledge", {"kind": "note", "title": "Office puppy", "body": "Fridays only."}
                    )
                )
                async with rest(daemon) as api:
                    for _ in range(600):
                        status = (await api.get("/health")).json()["embeddings"]
                        if status["state"] == "idle" and status["waiting"] == 0:
                            break
                        await asyncio.sleep(0.05)
                    assert status["embedded"] == 2, status
                words = answer_of(
                    await client.call_tool("search_knowledge", {"q": "car maintenance ", "mode": "words"})
                )
                meant = answer_of(
                    await client.call_tool("search_knowledge", {"q": "car maintenance ", "mode": "meaning"})
                )
                hybrid = answer_of(await client.call_tool("search_knowledge", {"q": "car maintenance "}))
        finally:
            stop_daemon(daemon)
    assert words["items"] == []
    assert [(hit["entry"]["id"], hit["found_by"]) for hit in meant["items"][:1]] == [(car["id"], ["meaning"])]
    assert [(hit["entry"]["id"], hit["found_by"]) for hit in hybrid["items"][:1]] == [(car["id"], ["meaning"])]


def test_a_foreign_origin_on_mcp_is_refused(shared_daemon: Daemon) -> None:
    refused = httpx.post(
        f"{shared_daemon.url}/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Origin": "https://evil.example"}
    )
    assert refused.status_code == 403
    assert "Origin" in refused.json()["detail"]


async def test_with_a_token_mcp_needs_it(tmp_path: Path) -> None:
    daemon = start_daemon(tmp_path, env={"CONTEXTSTACK_TOKEN": "s3cret"})
    try:
        async with rest(daemon) as api:
            assert (await api.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)).status_code == 401
        http = create_mcp_http_client(headers={"Authorization": "Bearer s3cret"})
        async with http, Client(streamable_http_client(f"{daemon.url}/mcp", http_client=http), cache=None) as client:
            assert answer_of(await client.call_tool("list_projects", {}))["items"] == []
    finally:
        stop_daemon(daemon)


@pytest.mark.parametrize("transport", ["http", "stdio"])
async def test_an_agents_changes_are_undone_and_a_checkpoint_puts_the_project_back(
    shared_daemon: Daemon, transport: str
) -> None:
    slug = f"undoable-{transport}"
    await new_project(shared_daemon, slug)
    async with rest(shared_daemon) as api:
        kept = (await api.post(f"/api/projects/{slug}/tracks", json={"name": "A person's track"})).json()
    client = connect(shared_daemon, project=slug) if transport == "http" else over_stdio(shared_daemon, slug)
    async with client:
        labelled = answer_of(await client.call_tool("create_checkpoint", {"label": "before the agent"}))
        answer_of(await client.call_tool("create_track", {"name": "The agent's track"}))
        answer_of(
            await client.call_tool("record_knowledge", {"kind": "decision", "title": "Agent's call", "body": "b"})
        )
        listed = answer_of(await client.call_tool("list_checkpoints", {}))
        undone = answer_of(await client.call_tool("undo_ai_changes", {}))
        async with rest(shared_daemon) as api:
            tracks = (await api.get(f"/api/projects/{slug}/tracks")).json()["items"]
            knowledge = (await api.get("/api/knowledge", params={"project": slug, "scope": "project"})).json()
        assert [track["id"] for track in tracks] == [kept["id"]]  # the agent's track went, the person's stayed
        assert knowledge["items"] == []
        assert labelled["id"] in [checkpoint["id"] for checkpoint in listed["items"]]
        assert undone["project"]["slug"] == slug

        async with rest(shared_daemon) as api:
            await api.post(f"/api/projects/{slug}/tracks", json={"name": "Another"})
        restored = answer_of(await client.call_tool("restore_checkpoint", {"checkpoint_id": labelled["id"]}))
    assert restored["checkpoint_before_restore"]
    async with rest(shared_daemon) as api:
        tracks = (await api.get(f"/api/projects/{slug}/tracks")).json()["items"]
    assert [track["id"] for track in tracks] == [kept["id"]]
