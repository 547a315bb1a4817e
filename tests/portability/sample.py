"""A sample project built over the API, and exports compared up to the ids an import renews."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

Client = AsyncTestClient[object]
Json = dict[str, Any]

# What an import into a new project does not keep: the project's own identity, version and times.
PROJECT_RENEWED = ("id", "slug", "version", "created_at", "updated_at")


async def post(client: Client, path: str, body: Json) -> Json:
    response = await client.post(path, json=body)
    assert response.status_code in (200, 201), response.text
    answer: Json = response.json()
    return answer


async def export(client: Client, project: str) -> Json:
    response = await client.get(f"/api/projects/{project}/export", params={"format": "json"})
    assert response.status_code == 200, response.text
    answer: Json = response.json()
    return answer


async def build_project(client: Client) -> Json:
    """Two tracks; steps in progress, blocked, done and waiting; pinned, plain, superseded and global knowledge."""
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
    core = await post(client, "/api/projects/ctx/tracks", {"name": "Core"})
    docs = await post(client, "/api/projects/ctx/tracks", {"name": "Docs", "position": 0})
    phase = await post(client, f"/api/tracks/{core['id']}/phases", {"name": "Foundation"})
    writing = await post(client, f"/api/tracks/{docs['id']}/phases", {"name": "Writing"})
    store = await post(
        client,
        f"/api/phases/{phase['id']}/steps",
        {"title": "SQLite store", "instructions": "WAL mode.", "acceptance_criteria": ["survives a crash"]},
    )
    settings = await post(
        client,
        f"/api/phases/{phase['id']}/steps",
        {"title": "Settings loader", "acceptance_criteria": ["TOML < env < flags"], "position": 0},
    )
    errors = await post(client, f"/api/phases/{phase['id']}/steps", {"title": "Error mapping"})
    release = await post(
        client,
        f"/api/phases/{writing['id']}/steps",
        {"title": "Release notes", "depends_on": [store["id"], settings["id"]]},
    )
    await post(client, f"/api/steps/{settings['id']}/status", {"status": "done"})
    await post(client, f"/api/steps/{store['id']}/status", {"status": "in_progress"})
    await post(client, f"/api/steps/{errors['id']}/status", {"status": "blocked", "reason": "waiting on review"})
    old = await post(
        client, "/api/knowledge", {"kind": "decision", "title": "Use Postgres", "body": "A server.", "project": "ctx"}
    )
    await post(
        client,
        "/api/knowledge",
        {
            "kind": "decision",
            "title": "Use SQLite",
            "body": "One file the user owns.",
            "pinned": True,
            "tags": ["storage"],
            "source": "design review",
            "project": "ctx",
            "supersedes": old["id"],
        },
    )
    await post(
        client,
        "/api/knowledge",
        {"kind": "convention", "title": "Errors are problem documents", "body": "RFC 9457.", "project": "ctx"},
    )
    await post(client, "/api/knowledge", {"kind": "decision", "title": "British spelling", "body": "Colour."})
    return {"project": project, "steps": {"release": release, "store": store, "errors": errors}}


def normalised(document: Json) -> Json:
    """The export with every id replaced by its place of first appearance, and the project's renewed fields blanked."""
    names: dict[str, str] = {}

    def name(value: str | None) -> str | None:
        if value is None:
            return None
        return names.setdefault(value, f"#{len(names)}")

    tracks = []
    for track in document["tracks"]:
        phases = []
        for phase in track["phases"]:
            steps = [{**step, "id": name(step["id"])} for step in phase["steps"]]
            phases.append({**phase, "id": name(phase["id"]), "steps": steps})
        tracks.append({**track, "id": name(track["id"]), "phases": phases})
    knowledge = [{**entry, "id": name(entry["id"])} for entry in document["knowledge"]]
    for track in tracks:
        for phase in track["phases"]:
            for step in phase["steps"]:
                step["depends_on"] = [name(dependency) for dependency in step["depends_on"]]
    for entry in knowledge:
        entry["supersedes"], entry["superseded_by"] = name(entry["supersedes"]), name(entry["superseded_by"])
    project = {key: value for key, value in document["project"].items() if key not in PROJECT_RENEWED}
    return {**document, "project": project, "tracks": tracks, "knowledge": knowledge}
