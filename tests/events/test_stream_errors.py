"""GET /api/events refuses bad parameters with problem+json before any stream starts."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[object]


@pytest.mark.parametrize(
    ("params", "headers", "field"),
    [
        ({"since": -1}, {}, "query.since"),
        ({"since": "abc"}, {}, "query.since"),
        ({"since": 5}, {}, "query.since"),
        ({}, {"Last-Event-ID": "abc"}, "header.Last-Event-ID"),
        ({}, {"Last-Event-ID": "-3"}, "header.Last-Event-ID"),
        ({"since": 0}, {"Last-Event-ID": "5"}, "header.Last-Event-ID"),
        ({"types": "Project.Created"}, {}, "query.types"),
        ({"types": "project.*"}, {}, "query.types"),
        ({"types": ", ,"}, {}, "query.types"),
    ],
)
async def test_bad_stream_parameters_are_a_400_naming_the_parameter(
    client: Client, params: dict[str, object], headers: dict[str, str], field: str
) -> None:
    await client.post("/api/projects", json={"name": "Alpha"})  # event 1: ids above it are from the future
    response = await client.get("/api/events", params=params, headers=headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [error["field"] for error in response.json()["errors"]] == [field]


async def test_a_stream_of_an_unknown_project_is_a_404(client: Client) -> None:
    response = await client.get("/api/events", params={"project": "nope"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
