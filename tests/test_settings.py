"""Settings precedence: defaults < config file < environment < CLI flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextstack.errors import ConfigError
from contextstack.settings import load_settings


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        'port = 9001\nhost = "localhost"\ndb = "/from/file.db"\ndefault_model = "openai/gpt-4.1-mini"\n'
        '[providers.work]\nkind = "openai"\nbase_url = "http://127.0.0.1:9000/v1"\napi_key_env = "WORK_KEY"\n'
        '[aliases]\nfast = ["groq/llama-3.1-8b-instant", "ollama/llama3.2"]\nsmart = "anthropic/claude"\n'
    )
    return path


def test_defaults_apply_without_file_environment_or_flags(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    settings = load_settings(None, environ={})
    assert settings.host == "127.0.0.1"
    assert settings.port == 8765
    assert settings.db.endswith("contextstack.db")


def test_config_file_overrides_defaults(config_file: Path) -> None:
    settings = load_settings(config_file, environ={})
    assert (settings.port, settings.host, settings.db) == (9001, "localhost", "/from/file.db")
    assert settings.providers["work"].base_url == "http://127.0.0.1:9000/v1"
    assert settings.aliases["fast"] == ["groq/llama-3.1-8b-instant", "ollama/llama3.2"]


def test_environment_overrides_config_file(config_file: Path) -> None:
    settings = load_settings(config_file, environ={"CONTEXTSTACK_PORT": "9002", "CONTEXTSTACK_DB": "/env.db"})
    assert (settings.port, settings.host, settings.db) == (9002, "localhost", "/env.db")


def test_flags_override_environment(config_file: Path) -> None:
    settings = load_settings(config_file, environ={"CONTEXTSTACK_PORT": "9002"}, port=9003, host=None)
    assert (settings.port, settings.host) == (9003, "localhost")


def test_config_path_can_come_from_the_environment(config_file: Path) -> None:
    assert load_settings(None, environ={"CONTEXTSTACK_CONFIG": str(config_file)}).port == 9001


def test_list_settings_read_comma_separated_environment() -> None:
    settings = load_settings(None, environ={"CONTEXTSTACK_ALLOWED_HOSTS": "box.lan, other.lan"})
    assert settings.allowed_hosts == ["box.lan", "other.lan"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("port = 'high'", "port"),
        ("port = 70000", "port"),
        ("colour = 'red'", "colour"),
        ("[providers.x]\nkind = 'smoke-signals'", "kind"),
        ("port = ", "not valid TOML"),
    ],
)
def test_bad_config_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(path, environ={})


def test_missing_explicit_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "absent.toml", environ={})


def test_bad_environment_value_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="port"):
        load_settings(None, environ={"CONTEXTSTACK_PORT": "eighty"})
