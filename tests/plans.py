"""Building plans over the API, for the tests of the context and execution layers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from tests.conftest import query

Client = AsyncTestClient[object]
Json = dict[str, Any]


class PlanApi:
    """Creates projects, tracks, phases and steps through the API, asserting each answer is a success."""

    def __init__(self, client: Client) -> None:
        self.client = client

    async def _created(self, path: str, body: Json) -> Json:
        response = await self.client.post(path, json=body)
        assert response.status_code == 201, response.text
        created: Json = response.json()
        return created

    async def project(self, name: str = "Contextstack", **body: Any) -> Json:
        return await self._created("/api/projects", {"name": name, **body})

    async def track(self, project: str, name: str = "Track", **body: Any) -> Json:
        return await self._created(f"/api/projects/{project}/tracks", {"name": name, **body})

    async def phase(self, track: str, name: str = "Phase", **body: Any) -> Json:
        return await self._created(f"/api/tracks/{track}/phases", {"name": name, **body})

    async def step(self, phase: str, title: str = "Step", **body: Any) -> Json:
        return await self._created(f"/api/phases/{phase}/steps", {"title": title, **body})

    async def get(self, path: str, **params: Any) -> Json:
        response = await self.client.get(path, params=params)
        assert response.status_code == 200, response.text
        answer: Json = response.json()
        return answer

    async def set_status(self, step: str, status: str, **body: Any) -> Json:
        response = await self.client.post(f"/api/steps/{step}/status", json={"status": status, **body})
        assert response.status_code == 200, response.text
        changed: Json = response.json()
        return changed

    async def names(self, path: str, field: str = "name") -> list[str]:
        """The `field` of every item of a list, in order, after checking the positions run 0..n-1."""
        items = (await self.get(path, limit=500))["items"]
        assert [item["position"] for item in items] == list(range(len(items)))
        return [item[field] for item in items]


def events_of(db_path: Path | str, entity: object) -> list[tuple[str, str, str]]:
    """(type, actor, data) of an entity's events, read straight from the store."""
    return query(db_path, "SELECT type, actor, data FROM events WHERE entity_id = ? ORDER BY id", (entity,))


def row_counts(db_path: Path | str) -> dict[str, int]:
    """How many rows each plan table holds, read straight from the store."""
    return {
        table: query(db_path, f"SELECT count(*) FROM {table}")[0][0]
        for table in ("projects", "tracks", "phases", "steps", "step_dependencies", "events")
    }


def assert_problem(response: Any, status: int, field: str | None = None) -> Json:
    """The answer is problem+json with this status, naming `field` (a prefix of the first error's field)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: Json = response.json()
    assert problem["status"] == status
    if field is not None:
        fields = [error["field"] for error in problem.get("errors", [])]
        assert any(name.startswith(field) for name in fields), problem
    return problem
