"""Every error reaches the client as RFC 9457 problem+json, never as a traceback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import msgspec
import pytest
from litestar import Litestar, get, post
from litestar.params import FromPath, JSONBody
from litestar.testing import AsyncTestClient

from contextstack.errors import Conflict, NotFound, PreconditionFailed
from contextstack.problems import EXCEPTION_HANDLERS


class Thing(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=10)]
    count: int = 0


@post("/things")
async def create_thing(data: JSONBody[Thing]) -> Thing:
    return data


@get("/boom")
async def boom() -> None:
    raise RuntimeError("secret internals: /home/user/.ssh")


@get("/domain/{kind:str}")
async def domain(kind: FromPath[str]) -> None:
    raise {"nf": NotFound("no project 'x'"), "cf": Conflict("slug taken"), "pf": PreconditionFailed("stale")}[kind]


@pytest.fixture
async def problem_client() -> AsyncIterator[AsyncTestClient[Litestar]]:
    app = Litestar([create_thing, boom, domain], exception_handlers=EXCEPTION_HANDLERS, logging_config=None)
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


def assert_problem(response: object, status: int) -> dict[str, object]:
    assert response.status_code == status  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == status
    assert "Traceback" not in str(body)
    return body


async def test_unknown_route_is_a_404_problem(client: AsyncTestClient[object]) -> None:
    body = assert_problem(await client.get("/no/such/route"), 404)
    assert "/no/such/route" in str(body["detail"])


async def test_wrong_method_is_a_405_problem(client: AsyncTestClient[object]) -> None:
    assert_problem(await client.delete("/health"), 405)


async def test_body_that_is_not_json_is_a_400(problem_client: AsyncTestClient[Litestar]) -> None:
    response = await problem_client.post("/things", content=b"{not json", headers={"content-type": "application/json"})
    assert_problem(response, 400)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "body.name"),
        ({"name": "x" * 11}, "body.name"),
        ({"name": 5}, "body.name"),
        ({}, "body"),
        ({"name": "ok", "count": "many"}, "body.count"),
        ({"name": "ok", "colour": "red"}, "body"),
    ],
)
async def test_invalid_body_names_the_field(
    problem_client: AsyncTestClient[Litestar], body: dict[str, object], field: str
) -> None:
    problem = assert_problem(await problem_client.post("/things", json=body), 400)
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert errors
    assert errors[0]["field"].startswith(field)
    assert errors[0]["message"]


async def test_unexpected_error_is_a_500_problem_without_internals(
    problem_client: AsyncTestClient[Litestar],
) -> None:
    body = assert_problem(await problem_client.get("/boom"), 500)
    assert ".ssh" not in str(body)


@pytest.mark.parametrize(("kind", "status"), [("nf", 404), ("cf", 409), ("pf", 412)])
async def test_domain_errors_map_to_their_status(
    problem_client: AsyncTestClient[Litestar], kind: str, status: int
) -> None:
    body = assert_problem(await problem_client.get(f"/domain/{kind}"), status)
    assert str(body["type"]).startswith("https://contextstack.dev/problems/")


@pytest.mark.parametrize("host", ["evil.example", "attacker.localhost.evil.com", "192.168.1.5:8765", ""])
async def test_foreign_host_header_is_refused(client: AsyncTestClient[object], host: str) -> None:
    assert_problem(await client.get("/health", headers={"host": host}), 403)


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "localhost", "[::1]:8765"])
async def test_loopback_host_header_is_accepted(client: AsyncTestClient[object], host: str) -> None:
    assert (await client.get("/health", headers={"host": host})).status_code == 200


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "http://127.0.0.1.evil.example", "http://localhost:3000"]
)
async def test_a_foreign_browser_origin_is_refused(client: AsyncTestClient[object], origin: str) -> None:
    assert_problem(await client.get("/health", headers={"origin": origin}), 403)


@pytest.mark.parametrize("origin", ["http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765"])
async def test_the_daemons_own_origin_is_accepted(client: AsyncTestClient[object], origin: str) -> None:
    assert (await client.get("/health", headers={"origin": origin})).status_code == 200
