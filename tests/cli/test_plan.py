"""`contextstack plan` and `track|phase|step add|edit|move|rm`, and naming what they act on."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import Cli

LAUNCH_PLAN = """\
Project {slug} ({slug})
1 Backend
  1.1 Build
    1.1.1 [ ] Schema
    1.1.2 [ ] API
    1.1.3 [ ] Load test
2 Ops
  2.1 Release
    2.1.1 [ ] Deploy
"""


def test_plan_prints_the_tree_with_positions(cli: Cli, launch: str) -> None:
    assert cli.ok("plan") == LAUNCH_PLAN.format(slug=launch)


def test_plan_on_a_terminal_draws_a_tree_in_colour(cli: Cli, launch: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.ok("block", "Deploy", "--reason", "keys")
    monkeypatch.setenv("FORCE_COLOR", "1")
    drawn = cli.ok("plan")
    assert "\x1b[" in drawn
    assert "└── " in drawn
    assert "2.1.1" in drawn
    assert "[!] Deploy — keys" in drawn
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli.ok("plan") == LAUNCH_PLAN.format(slug=launch).replace("[ ] Deploy", "[!] Deploy — keys")


def test_plan_as_json_is_the_daemons_plan(cli: Cli, launch: str) -> None:
    assert cli.json("plan") == httpx.get(f"{cli.url}/api/projects/{launch}/plan").json()


def test_an_empty_plan_says_how_to_start_one(cli: Cli, project: str) -> None:
    assert (
        cli.ok("plan") == f"Project {project} ({project}): no tracks yet; add one with `contextstack track add NAME`\n"
    )


def test_add_places_at_a_position_and_in_a_named_parent(cli: Cli, launch: str) -> None:
    out = cli.ok("step", "add", "Migrations", "--phase", "Build", "--at", "2", "--criterion", "runs twice safely")
    assert out.startswith("added step 1.1.2 Migrations (stp_")
    step = cli.json("step", "edit", "Migrations", "--description", "up and down")
    assert (step["acceptance_criteria"], step["description"], step["position"]) == (
        ["runs twice safely"],
        "up and down",
        1,
    )
    assert cli.ok("phase", "add", "Staging", "--track", "2").startswith("added phase 2.2 Staging (phs_")


def test_a_step_can_depend_on_others_by_any_name(cli: Cli, launch: str) -> None:
    schema = cli.json("plan")["tracks"][0]["phases"][0]["steps"][0]["id"]
    step = cli.json("step", "add", "Seed data", "--phase", "1.1", "--after", schema, "--after", "API")
    api = cli.json("plan")["tracks"][0]["phases"][0]["steps"][1]["id"]
    assert step["depends_on"] == [schema, api]


def test_adding_a_step_to_a_plan_without_phases_says_what_to_do(cli: Cli, project: str) -> None:
    result = cli("step", "add", "Anything")
    assert result.status == 1
    assert result.err == (
        "contextstack: no phase yet to add a step to; add one with `contextstack phase add NAME --track TRACK`\n"
    )


def test_edit_renames_and_needs_something_to_change(cli: Cli, launch: str) -> None:
    assert cli.ok("track", "edit", "1", "--name", "Server").startswith("changed track Server (trk_")
    assert cli.ok("phase", "edit", "1.1", "--name", "Make").startswith("changed phase Make (phs_")
    assert cli.ok("step", "edit", "load", "--title", "Soak test").startswith("changed step Soak test (stp_")
    result = cli("step", "edit", "1.1.1")
    assert (result.status, result.err) == (
        2,
        "contextstack: nothing to change: give --title, --description or another field\n",
    )


def test_move_reorders_and_moves_into_another_parent(cli: Cli, launch: str) -> None:
    assert cli.ok("step", "move", "Load test", "1") == "moved step Load test to place 1\n"
    assert cli.ok("step", "move", "Deploy", "2", "--to", "1.1") == "moved step Deploy to place 2\n"
    assert cli.ok("track", "move", "Ops", "1") == "moved track Ops to place 1\n"
    assert cli.ok("plan").splitlines()[1:] == [
        "1 Ops",
        "  1.1 Release",
        "2 Backend",
        "  2.1 Build",
        "    2.1.1 [ ] Load test",
        "    2.1.2 [ ] Deploy",
        "    2.1.3 [ ] Schema",
        "    2.1.4 [ ] API",
    ]


def test_rm_of_what_holds_steps_takes_yes(cli: Cli, launch: str) -> None:
    refused = cli("phase", "rm", "Release")
    assert refused.status == 1
    assert refused.err == "contextstack: phase 2.1 Release holds 1 step(s); add --yes to remove them with it\n"
    assert cli.ok("phase", "rm", "Release", "--yes").startswith("removed phase phs_")
    assert cli.ok("step", "rm", "1.1.3").startswith("removed step stp_")
    assert cli.ok("track", "rm", "2").startswith("removed track trk_")
    assert cli.ok("plan").splitlines()[-1] == "    1.1.2 [ ] API"


@pytest.mark.parametrize("name", ["1.1.2", "API", "api", "AP"])
def test_a_step_is_named_by_position_or_title_prefix(cli: Cli, launch: str, name: str) -> None:
    assert cli.json("start", name)["title"] == "API"


def test_a_step_is_named_by_its_id_even_without_a_project(cli: Cli, launch: str) -> None:
    ops = cli.json("plan")["tracks"][1]
    step_id = ops["phases"][0]["steps"][0]["id"]
    Path(".contextstack").unlink()
    assert cli.ok("done", step_id) == f"done Deploy ({step_id})\n"
    assert (
        cli("track", "rm", ops["id"]).err
        == "contextstack: track 2 Ops holds 1 phase(s); add --yes to remove them with it\n"
    )
    assert cli.ok("track", "rm", ops["id"], "--yes") == f"removed track {ops['id']} with 1 phase, 1 step\n"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["start", "s"], "'s' matches 2 steps in {slug}: 1.1.1 Schema, 2.1.2 Schema docs; give more"),
        (["start", "Nothing"], "no step in {slug} has a title starting with 'Nothing'; `contextstack plan` lists them"),
        (["start", "3.1.1"], "no step at 3.1.1 in {slug}; `contextstack plan` shows the positions"),
        (["start", "1.1"], "1.1 is a phase's position; a step's looks like 2.1.3"),
        (["phase", "rm", "1"], "1 is a track's position; a phase's looks like 2.1"),
        (["start", "phs_01JD3XK5V0Q6X4T3N8W2ZC9RBE"], "phs_01JD3XK5V0Q6X4T3N8W2ZC9RBE is a phase's id; give a step"),
        (["start", "stp_01JD3XK5V0Q6X4T3N8W2ZC9RBE"], "no step with id 'stp_01JD3XK5V0Q6X4T3N8W2ZC9RBE'"),
    ],
)
def test_a_name_that_fits_no_one_or_several_is_one_line_and_exit_1(
    cli: Cli, launch: str, args: list[str], error: str
) -> None:
    cli.ok("step", "add", "Schema docs", "--phase", "Release")
    result = cli(*args)
    assert result.status == 1
    assert result.out == ""
    assert len(result.err.splitlines()) == 1
    assert error.format(slug=launch) in result.err
