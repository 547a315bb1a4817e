"""The proxy's settings: where context goes, and per-project tables, from the config file and environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextstack.errors import ConfigError
from contextstack.settings import ProjectProxyConfig, load_settings


def test_inject_mode_and_project_tables_come_from_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        'inject = "append"\n[projects.website]\ninject = "off"\ncontext_budget = 1200\n[projects.notes]\n'
    )
    settings = load_settings(config, environ={})
    assert settings.inject == "append"
    assert settings.projects == {
        "website": ProjectProxyConfig(inject="off", context_budget=1200),
        "notes": ProjectProxyConfig(),
    }


def test_the_inject_mode_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_settings(None, environ={"CONTEXTSTACK_INJECT": "off"}).inject == "off"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('inject = "sideways"', "inject"),
        ('[projects.website]\ninject = "maybe"', "inject"),
        ("[projects.website]\ncontext_budget = -1", "context_budget"),
        ("[projects.website]\nbudget = 10", "budget"),
    ],
)
def test_a_bad_proxy_setting_stops_the_daemon_naming_it(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(config, environ={})
