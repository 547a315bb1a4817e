"""`contextstack chat` and `conversations` against a real daemon whose provider is the fake OpenAI upstream."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator

import pytest

from tests.cli.conftest import Cli
from tests.conftest import Daemon, start_daemon, stop_daemon
from tests.fakes import openai_upstream
from tests.fakes.fixtures import OPENAI_KEY, fake_openai, fake_openai_server  # noqa: F401
from tests.fakes.openai_upstream import FakeOpenAI
from tests.fakes.server import Fault

pytestmark = pytest.mark.e2e
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def chat_daemon(tmp_path_factory: pytest.TempPathFactory, fake_openai_server: FakeOpenAI) -> Iterator[Daemon]:  # noqa: F811
    """One daemon for the module, its default model the fake upstream's."""
    folder = tmp_path_factory.mktemp("chat-daemon")
    config = folder / "config.toml"
    config.write_text(
        f'default_model = "fake/fake-small"\n\n[providers.fake]\nbase_url = "{fake_openai_server.url}"\n'
        f'api_key = "{OPENAI_KEY}"\n'
    )
    running = start_daemon(folder, env={"CONTEXTSTACK_CONFIG": str(config)})
    yield running
    stop_daemon(running)


@pytest.fixture
def shed(cli: Cli, chat_daemon: Daemon, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> str:  # noqa: F811
    """A new project on the chat daemon, which the CLI talks to: its slug."""
    monkeypatch.setenv("CONTEXTSTACK_URL", chat_daemon.url)
    slug = f"shed-{next(_numbers)}"
    cli.ok("project", "new", "Garden shed", "--slug", slug)
    return slug


def test_chat_streams_the_answer_and_stores_the_conversation(cli: Cli, shed: str, fake_openai: FakeOpenAI) -> None:  # noqa: F811
    result = cli("chat", shed, "What next?")
    assert result.status == 0, result.err
    assert result.out.strip() == openai_upstream.REPLY
    sent = fake_openai.last.json()["messages"]
    assert sent[-1] == {"role": "user", "content": "What next?"}
    assert "Garden shed" in sent[0]["content"]  # the project's context went first
    [conversation] = cli.json("conversations", shed)["items"]
    assert conversation["id"] in result.err
    assert conversation["title"] == "What next?"


def test_continue_goes_on_with_the_last_conversation(cli: Cli, shed: str, fake_openai: FakeOpenAI) -> None:  # noqa: F811
    cli.ok("chat", shed, "First question")
    cli.ok("chat", "-p", shed, "-c", "Second question")
    roles = [message["role"] for message in fake_openai.last.json()["messages"]]
    assert roles[-3:] == ["user", "assistant", "user"]
    assert len(cli.json("conversations", shed)["items"]) == 1


def test_the_message_can_come_from_stdin(cli: Cli, shed: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("Piped question\n"))
    assert cli.ok("chat", shed).strip() == openai_upstream.REPLY


def test_json_prints_the_stored_turn(cli: Cli, shed: str) -> None:
    turn = cli.json("chat", shed, "Whole answer please")
    assert turn["assistant_message"]["status"] == "complete"
    assert turn["user_message"]["role"] == "user"


def test_a_failing_model_is_one_line_and_exit_1(cli: Cli, shed: str, fake_openai: FakeOpenAI) -> None:  # noqa: F811
    fake_openai.fault = Fault.answer(500)
    result = cli("chat", shed, "Will this work?")
    assert result.status == 1
    assert len(result.err.strip().splitlines()) == 1


def test_continue_without_a_conversation_says_what_to_do(cli: Cli, shed: str) -> None:
    result = cli("chat", "-p", shed, "-c", "Hello?")
    assert result.status == 1
    assert "leave out -c" in result.err
