"""A request that names a project reaches the model with the project's whole context in a system message, every
turn, when `inject` is `prepend` or `append` (test_delta.py has the default, `delta`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import openai
import pytest

from contextstack.assembly.cache import ContextCache
from contextstack.assembly.service import assemble_context
from contextstack.settings import ProjectProxyConfig, Settings
from contextstack.storage import open_database
from tests.conftest import serving
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.openai_upstream import FakeOpenAI

QUESTION = "Which framework do we build the site with?"
HELLO = [{"role": "user", "content": QUESTION}]


def create_project(proxy: str, slug: str = "website") -> dict[str, Any]:
    response = httpx.post(
        proxy + "/api/projects",
        json={
            "name": "Website relaunch",
            "slug": slug,
            "description": "Relaunch the marketing site.",
            "instructions": "Always answer in British English.",
        },
    )
    assert response.status_code == 201, response.text
    project: dict[str, Any] = response.json()
    return project


def chat(proxy: str, headers: dict[str, Any] | None = None, path: str = "/v1", **body: Any) -> httpx.Response:
    payload = {"model": "fake/fake-small", "messages": HELLO, **body}
    return httpx.post(proxy + path + "/chat/completions", json=payload, headers=headers or {}, timeout=10)


async def context_document(settings: Settings, project: str, budget: int | None = None) -> str:
    """The document the assembly layer makes of the project for QUESTION, to compare with what the model got."""
    db = open_database(settings.db, readers=1)
    await db.open()
    try:
        context = await assemble_context(
            db, ContextCache(), project, query=QUESTION, budget=budget or settings.context_budget
        )
    finally:
        await db.close()
    return context.document


def record_decision(proxy: str, project: str = "website") -> None:
    decision = {
        "kind": "decision",
        "title": "Build the site with Astro",
        "body": "Astro 5, static output.",
        "project": project,
    }
    response = httpx.post(proxy + "/api/knowledge", json=decision)
    assert response.status_code == 201, response.text


@pytest.fixture
def proxy_settings(proxy_settings: Settings) -> Settings:
    """The whole context every turn, a system message first."""
    return msgspec.structs.replace(proxy_settings, inject="prepend")


@pytest.fixture
def project(proxy: str) -> dict[str, Any]:
    created = create_project(proxy)
    record_decision(proxy)
    return created


def test_the_context_becomes_a_system_message_before_the_clients_own(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    messages = [{"role": "system", "content": "Be brief."}, *HELLO]
    response = chat(proxy, {"X-Contextstack-Project": "website"}, messages=messages)
    assert response.status_code == 200, response.text
    sent = fake_openai.last.json()["messages"]
    assert sent[1:] == messages
    assert sent[0]["role"] == "system"
    assert "Website relaunch" in sent[0]["content"]
    assert "British English" in sent[0]["content"]
    assert "Build the site with Astro" in sent[0]["content"]
    assert response.headers["x-contextstack-project"] == "website"
    assert int(response.headers["x-contextstack-context-tokens"]) > 0
    assert response.headers["x-contextstack-model"] == "fake/fake-small"


async def test_the_injected_document_is_the_projects_assembled_context_for_the_last_user_message(
    proxy_settings: Settings, proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    earlier = [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi."}]
    chat(proxy, {"X-Contextstack-Project": project["id"]}, messages=[*earlier, *HELLO])
    assert fake_openai.last.json()["messages"][0]["content"] == await context_document(proxy_settings, "website")


def test_the_project_can_be_named_in_the_base_url(proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI) -> None:
    client = openai.OpenAI(base_url=proxy + "/p/website/v1", api_key="unused", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="fake/fake-small", messages=HELLO)
    assert raw.parse().choices[0].message.content
    assert raw.headers["x-contextstack-project"] == "website"
    assert "Website relaunch" in fake_openai.last.json()["messages"][0]["content"]
    assert [model.id for model in client.models.list()][:1] == ["claude/claude-fake-1"]


async def test_a_streamed_answer_with_the_project_in_the_base_url(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    async with openai.AsyncOpenAI(base_url=proxy + "/p/website/v1", api_key="unused", max_retries=0) as client:
        stream = await client.chat.completions.create(model="fake/fake-small", messages=HELLO, stream=True)
        text = "".join([chunk.choices[0].delta.content or "" async for chunk in stream])
    assert text
    assert "British English" in fake_openai.last.json()["messages"][0]["content"]


def test_the_base_url_project_wins_over_the_header(proxy: str, fake_openai: FakeOpenAI) -> None:
    create_project(proxy, "website")
    response = chat(proxy, {"X-Contextstack-Project": "nowhere"}, path="/p/website/v1")
    assert response.headers["x-contextstack-project"] == "website"


async def test_append_puts_the_context_at_the_end_of_the_first_system_message(
    proxy_settings: Settings, proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    messages = [{"role": "system", "content": "Be brief."}, *HELLO, {"role": "system", "content": "Later."}]
    chat(proxy, {"X-Contextstack-Project": "website", "X-Contextstack-Inject": "append"}, messages=messages)
    sent = fake_openai.last.json()["messages"]
    assert len(sent) == 3
    assert sent[0]["content"] == "Be brief.\n\n" + await context_document(proxy_settings, "website")
    assert sent[1:] == messages[1:]


async def test_append_adds_a_text_part_to_a_system_message_made_of_parts(
    proxy_settings: Settings, proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    messages = [{"role": "system", "content": [{"type": "text", "text": "Be brief."}]}, *HELLO]
    chat(proxy, {"X-Contextstack-Project": "website", "X-Contextstack-Inject": "append"}, messages=messages)
    parts = fake_openai.last.json()["messages"][0]["content"]
    assert parts[0] == {"type": "text", "text": "Be brief."}
    assert parts[1] == {"type": "text", "text": await context_document(proxy_settings, "website")}


def test_append_without_a_system_message_adds_one(proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI) -> None:
    chat(proxy, {"X-Contextstack-Project": "website", "X-Contextstack-Inject": "append"})
    sent = fake_openai.last.json()["messages"]
    assert sent[0]["role"] == "system"
    assert sent[1:] == HELLO


def test_injection_can_be_turned_off_per_request(proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI) -> None:
    response = chat(proxy, {"X-Contextstack-Project": "website", "X-Contextstack-Inject": "off"})
    assert fake_openai.last.json()["messages"] == HELLO
    assert response.headers["x-contextstack-context-tokens"] == "0"


def test_a_request_without_a_project_passes_through_untouched(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    response = chat(proxy)
    assert fake_openai.last.json()["messages"] == HELLO
    assert "x-contextstack-project" not in response.headers
    assert "x-contextstack-context-tokens" not in response.headers


async def test_the_budget_header_bounds_the_context(
    proxy_settings: Settings, proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    response = chat(proxy, {"X-Contextstack-Project": "website", "X-Contextstack-Budget": "20"})
    assert 0 < int(response.headers["x-contextstack-context-tokens"]) <= 20
    assert fake_openai.last.json()["messages"][0]["content"] == await context_document(
        proxy_settings, "website", budget=20
    )


async def test_an_anthropic_model_gets_the_context_as_its_system_prompt(
    proxy_settings: Settings, proxy: str, project: dict[str, Any], fake_anthropic: FakeAnthropic
) -> None:
    messages = [{"role": "system", "content": "Be brief."}, *HELLO]
    chat(proxy, {"X-Contextstack-Project": "website"}, model="claude/claude-fake-1", messages=messages)
    system = fake_anthropic.last.json()["system"]
    assert system == [
        {"type": "text", "text": await context_document(proxy_settings, "website")},
        {"type": "text", "text": "Be brief."},
    ]


def test_an_unknown_project_is_a_404_in_openai_shape_and_nothing_is_sent(proxy: str, fake_openai: FakeOpenAI) -> None:
    for response in (chat(proxy, {"X-Contextstack-Project": "nowhere"}), chat(proxy, path="/p/nowhere/v1")):
        assert response.status_code == 404
        assert response.json()["error"]["type"] == "invalid_request_error"
        assert "nowhere" in response.json()["error"]["message"]
    assert fake_openai.requests == []


@pytest.mark.parametrize(
    ("headers", "param"),
    [
        ({"X-Contextstack-Budget": "lots"}, "header.X-Contextstack-Budget"),
        ({"X-Contextstack-Budget": "-5"}, "header.X-Contextstack-Budget"),
        ({"X-Contextstack-Budget": "²".encode("latin-1")}, "header.X-Contextstack-Budget"),
        ({"X-Contextstack-Budget": "1000001"}, "header.X-Contextstack-Budget"),
        ({"X-Contextstack-Inject": "sideways"}, "header.X-Contextstack-Inject"),
    ],
)
def test_bad_proxy_headers_are_refused_in_openai_shape(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI, headers: dict[str, Any], param: str
) -> None:
    response = chat(proxy, {"X-Contextstack-Project": "website", **headers})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
    assert fake_openai.requests == []


@pytest.fixture
def configured_settings(proxy_settings: Settings) -> Settings:
    """Per-project settings: `website` appends 30 tokens at most, `private` injects nothing."""
    projects = {
        "website": ProjectProxyConfig(inject="append", context_budget=30),
        "private": ProjectProxyConfig(inject="off"),
    }
    return msgspec.structs.replace(proxy_settings, projects=projects)


@pytest.fixture
def configured_proxy(configured_settings: Settings, no_provider_keys: None) -> Iterator[str]:
    with serving(configured_settings) as url:
        yield url


async def test_a_project_can_have_its_own_mode_and_budget(
    configured_settings: Settings, configured_proxy: str, fake_openai: FakeOpenAI
) -> None:
    create_project(configured_proxy, "website")
    create_project(configured_proxy, "private")
    messages = [{"role": "system", "content": "Be brief."}, *HELLO]
    response = chat(configured_proxy, {"X-Contextstack-Project": "website"}, messages=messages)
    assert int(response.headers["x-contextstack-context-tokens"]) <= 30
    assert fake_openai.last.json()["messages"][0]["content"] == "Be brief.\n\n" + await context_document(
        configured_settings, "website", budget=30
    )
    response = chat(configured_proxy, {"X-Contextstack-Project": "private"}, messages=messages)
    assert fake_openai.last.json()["messages"] == messages
    assert response.headers["x-contextstack-context-tokens"] == "0"
    chat(configured_proxy, {"X-Contextstack-Project": "private", "X-Contextstack-Inject": "prepend"})
    assert fake_openai.last.json()["messages"][0]["role"] == "system"
