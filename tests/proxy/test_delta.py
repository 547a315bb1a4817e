"""`inject = "delta"` (the default): a conversation gets the whole context with its first message and then, turn by
turn, only what is new, in the new user message; what the proxy put in before comes back byte for byte where it
was, so each turn's prompt begins with the previous one's and a provider's prefix cache keeps hitting."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import msgspec
import openai
import pytest

from contextstack.settings import ProviderConfig, Settings
from tests.conftest import serving
from tests.fakes.anthropic_upstream import FakeAnthropic
from tests.fakes.fixtures import OPENAI_KEY
from tests.fakes.openai_upstream import FakeOpenAI
from tests.proxy.test_injection import create_project

# Each topic's entry, and a question that names it and no other.
TOPICS = {
    "payments": ("Payments go through Stripe Checkout", "Stripe Checkout hosted pages; webhooks confirm orders."),
    "deployment": ("Deploy on Fly.io", "Two Fly.io machines in Amsterdam, blue-green deploys."),
    "database": ("Postgres holds the orders", "Postgres 16 with logical backups every night."),
}
QUESTIONS = {
    "payments": "How do payments work at checkout with Stripe?",
    "deployment": "Where and how do we deploy to Fly.io?",
    "database": "Which Postgres version holds the orders?",
}


@pytest.fixture
def project(proxy: str) -> dict[str, Any]:
    created = create_project(proxy)
    for title, body in TOPICS.values():
        entry = {"kind": "reference", "title": title, "body": body, "project": "website"}
        assert httpx.post(proxy + "/api/knowledge", json=entry).status_code == 201
    return created


def add_step(proxy: str, title: str, status: str = "in_progress") -> str:
    track = httpx.post(proxy + "/api/projects/website/tracks", json={"name": "Launch"}).json()
    phase = httpx.post(proxy + f"/api/tracks/{track['id']}/phases", json={"name": "Build"}).json()
    step = httpx.post(proxy + f"/api/phases/{phase['id']}/steps", json={"title": title}).json()
    set_status(proxy, step["id"], status)
    return str(step["id"])


def set_status(proxy: str, step: str, status: str) -> None:
    response = httpx.post(proxy + f"/api/steps/{step}/status", json={"status": status})
    assert response.status_code == 200, response.text


def serialized(request: dict[str, Any], *fields: str) -> bytes:
    """The prompt as the provider reads it: the named fields, in that order, as JSON."""
    return json.dumps([request.get(field) for field in fields], ensure_ascii=False).encode()


def without_cache_control(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: without_cache_control(item) for key, item in value.items() if key != "cache_control"}
    if isinstance(value, list):
        return [without_cache_control(item) for item in value]
    return value


def texts(message: dict[str, Any]) -> list[str]:
    content = message["content"]
    return [content] if isinstance(content, str) else [part.get("text", "") for part in content]


class ChatConversation:
    """A stateless openai SDK client: each turn resends the whole history with the new question."""

    def __init__(self, proxy: str, model: str = "fake/fake-small", **headers: str) -> None:
        self.client = openai.OpenAI(
            base_url=proxy + "/p/website/v1", api_key="unused", max_retries=0, default_headers=headers
        )
        self.model = model
        self.messages: list[dict[str, Any]] = [{"role": "system", "content": "Be brief."}]
        self.tokens: list[int] = []

    def ask(self, question: str) -> None:
        self.messages.append({"role": "user", "content": question})
        raw = self.client.chat.completions.with_raw_response.create(model=self.model, messages=self.messages)  # type: ignore[arg-type]
        self.tokens.append(int(raw.headers["x-contextstack-context-tokens"]))
        self.messages.append({"role": "assistant", "content": raw.parse().choices[0].message.content})


def test_each_chat_turn_begins_with_the_previous_turns_prompt_and_adds_only_what_is_new(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    conversation = ChatConversation(proxy)
    for topic in TOPICS:
        conversation.ask(QUESTIONS[topic])
    sent = [received.json()["messages"] for received in fake_openai.requests]
    assert len(sent) == 3
    for previous, now in itertools.pairwise(sent):
        assert now[: len(previous)] == previous  # every message as it was, the proxy's parts included
        assert serialized({"m": now}, "m").startswith(serialized({"m": previous}, "m")[:-2])
    assert sent[0][0] == {"role": "system", "content": "Be brief."}  # the client's system prompt, left alone
    first = texts(sent[0][1])
    assert "Website relaunch" in first[0]
    assert "Stripe Checkout" in first[0]
    assert first[1] == QUESTIONS["payments"]
    for turn, topic in ((1, "deployment"), (2, "database")):
        added = texts(sent[turn][-1])
        assert added[-1] == QUESTIONS[topic]
        assert TOPICS[topic][1] in added[0]  # the entry this question is about …
        assert "Website relaunch" not in added[0]  # … and not again what the conversation has
        assert "Stripe" not in added[0]
    assert 0 < conversation.tokens[1] < conversation.tokens[0]  # the header counts what was added, not all
    assert 0 < conversation.tokens[2] < conversation.tokens[0]


def test_a_project_change_mid_conversation_is_told_once_as_a_change(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    step = add_step(proxy, "Write the checkout page")
    conversation = ChatConversation(proxy)
    conversation.ask(QUESTIONS["payments"])
    assert "Write the checkout page" in texts(fake_openai.last.json()["messages"][-1])[0]
    set_status(proxy, step, "done")
    conversation.ask(QUESTIONS["deployment"])
    told = texts(fake_openai.last.json()["messages"][-1])[0]
    assert told.startswith("## Since the last message\n")
    assert "**Write the checkout page** (Launch / Build): in progress → done" in told
    assert "Progress: 1 of 1 steps done (100%)" in told
    conversation.ask(QUESTIONS["database"])
    sent = fake_openai.last.json()["messages"]
    assert "Since the last message" not in texts(sent[-1])[0]
    assert sum("in progress → done" in text for message in sent for text in texts(message)) == 1


def test_a_chat_turn_for_an_anthropic_provider_keeps_the_context_out_of_system(
    proxy: str, project: dict[str, Any], fake_anthropic: FakeAnthropic
) -> None:
    conversation = ChatConversation(proxy, model="claude/claude-fake-1")
    conversation.ask(QUESTIONS["payments"])
    conversation.ask(QUESTIONS["deployment"])
    first, second = (received.json() for received in fake_anthropic.requests)
    assert first["system"] == second["system"] == [{"type": "text", "text": "Be brief."}] or (
        first["system"] == second["system"] == "Be brief."
    )
    assert "Website relaunch" in second["messages"][0]["content"][0]["text"]
    assert second["messages"][: len(first["messages"])] == first["messages"]
    assert "Fly.io" in second["messages"][-1]["content"][0]["text"]


def claude_code_turn(system_note: str, history: list[dict[str, Any]]) -> dict[str, Any]:
    """A request as Claude Code makes one: a system prompt that changes between turns, with a cache breakpoint on
    it and one on the last message only."""
    messages = [without_cache_control(message) for message in history]
    messages[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}
    return {
        "model": "claude/claude-fake-1",
        "max_tokens": 512,
        "system": [
            {"type": "text", "text": f"x-anthropic-billing-header: cc_version=2.1; {system_note}"},
            {"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}},
        ],
        "messages": messages,
    }


def test_claude_code_style_turns_keep_their_changing_system_prompt_first_and_the_context_in_user_turns(
    proxy: str, project: dict[str, Any], fake_anthropic: FakeAnthropic
) -> None:
    client = anthropic.Anthropic(base_url=proxy + "/p/website", api_key="sk-ant-fake-key", max_retries=0)
    history: list[dict[str, Any]] = []
    bodies = []
    for turn, topic in enumerate(TOPICS):
        history.append({"role": "user", "content": [{"type": "text", "text": QUESTIONS[topic]}]})
        body = claude_code_turn(f"turn {turn}", history)
        bodies.append(body)
        answer = client.messages.create(**body)
        history.append({"role": "assistant", "content": [{"type": "text", "text": answer.content[0].text}]})  # type: ignore[union-attr]
    sent = [received.json() for received in fake_anthropic.requests]
    for body, received in zip(bodies, sent, strict=True):
        assert received["system"] == body["system"]  # first, as the client sent it, cache_control and all
        last = received["messages"][-1]["content"]
        assert last[-1] == body["messages"][-1]["content"][-1]  # the client's breakpoint on the last block
        assert [block for block in last if "cache_control" in block] == [last[-1]]
    for previous, now in itertools.pairwise(sent):
        kept = without_cache_control(now["messages"][: len(previous["messages"])])
        assert kept == without_cache_control(previous["messages"])
    assert "Website relaunch" in sent[0]["messages"][0]["content"][0]["text"]
    assert "Fly.io" in sent[1]["messages"][-1]["content"][0]["text"]
    assert "Website relaunch" not in sent[1]["messages"][-1]["content"][0]["text"]


def test_a_tool_result_turn_gets_its_news_after_the_results(
    proxy: str, project: dict[str, Any], fake_anthropic: FakeAnthropic
) -> None:
    client = anthropic.Anthropic(base_url=proxy + "/p/website", api_key="sk-ant-fake-key", max_retries=0)
    asked = [{"role": "user", "content": QUESTIONS["payments"]}]
    client.messages.create(model="claude/claude-fake-1", max_tokens=64, messages=asked)  # type: ignore[arg-type]
    call = {"type": "tool_use", "id": "toolu_1", "name": "read", "input": {"path": "deploy.toml"}}
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "app = 'shop'"}
    follow = [
        *asked,
        {"role": "assistant", "content": [call]},
        {"role": "user", "content": [result, {"type": "text", "text": QUESTIONS["deployment"]}]},
    ]
    client.messages.create(model="claude/claude-fake-1", max_tokens=64, messages=follow)  # type: ignore[arg-type]
    last = fake_anthropic.last.json()["messages"][-1]["content"]
    assert last[0] == result
    assert "Fly.io" in last[1]["text"]
    assert last[2] == {"type": "text", "text": QUESTIONS["deployment"]}


@pytest.fixture
def proxy_settings(proxy_settings: Settings, fake_openai: FakeOpenAI) -> Settings:
    """The proxy's providers, and `direct`: the fake OpenAI again, as a server of `/responses`."""
    direct = ProviderConfig(base_url=fake_openai.url, api_key=OPENAI_KEY, responses=True)
    return msgspec.structs.replace(proxy_settings, providers={**proxy_settings.providers, "direct": direct})


