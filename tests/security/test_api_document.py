"""The API is what its document says: schemathesis sends every operation in openapi/openapi.json a bounded
number of generated requests against the daemon served over HTTP, and checks that none is a 5xx and that each
answer (status, content type, headers, body) conforms to the document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from contextstack.settings import Settings
from tests.conftest import serving

DOCUMENT = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
# The live event stream never ends by design, so a generated request to it would only wait for its timeout;
# its refusals are in test_bad_input.py, its answers in tests/events/.
schema = schemathesis.openapi.from_dict(json.loads(DOCUMENT.read_text())).exclude(operation_id="stream_events")

# What the document promises. Not "a schema-valid request is accepted": the services check more than a schema
# says (an event type's spelling, a step's dependencies), and answer that with a documented 400.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

SEEDED = "shop"

# Enough to reach each operation's error paths and a few of its happy ones, in a few seconds for the whole API.
EXAMPLES_PER_OPERATION = 6


@pytest.fixture(scope="module")
def daemon_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = tmp_path_factory.mktemp("schemathesis") / "contextstack.db"
    with serving(Settings(db=str(db), readers=2)) as url:
        with httpx.Client(base_url=url) as http:
            http.post("/api/projects", json={"name": "Shop", "slug": SEEDED}).raise_for_status()
            http.post(
                "/api/knowledge", json={"kind": "note", "title": "t", "body": "b", "project": SEEDED}
            ).raise_for_status()
        yield url


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_every_operation_answers_as_documented(case: Case, daemon_url: str) -> None:
    if case.method == "GET" and case.path_parameters and "project" in case.path_parameters:
        # A made-up project is a 404; reads of one that exists reach the answers themselves (JSON, markdown).
        case.path_parameters["project"] = SEEDED
    case.call_and_validate(base_url=daemon_url, checks=CHECKS, timeout=10)
