"""docs/client.md's examples work when pasted, against a real daemon, and print what they say."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import Daemon, start_daemon, stop_daemon
from tests.fakes import openai_upstream
from tests.fakes.fixtures import OPENAI_KEY, fake_openai, fake_openai_server, no_provider_keys
from tests.fakes.openai_upstream import FakeOpenAI

pytestmark = pytest.mark.e2e

__all__ = ["fake_openai", "fake_openai_server", "no_provider_keys"]

PAGE = Path(__file__).resolve().parent.parent / "docs" / "client.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(), re.S)
CLIENT_BLOCKS = [block for block in BLOCKS if "contextstack_client" in block]
PROXY_BLOCKS = [block for block in BLOCKS if "from openai import OpenAI" in block]
PRINTED = re.compile(r"^\s*print\(.*\)  # (.*)$", re.M)


def run_block(block: str, url: str) -> None:
    exec(compile(block.replace("http://127.0.0.1:8765", url), str(PAGE), "exec"), {})


def test_client_examples_run_and_print_what_the_page_says(daemon: Daemon, capsys: pytest.CaptureFixture[str]) -> None:
    assert len(CLIENT_BLOCKS) >= 3
    for block in CLIENT_BLOCKS:
        run_block(block, daemon.url)
        printed = capsys.readouterr().out.splitlines()
        expected = PRINTED.findall(block)
        if expected and len(expected) == block.count("print("):
            assert printed == expected
        else:
            assert printed


@pytest.fixture
def proxy_daemon(tmp_path: Path, fake_openai: FakeOpenAI, no_provider_keys: None) -> Iterator[Daemon]:
    """A daemon whose `openai` provider is the fake upstream."""
    config = tmp_path / "config.toml"
    config.write_text(f'[providers.openai]\nbase_url = "{fake_openai.url}"\napi_key = "{OPENAI_KEY}"\n')
    running = start_daemon(tmp_path, env={"CONTEXTSTACK_CONFIG": str(config)})
    yield running
    stop_daemon(running)


def test_the_proxy_example_reaches_the_model_with_the_projects_context(
    proxy_daemon: Daemon, fake_openai: FakeOpenAI, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CONTEXTSTACK_TOKEN", raising=False)
    project = {"name": "Docs tour", "instructions": "Be brief."}
    httpx.post(proxy_daemon.url + "/api/projects", json=project).raise_for_status()
    [block] = PROXY_BLOCKS
    run_block(block, proxy_daemon.url)
    assert capsys.readouterr().out == openai_upstream.REPLY + "\n"
    sent = fake_openai.last.json()
    assert sent["model"] == "gpt-4.1-mini"
    context, asked = sent["messages"][-1]["content"]  # the context first in the user's message, then the question
    assert "Be brief." in context["text"]
    assert asked == {"type": "text", "text": "What should I work on next?"}
