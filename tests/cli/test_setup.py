"""`contextstack init` and `contextstack doctor`: a config file from what the machine has, and what to fix."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from contextstack.cli.doctor import command_check, provider_check
from contextstack.providers.presets import PRESETS
from contextstack.settings import load_settings
from contextstack_client.models import ProviderInfo
from tests.cli.conftest import Cli
from tests.conftest import free_port
from tests.fakes.openai_upstream import FakeOpenAI


@pytest.fixture
def bare_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """No provider key in the environment, no Ollama where OLLAMA_HOST points, and `contextstack` on the PATH."""
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    for preset in PRESETS.values():
        if preset.api_key_env:
            monkeypatch.delenv(preset.api_key_env, raising=False)
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{free_port()}")


@pytest.fixture
def fake_ollama() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def test_init_writes_a_private_commented_config_with_what_it_finds(
    cli: Cli, bare_machine: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake_ollama: FakeOpenAI
) -> None:
    monkeypatch.setenv("GROQ_API_KEY", "gsk-test")
    monkeypatch.setenv("OLLAMA_HOST", fake_ollama.url.removesuffix("/v1"))
    path = tmp_path / "conf" / "config.toml"
    out = cli.ok("init", "--config", str(path))
    assert out.splitlines()[0] == f"wrote {path}"
    assert "  found groq: GROQ_API_KEY is set" in out
    assert f"  found ollama: answers at {fake_ollama.url}" in out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "# [providers.work]" in text
    settings = load_settings(path, environ={})
    assert settings.default_model == "groq/llama-3.1-8b-instant"
    assert settings.providers["ollama"].base_url == fake_ollama.url


def test_init_on_a_bare_machine_says_how_to_add_a_provider(cli: Cli, bare_machine: None, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    out = cli.ok("init", "--config", str(path))
    assert "found no provider" in out
    assert load_settings(path, environ={}).default_model is None


def test_init_never_overwrites_without_force(cli: Cli, bare_machine: None, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("port = 9999\n")
    path.chmod(0o644)
    refused = cli("init", "--config", str(path))
    assert refused.status == 1
    assert refused.err == f"contextstack: {path} exists; edit it, or pass --force to write it anew\n"
    assert path.read_text() == "port = 9999\n"
    cli.ok("init", "--config", str(path), "--force")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_doctor_with_a_daemon_and_a_config_finds_nothing_to_fix(cli: Cli, bare_machine: None, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    cli.ok("init", "--config", str(path))
    rows = [line.split(None, 2) for line in cli.ok("doctor", "--config", str(path)).splitlines()]
    assert rows[0][:2] == ["ok", "command"]
    assert rows[1] == ["ok", "config", str(path)]
    assert [row[:2] for row in rows[2:4]] == [["ok", "daemon"], ["ok", "store"]]
    assert all(row[0] == "ok" for row in rows)
    checks = cli.json("doctor", "--config", str(path))
    assert {check["subject"] for check in checks} >= {"config", "daemon", "store"}


def test_doctor_says_what_to_fix_one_line_each(cli: Cli, bare_machine: None, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("port = 'not a port'\n")
    os.chmod(path, 0o600)
    result = cli("doctor", "--config", str(path), "--url", f"http://127.0.0.1:{free_port()}")
    assert result.status == 1
    fixes = [line.split(None, 2) for line in result.out.splitlines() if line.startswith("fix")]
    assert [subject for _, subject, _ in fixes] == ["config", "daemon"]
    assert "invalid setting" in fixes[0][2]
    assert "start one with `contextstack serve`" in fixes[1][2]
    answered = msgspec.json.decode(cli("doctor", "--config", str(path), "--url", "http://127.0.0.1:1", "--json").out)
    assert [check["subject"] for check in answered if check["fix"]] == ["config", "daemon"]


def test_doctor_says_how_to_put_the_command_on_the_path(tmp_path: Path) -> None:
    ours = Path(sys.executable).parent / "contextstack"
    found = command_check(str(ours.parent))
    assert (found.finding, found.fix) == (str(ours), "")
    empty = tmp_path / "bin"
    empty.mkdir()
    missing = command_check(str(empty))
    assert (
        missing.fix
        == f"`contextstack` is not on your PATH: ln -sf {ours} ~/.local/bin/contextstack, with ~/.local/bin on PATH"
    )
    # A link made as README makes it is this installation; a command of another one is named as such.
    (empty / "contextstack").symlink_to(ours)
    assert command_check(str(empty)).fix == ""
    other = tmp_path / "other"
    other.mkdir()
    stale = other / "contextstack"
    stale.write_text("#!/bin/sh\n")
    stale.chmod(0o755)
    assert command_check(str(other)).fix.startswith(f"{stale} is another installation than this one ({ours})")


def provider(**fields: object) -> ProviderInfo:
    base = {"name": "work", "kind": "openai", "base_url": "", "builtin": False, "key_env": None, "key_set": False}
    return ProviderInfo.from_dict({**base, "needs_key": False, "models": [], **fields})


def test_doctor_checks_a_provider_key_reachability_and_models(fake_ollama: FakeOpenAI) -> None:
    assert provider_check(provider(base_url=fake_ollama.url)).finding == f"{fake_ollama.url}: 2 models listed"
    missing_key = provider_check(provider(base_url=fake_ollama.url, needs_key=True, key_env="WORK_API_KEY"))
    assert missing_key.fix == "set WORK_API_KEY where the daemon runs"
    nowhere = f"http://127.0.0.1:{free_port()}/v1"
    assert provider_check(provider(base_url=nowhere)).fix == f"nothing answers at {nowhere}; check base_url"
    local = provider_check(provider(name="ollama", base_url=nowhere, builtin=True))
    assert (local.fix, local.finding) == ("", f"not running at {nowhere} (start it to use it)")