def test_each_responses_turn_begins_with_the_previous_turns_input(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    client = openai.OpenAI(base_url=proxy + "/p/website/v1", api_key="unused", max_retries=0)
    items: list[dict[str, Any]] = [{"type": "message", "role": "developer", "content": "You are Codex."}]
    for topic in TOPICS:
        items.append({"type": "message", "role": "user", "content": QUESTIONS[topic]})
        answer = client.responses.create(model="direct/fake-small", instructions="Be brief.", input=items)  # type: ignore[arg-type]
        items.append({"type": "message", "role": "assistant", "content": answer.output_text})
    sent = [received.json() for received in fake_openai.requests]
    for received in sent:
        assert received["instructions"] == "Be brief."
        assert received["input"][0] == items[0]
    for previous, now in itertools.pairwise(sent):
        assert now["input"][: len(previous["input"])] == previous["input"]
    assert "Website relaunch" in sent[0]["input"][1]["content"][0]["text"]
    assert "Postgres 16" in sent[2]["input"][-1]["content"][0]["text"]
    assert sent[2]["input"][-1]["content"][1] == {"type": "input_text", "text": QUESTIONS["database"]}


def test_the_same_request_again_gets_the_same_prompt(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    conversation = ChatConversation(proxy)
    conversation.ask(QUESTIONS["payments"])
    conversation.ask(QUESTIONS["deployment"])
    again = conversation.messages[:-1]
    conversation.client.chat.completions.create(model="fake/fake-small", messages=again)  # type: ignore[arg-type]
    _first, second, third = (received.body for received in fake_openai.requests)
    assert third == second


def test_an_edited_message_is_a_branch_that_keeps_what_came_before_it(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    conversation = ChatConversation(proxy)
    conversation.ask(QUESTIONS["payments"])
    conversation.ask(QUESTIONS["deployment"])
    edited = [*conversation.messages[:3], {"role": "user", "content": QUESTIONS["database"]}]
    conversation.client.chat.completions.create(model="fake/fake-small", messages=edited)  # type: ignore[arg-type]
    first, _, branch = (received.json()["messages"] for received in fake_openai.requests)
    assert branch[:3] == [*first[:2], edited[2]]
    assert "Postgres 16" in texts(branch[-1])[0]
    assert "Website relaunch" not in texts(branch[-1])[0]


def test_conversations_named_apart_are_told_apart_though_their_messages_are_the_same(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    step = add_step(proxy, "Write the checkout page")
    # A named conversation is one the daemon has (naming it also records into it: docs/proxy.md#recording).
    one_id, other_id = (
        httpx.post(proxy + "/api/conversations", json={"project": "website"}).json()["id"] for _ in "12"
    )
    one = ChatConversation(proxy, **{"X-Contextstack-Conversation": one_id})
    other = ChatConversation(proxy, **{"X-Contextstack-Conversation": other_id})
    one.ask(QUESTIONS["payments"])
    set_status(proxy, step, "done")
    other.ask(QUESTIONS["payments"])  # the same messages: told the project as it is now
    one.ask(QUESTIONS["deployment"])
    other.ask(QUESTIONS["deployment"])
    first, _, one_later, other_later = (received.json()["messages"] for received in fake_openai.requests)
    assert one_later[:2] == first[:2]
    assert "in progress → done" in texts(one_later[-1])[0]
    assert "in progress → done" not in texts(other_later[-1])[0]


@pytest.mark.parametrize("value", ["chat-1", "cnv_", "cnv_short", "prj_01JDZ8Y3N2W9T4X5V6B7C8D9EF"])
def test_a_conversation_header_that_is_not_a_conversation_id_is_refused(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI, value: str
) -> None:
    response = httpx.post(
        proxy + "/p/website/v1/chat/completions",
        json={"model": "fake/fake-small", "messages": [{"role": "user", "content": "hi"}]},
        headers={"X-Contextstack-Conversation": value},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert "X-Contextstack-Conversation" in error["message"]
    assert fake_openai.requests == []


def test_whole_context_mode_puts_the_whole_context_in_front_every_turn(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    conversation = ChatConversation(proxy, **{"X-Contextstack-Inject": "prepend"})
    conversation.ask(QUESTIONS["payments"])
    conversation.ask(QUESTIONS["deployment"])
    first, second = (received.json()["messages"] for received in fake_openai.requests)
    for sent, topic in ((first, "payments"), (second, "deployment")):
        assert sent[0]["role"] == "system"
        assert "Website relaunch" in sent[0]["content"]
        assert TOPICS[topic][1] in sent[0]["content"]
        assert sent[1:] == [message for message in sent[1:] if isinstance(message["content"], str)]
    assert conversation.tokens[1] > conversation.tokens[0] / 2


@pytest.fixture
def forgetful(proxy_settings: Settings, no_provider_keys: None) -> Iterator[str]:
    """A daemon that remembers one turn."""
    with serving(msgspec.structs.replace(proxy_settings, turn_states=1)) as url:
        yield url


def test_a_forgotten_conversation_gets_the_whole_context_again_near_its_new_message(
    forgetful: str, fake_openai: FakeOpenAI
) -> None:
    create_project(forgetful)
    one, other = ChatConversation(forgetful), ChatConversation(forgetful)
    one.ask(QUESTIONS["payments"])
    other.ask(QUESTIONS["database"])  # the one turn remembered is now this one's
    one.ask(QUESTIONS["deployment"])
    sent = fake_openai.last.json()["messages"]
    assert sent[1] == {"role": "user", "content": QUESTIONS["payments"]}  # what was put there is not known
    assert "Website relaunch" in texts(sent[-1])[0]


def test_a_decision_changed_or_superseded_mid_conversation_is_told_once(
    proxy: str, project: dict[str, Any], fake_openai: FakeOpenAI
) -> None:
    decision = {
        "kind": "decision",
        "title": "Ship on Fridays",
        "body": "Releases go out on Friday.",
        "project": "website",
    }
    first = httpx.post(proxy + "/api/knowledge", json=decision).json()
    rule = {"kind": "constraint", "title": "No tracking", "body": "No third-party trackers.", "project": "website"}
    second = httpx.post(proxy + "/api/knowledge", json=rule).json()
    conversation = ChatConversation(proxy)
    conversation.ask(QUESTIONS["payments"])
    assert "Ship on Fridays" in texts(fake_openai.last.json()["messages"][-1])[0]
    edited = httpx.patch(
        proxy + f"/api/knowledge/{second['id']}",
        json={"body": "No third-party trackers, and no fonts from other hosts."},
        headers={"If-Match": f'"{second["version"]}"'},
    )
    assert edited.status_code == 200, edited.text
    replacement = {
        **decision,
        "title": "Ship on Tuesdays",
        "body": "Releases go out on Tuesday.",
        "supersedes": first["id"],
    }
    assert httpx.post(proxy + "/api/knowledge", json=replacement).status_code == 201
    conversation.ask(QUESTIONS["deployment"])
    told = texts(fake_openai.last.json()["messages"][-1])[0]
    assert "- **Ship on Fridays** no longer holds: it was superseded.\n" in told
    assert (
        "- Changed: **No tracking** _(constraint)_\n  No third-party trackers, and no fonts from other hosts.\n" in told
    )
    assert "Ship on Tuesdays" in told
    conversation.ask(QUESTIONS["database"])
    told = texts(fake_openai.last.json()["messages"][-1])[0]
    assert "Ship on" not in told
    assert "No tracking" not in told


def test_counting_tokens_counts_what_would_be_added_and_remembers_no_turn(
    proxy: str, project: dict[str, Any], fake_anthropic: FakeAnthropic
) -> None:
    client = anthropic.Anthropic(base_url=proxy + "/p/website", api_key="sk-ant-fake-key", max_retries=0)
    asked = [{"role": "user", "content": QUESTIONS["payments"]}]
    client.messages.count_tokens(model="claude/claude-fake-1", messages=asked)  # type: ignore[arg-type]
    counted = fake_anthropic.last.json()["messages"][0]["content"][0]["text"]
    client.messages.create(model="claude/claude-fake-1", max_tokens=64, messages=asked)  # type: ignore[arg-type]
    sent = fake_anthropic.last.json()["messages"][0]["content"][0]["text"]
    assert sent == counted  # the whole context both times: the count was no turn of the conversation
    assert "Website relaunch" in sent
