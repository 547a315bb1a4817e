"""The CLI commands that talk to a running daemon: `--url`, CONTEXTSTACK_URL and CONTEXTSTACK_TOKEN, and clear failures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import msgspec
import pytest

from contextstack.cli import main
from contextstack.remote import DEFAULT_URL, daemon_url
from contextstack_client import Client
from contextstack_client.api.phases import create_phase
from contextstack_client.api.projects import create_project
from contextstack_client.api.steps import change_step_status, create_step
from contextstack_client.api.tracks import create_track
from contextstack_client.models import (
    Phase,
    PhaseCreate,
    Project,
    ProjectCreate,
    StatusChange,
    Step,
    StepCreate,
    Track,
    TrackCreate,
)
from tests.conftest import SERVER_DIR, Daemon, free_port, start_daemon, stop_daemon

pytestmark = pytest.mark.e2e

CLIENT_DIR = SERVER_DIR.parent / "client"


def contextstack(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The `contextstack` command as a separate process, with no CONTEXTSTACK_* variables but those in `env`."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CONTEXTSTACK_")},
        "PYTHONPATH": os.pathsep.join([str(SERVER_DIR), str(CLIENT_DIR)]),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "contextstack", *args], env=environment, capture_output=True, text=True, timeout=30
    )


def test_projects_lists_slug_status_and_name(daemon: Daemon, capsys: pytest.CaptureFixture[str]) -> None:
    for body in ({"name": "Contextstack"}, {"name": "Garden shed", "slug": "shed"}):
        httpx.post(daemon.url + "/api/projects", json=body).raise_for_status()
    assert main(["projects", "--url", daemon.url]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "contextstack  active    Contextstack",
        "shed          active    Garden shed",
    ]


def build_launch_plan(url: str) -> dict[str, str]:
    """A project with two tracks through the generated client: one step done, one in progress, one blocked."""
    with Client(base_url=url) as client:
        project = create_project.sync(client=client, body=ProjectCreate(name="Launch"))
        assert isinstance(project, Project)
        steps: dict[str, str] = {}
        for track_name, phase_name, titles in (
            ("Backend", "Build", ["Schema", "API", "Load test"]),
            ("Ops", "Release", ["Deploy"]),
        ):
            track = create_track.sync(project.slug, client=client, body=TrackCreate(name=track_name))
            assert isinstance(track, Track)
            phase = create_phase.sync(track.id, client=client, body=PhaseCreate(name=phase_name))
            assert isinstance(phase, Phase)
            for title in titles:
                step = create_step.sync(phase.id, client=client, body=StepCreate(title=title))
                assert isinstance(step, Step)
                steps[title] = step.id
        for title, change in (
            ("Schema", StatusChange(status="done")),
            ("API", StatusChange(status="in_progress")),
            ("Deploy", StatusChange(status="blocked", reason="waiting for keys")),
        ):
            assert isinstance(change_step_status.sync(steps[title], client=client, body=change), Step)
        return steps


def test_status_says_where_a_project_stands(daemon: Daemon, capsys: pytest.CaptureFixture[str]) -> None:
    steps = build_launch_plan(daemon.url)
    assert main(["status", "launch", "--url", daemon.url]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Launch (launch): 1/4 done (25%), 1 in progress, 1 blocked",
        "  Backend    1/3 done (33.3%), 1 in progress",
        "    Build    1/3 done (33.3%), 1 in progress",
        "  Ops        0/1 done (0%), 1 blocked",
        "    Release  0/1 done (0%), 1 blocked",
        "",
        "In progress:",
        f"  - API [Backend / Build] {steps['API']}",
        "",
        "Blocked:",
        f"  - Deploy [Ops / Release] {steps['Deploy']}: waiting for keys",
        "",
        "Next:",
        f"  - Load test [Backend / Build] {steps['Load test']}",
        "",
        "Recently done:",
        f"  - Schema [Backend / Build] {steps['Schema']}",
    ]


def test_status_as_json_is_the_daemons_report(daemon: Daemon, capsys: pytest.CaptureFixture[str]) -> None:
    build_launch_plan(daemon.url)
    assert main(["status", "launch", "--format", "json", "--next", "0", "--url", daemon.url]) == 0
    report = msgspec.json.decode(capsys.readouterr().out)
    assert report == httpx.get(daemon.url + "/api/projects/launch/status", params={"next": 0}).json()
    assert report["next_steps"] == []


def test_status_of_an_unknown_project_says_so(daemon: Daemon, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "nope", "--url", daemon.url]) == 1
    assert capsys.readouterr().err == "contextstack: no project with id or slug 'nope'\n"


def test_context_prints_the_document_a_model_starts_from(daemon: Daemon, capsys: pytest.CaptureFixture[str]) -> None:
    build_launch_plan(daemon.url)
    assert main(["context", "launch", "--url", daemon.url]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("# Launch\n")
    assert "waiting for keys" in printed
    markdown = httpx.get(daemon.url + "/api/projects/launch/context", params={"format": "markdown"})
    assert printed == markdown.text


def test_context_passes_query_and_budget_and_answers_json(daemon: Daemon, capsys: pytest.CaptureFixture[str]) -> None:
    build_launch_plan(daemon.url)
    knowledge = {"kind": "decision", "title": "Deploy with Fly", "body": "Fly.io machines.", "project": "launch"}
    httpx.post(daemon.url + "/api/knowledge", json=knowledge).raise_for_status()
    args = ["--query", "deploy", "--budget", "60"]
    assert main(["context", "launch", *args, "--format", "json", "--url", daemon.url]) == 0
    printed = msgspec.json.decode(capsys.readouterr().out)
    expected = httpx.get(daemon.url + "/api/projects/launch/context", params={"query": "deploy", "budget": 60}).json()
    assert printed == expected
    assert printed["budget"] == 60
    assert printed["tokens"] <= 60
    assert main(["context", "launch", *args, "--url", daemon.url]) == 0
    assert capsys.readouterr().out == expected["document"]


def test_context_of_an_unknown_project_says_so(daemon: Daemon) -> None:
    result = contextstack("context", "nope", "--url", daemon.url)
    assert result.returncode == 1
    assert result.stderr == "contextstack: no project with id or slug 'nope'\n"


def test_the_daemon_url_comes_from_contextstack_url(
    daemon: Daemon, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CONTEXTSTACK_URL", daemon.url + "/")
    assert main(["projects"]) == 0
    assert capsys.readouterr().err == "no projects yet\n"


def test_the_default_daemon_is_the_local_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTEXTSTACK_URL", raising=False)
    assert daemon_url(None) == DEFAULT_URL == "http://127.0.0.1:8765"
    monkeypatch.setenv("CONTEXTSTACK_URL", "http://127.0.0.1:9000")
    assert daemon_url("http://localhost:9001/") == "http://localhost:9001"


def test_no_daemon_is_one_line_that_says_how_to_start_one() -> None:
    result = contextstack("projects", env={"CONTEXTSTACK_URL": f"http://127.0.0.1:{free_port()}"})
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert "no daemon answers at http://127.0.0.1:" in result.stderr
    assert "`contextstack serve`" in result.stderr


@pytest.mark.parametrize("url", ["localhost:8765", "ftp://127.0.0.1"])
def test_an_address_that_is_not_a_url_is_named(url: str) -> None:
    result = contextstack("projects", "--url", url)
    assert result.returncode == 1
    assert result.stderr == f"contextstack: {url} is not a daemon address; give one like http://127.0.0.1:8765\n"


def test_contextstack_token_is_sent_as_the_bearer_token(tmp_path: Path) -> None:
    running = start_daemon(tmp_path, env={"CONTEXTSTACK_TOKEN": "t0ken"})
    try:
        refused = contextstack("projects", "--url", running.url)
        assert refused.returncode == 1
        assert "access token" in refused.stderr
        assert "Set CONTEXTSTACK_TOKEN" in refused.stderr
        assert "Traceback" not in refused.stderr

        accepted = contextstack("projects", "--url", running.url, env={"CONTEXTSTACK_TOKEN": "t0ken"})
        assert accepted.returncode == 0, accepted.stderr
    finally:
        stop_daemon(running)


def test_export_then_import_makes_a_copy_of_the_project(
    daemon: Daemon, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build_launch_plan(daemon.url)
    exported = tmp_path / "launch.json"
    assert main(["export", "launch", "--url", daemon.url, "-o", str(exported)]) == 0
    assert msgspec.json.decode(exported.read_bytes())["format_version"] == 1
    assert main(["import", str(exported), "--slug", "launch-copy", "--url", daemon.url]) == 0
    assert "imported into launch-copy (new): 2 tracks, 2 phases, 4 steps" in capsys.readouterr().out
    original = httpx.get(daemon.url + "/api/projects/launch/status").json()
    copy = httpx.get(daemon.url + "/api/projects/launch-copy/status").json()
    assert copy["counts"] == original["counts"]


def test_export_as_agents_md_prints_the_file(daemon: Daemon, capsys: pytest.CaptureFixture[str]) -> None:
    build_launch_plan(daemon.url)
    assert main(["export", "launch", "--format", "agents-md", "--url", daemon.url]) == 0
    assert "Launch" in capsys.readouterr().out


@pytest.mark.parametrize(("content", "message"), [(b"{not json", "is not JSON"), (b'{"format_version": 99}', "format")])
def test_a_bad_import_file_is_one_line_and_a_failure(
    daemon: Daemon, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    result = contextstack("import", str(path), "--url", daemon.url)
    assert result.returncode == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_export_of_an_unknown_project_says_so(daemon: Daemon) -> None:
    result = contextstack("export", "nope", "--url", daemon.url)
    assert result.returncode == 1
    assert "nope" in result.stderr
