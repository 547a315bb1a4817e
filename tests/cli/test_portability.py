"""`contextstack context`, `export` and `import` for the current project, and failures that name what to do."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import Cli
from tests.conftest import free_port


def test_context_of_the_current_project_with_query_and_budget(cli: Cli, launch: str) -> None:
    cli.ok("decide", "Deploy with Fly", "Fly.io machines.")
    expected = httpx.get(f"{cli.url}/api/projects/{launch}/context", params={"query": "deploy", "budget": 80}).json()
    assert cli.json("context", "--query", "deploy", "--budget", "80") == expected
    assert cli.ok("context", "--query", "deploy", "--budget", "80") == expected["document"]


def test_export_and_import_of_the_current_project(cli: Cli, launch: str, tmp_path: Path) -> None:
    exported = tmp_path / "launch.json"
    result = cli("export", "-o", str(exported))
    assert (result.status, result.err) == (0, f"wrote {exported}\n")
    imported = cli.json("import", str(exported), "--slug", f"{launch}-copy")
    assert imported["counts"]["steps"] == 4
    assert cli.ok("import", str(exported)).startswith(f"imported into {launch}-2 (new): 2 tracks, 2 phases, 4 steps")


@pytest.mark.parametrize("args", [["plan"], ["start", "Schema"], ["kb", "list"], ["project", "new", "X"], ["use", "x"]])
def test_no_daemon_is_one_line_that_says_how_to_start_one(cli: Cli, args: list[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = cli(*args, "--project", "any", "--url", url)
    assert result.status == 1
    assert result.out == ""
    assert result.err.startswith(f"contextstack: no daemon answers at {url} (")
    assert result.err.endswith("); start one with `contextstack serve`\n")


def test_export_and_import_show_their_progress_on_a_terminal(
    cli: Cli, launch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    exported = tmp_path / "launch.json"
    result = cli("export", "-o", str(exported))
    assert result.status == 0, result.err
    assert f"exporting {launch}" in result.err
    assert exported.read_bytes() == httpx.get(f"{cli.url}/api/projects/{launch}/export").content
    assert exported.stat().st_mode & 0o777 == 0o600
    result = cli("import", str(exported), "--slug", f"{launch}-progress")
    assert result.status == 0, result.err
    assert f"importing {exported.name}" in result.err
    assert httpx.get(f"{cli.url}/api/projects/{launch}-progress").status_code == 200


def test_piped_export_and_import_print_no_progress(cli: Cli, launch: str, tmp_path: Path) -> None:
    exported = tmp_path / "launch.json"
    assert cli("export", "-o", str(exported)).err == f"wrote {exported}\n"
    result = cli("import", str(exported), "--slug", f"{launch}-quiet")
    assert (result.status, result.err) == (0, "")
