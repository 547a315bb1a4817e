"""`/v1/embeddings` passes the request to the provider its model names, as it came: nothing is injected."""

from __future__ import annotations

import httpx
import openai
import pytest

from tests.fakes import openai_upstream
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.fixtures import OPENAI_KEY
from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.server import Fault
from tests.proxy.test_faults import assert_openai_error
from tests.proxy.test_injection import create_project


def sdk(proxy: str, path: str = "/v1") -> openai.OpenAI:
    return openai.OpenAI(base_url=proxy + path, api_key="not-a-provider-key", max_retries=0)


def test_the_sdk_gets_embeddings_from_the_routed_provider(proxy: str, fake_openai: FakeOpenAI) -> None:
    raw = sdk(proxy).embeddings.with_raw_response.create(
        model="fake/text-embedding-fake", input=["one", "two"], dimensions=3, encoding_format="float"
    )
    answer = raw.parse()
    assert [item.embedding for item in answer.data] == [openai_upstream.EMBEDDING] * 2
    assert raw.headers["x-contextstack-model"] == "fake/text-embedding-fake"
    sent = fake_openai.last
    assert sent.path == "/v1/embeddings"
    assert sent.json() == {
        "model": "text-embedding-fake",
        "input": ["one", "two"],
        "dimensions": 3,
        "encoding_format": "float",
    }
    assert sent.headers["authorization"] == f"Bearer {OPENAI_KEY}"


def test_the_sdks_default_base64_answer_comes_back_as_it_was_sent(proxy: str, fake_openai: FakeOpenAI) -> None:
    response = httpx.post(proxy + "/v1/embeddings", json={"model": "fake/e", "input": "hi"})
    direct = httpx.post(
        fake_openai.url + "/embeddings",
        json={"model": "e", "input": "hi"},
        headers={"authorization": f"Bearer {OPENAI_KEY}"},
    )
    assert response.content == direct.content


def test_nothing_is_injected_even_for_a_project(proxy: str, fake_openai: FakeOpenAI) -> None:
    create_project(proxy)
    for path, headers in (("/p/website/v1", {}), ("/v1", {"X-Contextstack-Project": "website"})):
        response = httpx.post(proxy + path + "/embeddings", json={"model": "fake/e", "input": "hi"}, headers=headers)
        assert response.status_code == 200, response.text
        assert fake_openai.last.json() == {"model": "e", "input": "hi"}
        assert "x-contextstack-context-tokens" not in response.headers


def test_a_plain_model_name_goes_to_the_default_provider(proxy: str, fake_openai: FakeOpenAI) -> None:
    sdk(proxy).embeddings.create(model="text-embedding-plain", input="hi")
    assert fake_openai.last.json()["model"] == "text-embedding-plain"


def test_an_anthropic_model_has_no_embeddings(proxy: str, fake_anthropic: FakeAnthropic) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        sdk(proxy).embeddings.create(model="claude/claude-fake-1", input="hi")
    assert "no embeddings" in raised.value.message
    assert fake_anthropic.requests == []


@pytest.mark.parametrize(("upstream_status", "status"), [(400, 400), (429, 429), (500, 502)])
def test_an_upstream_error_is_answered_in_openai_shape(
    proxy: str, fake_openai: FakeOpenAI, upstream_status: int, status: int
) -> None:
    fake_openai.fault = Fault.answer(upstream_status)
    assert_openai_error(httpx.post(proxy + "/v1/embeddings", json={"model": "fake/e", "input": "hi"}), status)


@pytest.mark.parametrize(
    ("body", "param"),
    [(b"{not json", "body"), (b'{"model": 4, "input": "hi"}', "model"), (b'{"model": "fake/e"}', "input")],
)
def test_a_bad_body_is_refused_and_nothing_is_sent(
    proxy: str, fake_openai: FakeOpenAI, body: bytes, param: str
) -> None:
    response = httpx.post(proxy + "/v1/embeddings", content=body, headers={"content-type": "application/json"})
    assert assert_openai_error(response, 400)["param"] == param
    assert fake_openai.requests == []
