"""Every operation the app documents can be used from the generated client: named, described, errors typed."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

from contextstack.cli import openapi_document

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
OPERATION_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# The OpenAI-compatible proxy answers errors in OpenAI's shape, as its clients expect.
PROXY_PATH = re.compile(r"^(/p/\{[^}]+\})?/v1/")
PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    decoded: dict[str, Any] = msgspec.json.decode(openapi_document())
    return decoded


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def test_every_operation_has_a_readable_unique_operation_id(document: dict[str, Any]) -> None:
    ids = {name: operation.get("operationId", "") for name, operation in operations(document)}
    unreadable = {name: op_id for name, op_id in ids.items() if not OPERATION_ID.match(op_id)}
    assert not unreadable, f"give these handlers operation_id='snake_case_name': {unreadable}"
    repeated = [op_id for op_id, count in Counter(ids.values()).items() if count > 1]
    assert not repeated, f"operation ids used more than once: {repeated}"


def test_every_operation_has_a_summary_and_a_tag(document: dict[str, Any]) -> None:
    missing = [
        name for name, operation in operations(document) if not operation.get("summary") or not operation.get("tags")
    ]
    assert not missing, f"give these handlers summary= and tags=[...]: {missing}"


def test_every_error_response_is_problem_json(document: dict[str, Any]) -> None:
    wrong = [
        f"{name} {status}"
        for name, operation in operations(document)
        if not PROXY_PATH.match(name.split(" ", 1)[1])
        for status, response in operation["responses"].items()
        if not status.startswith("2") and response.get("content") != PROBLEM_CONTENT
    ]
    assert not wrong, f"document these with responses=problems(...) from contextstack.problems: {wrong}"


def test_every_success_response_documents_its_body(document: dict[str, Any]) -> None:
    untyped = [
        f"{name} {status} {media_type}"
        for name, operation in operations(document)
        for status, response in operation["responses"].items()
        if status.startswith("2")
        for media_type, media in response.get("content", {}).items()
        if not media.get("schema")
    ]
    assert not untyped, (
        "these answers have no schema, so the client cannot type them: return a Struct, or set the handler's "
        f"media_type and response type (text/event-stream, text/markdown …): {untyped}"
    )


def _has_examples(schema: dict[str, Any], document: dict[str, Any], seen: frozenset[str] = frozenset()) -> bool:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if ref in seen:
            return False
        target = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
        return _has_examples(target, document, seen | {ref})
    if "examples" in schema or "example" in schema:
        return True
    nested: list[dict[str, Any]] = [
        *schema.get("properties", {}).values(),
        *schema.get("oneOf", []),
        *schema.get("anyOf", []),
        *schema.get("allOf", []),
        *([schema["items"]] if isinstance(schema.get("items"), dict) else []),
    ]
    return any(_has_examples(part, document, seen) for part in nested)


def test_every_request_body_shows_an_example(document: dict[str, Any]) -> None:
    bare = [
        name
        for name, operation in operations(document)
        for media in operation.get("requestBody", {}).get("content", {}).values()
        if not _has_examples(media.get("schema", {}), document)
    ]
    assert not bare, f"give a field of these bodies msgspec.Meta(examples=[...]): {bare}"


def test_no_response_has_made_up_examples() -> None:
    """A ResponseSpec generates random examples unless told not to, and the document then differs per machine."""
    from litestar.openapi.datastructures import ResponseSpec

    from contextstack.app import create_app
    from contextstack.settings import Settings

    app = create_app(Settings(db=":memory:"))
    generating = sorted(
        f"{handler.handler_name} {status}"
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        for status, spec in (handler.responses or {}).items()
        if isinstance(spec, ResponseSpec) and spec.generate_examples
    )
    assert not generating, f"give these ResponseSpecs generate_examples=False: {generating}"
