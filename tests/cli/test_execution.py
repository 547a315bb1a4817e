"""`contextstack start|block|done`, `next` and `status`."""

from __future__ import annotations

import httpx
import pytest

from tests.cli.conftest import Cli


def test_start_block_and_done_move_a_step_along(cli: Cli, launch: str) -> None:
    assert cli.ok("start", "Schema").startswith("started Schema (stp_")
    assert cli.ok("done", "Schema").startswith("done Schema (stp_")
    blocked = cli.ok("block", "Deploy", "--reason", "waiting for keys")
    assert blocked.startswith("blocked Deploy (stp_")
    assert blocked.endswith("): waiting for keys\n")
    statuses = [
        step["status"] for track in cli.json("plan")["tracks"] for phase in track["phases"] for step in phase["steps"]
    ]
    assert statuses == ["done", "todo", "todo", "blocked"]


def test_block_without_a_reason_is_bad_usage(cli: Cli, launch: str) -> None:
    result = cli("block", "Deploy")
    assert result.status == 2
    assert "--reason" in result.err


def test_a_step_whose_dependency_is_not_done_is_refused_unless_forced(cli: Cli, launch: str) -> None:
    cli.ok("step", "edit", "API", "--after", "Schema")
    refused = cli("start", "API")
    assert refused.status == 1
    assert len(refused.err.splitlines()) == 1
    assert "Schema" in refused.err
    assert cli.json("start", "API", "--force")["status"] == "in_progress"


def test_next_lists_the_steps_that_can_start_with_their_positions(cli: Cli, launch: str) -> None:
    cli.ok("step", "edit", "API", "--after", "Schema")
    cli.ok("start", "Schema")
    rows = [line.split("  ") for line in cli.ok("next").splitlines()]
    assert [(row[0], row[1]) for row in rows] == [("1.1.3", "Load test"), ("2.1.1", "Deploy")]
    assert cli.json("next", "-n", "1")["next_steps"][0]["title"] == "Load test"


def test_next_with_nothing_to_do_says_so(cli: Cli, project: str) -> None:
    assert cli.ok("next") == f"{project}: no steps yet; add one with `contextstack step add TITLE`\n"


def test_status_of_the_current_project(cli: Cli, launch: str) -> None:
    cli.ok("done", "Schema")
    lines = cli.ok("status").splitlines()
    assert lines[0] == f"Project {launch} ({launch}): 1/4 done (25%)"
    assert "Recently done:" in lines


def test_status_on_a_terminal_draws_progress_bars(cli: Cli, launch: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.ok("done", "Schema")
    monkeypatch.setenv("FORCE_COLOR", "1")
    drawn = cli.ok("status")
    assert "━" in drawn
    assert "\x1b[1m" in drawn


def test_status_as_json_is_the_daemons_report(cli: Cli, launch: str) -> None:
    assert cli.json("status") == httpx.get(f"{cli.url}/api/projects/{launch}/status").json()
