"""A real `contextstack serve` process: build a small plan over HTTP, work through it, and ask where we are."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Daemon

pytestmark = pytest.mark.e2e


def test_a_plan_built_over_http_answers_where_am_i(daemon: Daemon) -> None:
    with httpx.Client(base_url=daemon.url, headers={"X-Contextstack-Actor": "user"}, timeout=10) as http:

        def post(path: str, body: dict[str, Any], status: int = 201) -> dict[str, Any]:
            response = http.post(path, json=body)
            assert response.status_code == status, response.text
            answer: dict[str, Any] = response.json()
            return answer

        post("/api/projects", {"name": "Launch", "slug": "launch"})
        track = post("/api/projects/launch/tracks", {"name": "Backend"})
        phase = post(f"/api/tracks/{track['id']}/phases", {"name": "Storage"})
        schema = post(f"/api/phases/{phase['id']}/steps", {"title": "Schema", "acceptance_criteria": ["migrates"]})
        api = post(f"/api/phases/{phase['id']}/steps", {"title": "API", "depends_on": [schema["id"]]})
        docs = post(f"/api/phases/{phase['id']}/steps", {"title": "Docs", "position": 0})

        refused = http.post(f"/api/steps/{api['id']}/status", json={"status": "in_progress"})
        assert refused.status_code == 409
        assert schema["id"] in refused.json()["detail"]
        post(f"/api/steps/{schema['id']}/status", {"status": "done"}, 200)
        post(f"/api/steps/{api['id']}/status", {"status": "in_progress"}, 200)
        post(f"/api/steps/{docs['id']}/status", {"status": "blocked", "reason": "waiting for the API"}, 200)

        status = http.get("/api/projects/launch/status").json()
        assert status["counts"]["percent_done"] == 33.3
        assert [step["title"] for step in status["in_progress"]] == ["API"]
        assert [(s["title"], s["blocked_reason"]) for s in status["blocked"]] == [("Docs", "waiting for the API")]
        assert status["next_steps"] == []
        assert [step["title"] for step in status["recently_done"]] == ["Schema"]
        assert status["tracks"][0]["phases"][0]["counts"]["total"] == 3

        plan = http.get("/api/projects/launch/plan").json()
        assert [step["title"] for step in plan["tracks"][0]["phases"][0]["steps"]] == ["Docs", "Schema", "API"]
