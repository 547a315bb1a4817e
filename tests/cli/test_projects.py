"""`contextstack project new|list|show|archive` and `use`: projects, and the current one of a directory tree."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import Cli


def test_project_new_creates_it_and_use_makes_it_current(cli: Cli) -> None:
    assert cli.ok("project", "new", "Bird box", "--slug", "bird-box") == "created project bird-box (Bird box)\n"
    assert cli.ok("use", "bird-box") == "using bird-box in .contextstack\n"
    assert 'project = "bird-box"' in Path(".contextstack").read_text()
    assert cli.ok("use") == "bird-box (Bird box), from .contextstack\n"
    assert cli.json("project", "show")["slug"] == "bird-box"


def test_use_writes_at_the_repository_root_and_works_below_it(
    cli: Cli, project: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    deep = tmp_path / "repo" / "src" / "pkg"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert cli.ok("use", project) == f"using {project} in ../../.contextstack\n"
    assert (tmp_path / "repo" / ".contextstack").is_file()
    assert cli.json("project", "show")["slug"] == project


def test_project_option_overrides_the_current_one(cli: Cli, project: str) -> None:
    cli.ok("project", "new", "Other")
    assert cli.json("plan", "--project", "other")["project"]["slug"] == "other"
    assert cli.json("plan")["project"]["slug"] == project


def test_a_command_without_a_project_says_how_to_choose_one(cli: Cli) -> None:
    result = cli("plan")
    assert result.status == 2
    assert result.err == "contextstack: no project chosen: pass --project SLUG, or run `contextstack use SLUG` here\n"


def test_use_of_an_unknown_project_is_refused_and_writes_nothing(cli: Cli) -> None:
    result = cli("use", "nope")
    assert (result.status, result.err) == (1, "contextstack: no project with id or slug 'nope'\n")
    assert not Path(".contextstack").exists()


def test_a_broken_contextstack_file_is_named(cli: Cli) -> None:
    Path(".contextstack").write_text("project = \n")
    result = cli("plan")
    assert result.status == 2
    assert ".contextstack" in result.err
    assert "contextstack use SLUG" in result.err


def test_project_list_show_and_archive(cli: Cli, project: str) -> None:
    assert [project, "active", "Project", project] in [line.split() for line in cli.ok("project", "list").splitlines()]
    shown = cli.ok("project", "show")
    assert f"slug     {project}\n" in shown
    assert cli.ok("project", "archive") == f"archived {project}\n"
    assert cli.json("project", "show")["status"] == "archived"
    assert cli.ok("project", "archive", "--restore") == f"restored {project}\n"


def test_project_list_as_json_is_the_daemons_page(cli: Cli, project: str) -> None:
    answered = cli.json("project", "list")
    assert answered == httpx.get(cli.url + "/api/projects", params={"limit": 500}).json()
    assert project in [item["slug"] for item in answered["items"]]


def test_project_new_with_a_taken_slug_is_refused(cli: Cli, project: str) -> None:
    result = cli("project", "new", "Again", "--slug", project)
    assert result.status == 1
    assert len(result.err.splitlines()) == 1
    assert project in result.err


@pytest.mark.parametrize(
    "args", [["project"], ["project", "new"], ["project", "frobnicate"], ["step", "move", "1.1.1", "x"]]
)
def test_bad_usage_exits_2(cli: Cli, args: list[str]) -> None:
    assert cli(*args).status == 2
