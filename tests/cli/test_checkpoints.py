"""`contextstack checkpoint create|list|diff|restore|delete` and `undo`, against the shared daemon."""

from __future__ import annotations

import httpx

from tests.cli.conftest import Cli
from tests.conftest import free_port


def test_a_checkpoint_is_taken_listed_diffed_restored_and_deleted(cli: Cli, launch: str) -> None:
    taken = cli.json("checkpoint", "create", "before the rework", "--reason", "trying a new plan")
    assert taken["label"] == "before the rework"
    assert cli.ok("checkpoint", "create").startswith("took chk_")
    cli.ok("step", "add", "Rollback plan")
    cli.ok("done", "Schema")

    listed = cli.ok("checkpoint", "list")
    first = listed.splitlines()[-1]
    assert first.startswith(taken["id"])
    assert first.split()[3:] == ["manual", "before", "the", "rework", "4", "steps,", "0", "entries"]
    assert [item["id"] for item in cli.json("checkpoint", "list", "--trigger", "manual")["items"]][-1] == taken["id"]

    diff = cli.ok("checkpoint", "diff", taken["id"])
    assert "+ step 'Rollback plan' (stp_" in diff
    assert "~ step 'Schema' (stp_" in diff
    assert '    status: "todo" -> "done"' in diff
    assert cli.json("checkpoint", "diff", taken["id"])["changed"][0]["fields"]["status"] == {
        "before": "todo",
        "after": "done",
    }

    restored = cli.ok("checkpoint", "restore", taken["id"])
    assert restored.startswith(f"restored {launch} to {taken['id']}: 0 added, 1 removed, 1 changed\n")
    before_restore = restored.split("the state before is ")[1].split(":")[0]
    assert f"`contextstack checkpoint restore {before_restore}` puts it back" in restored
    assert cli.ok("checkpoint", "diff", taken["id"]) == "no differences\n"
    assert "Rollback plan" not in cli.ok("plan")

    assert cli.ok("checkpoint", "delete", taken["id"]) == f"deleted {taken['id']} of {launch}\n"
    gone = cli("checkpoint", "diff", taken["id"])
    assert (gone.status, gone.err) == (1, f"contextstack: no checkpoint with id {taken['id']!r}\n")


def test_undo_reverts_the_ai_burst_and_a_conflict_says_how_to_force_it(cli: Cli, launch: str) -> None:
    project = httpx.get(f"{cli.url}/api/projects/{launch}/plan").json()
    phase = project["tracks"][0]["phases"][0]["id"]
    schema = project["tracks"][0]["phases"][0]["steps"][0]["id"]
    ai = {"X-Contextstack-Actor": "ai:agent"}
    added = httpx.post(f"{cli.url}/api/phases/{phase}/steps", json={"title": "Agent step"}, headers=ai).json()
    httpx.post(f"{cli.url}/api/steps/{schema}/status", json={"status": "in_progress"}, headers=ai)
    httpx.post(f"{cli.url}/api/steps/{schema}/status", json={"status": "done"})  # a person, after the burst

    refused = cli("undo")
    assert refused.status == 1
    assert refused.err.startswith("contextstack: a person changed 1 of the entities the AI burst changed since it: ")
    assert f"{schema}: step 'Schema': changed by a person after the burst" in refused.err
    assert refused.err.endswith("`contextstack undo --force` reverts them too\n")
    assert httpx.get(f"{cli.url}/api/steps/{added['id']}").status_code == 200  # nothing was undone

    undone = cli.ok("undo", launch, "--force")
    assert undone.startswith("undid the AI burst after chk_")
    assert f"in {launch}: 0 added, 1 removed, 1 changed\n" in undone
    assert httpx.get(f"{cli.url}/api/steps/{added['id']}").status_code == 404
    assert httpx.get(f"{cli.url}/api/steps/{schema}").json()["status"] == "todo"

    again = cli.ok("undo", launch)
    assert f"in {launch}: 0 added, 0 removed, 0 changed\n" in again  # undoing twice is harmless


def test_an_empty_list_says_how_to_take_one(cli: Cli, project: str) -> None:
    result = cli("checkpoint", "list")
    assert (result.status, result.out) == (0, "")
    assert result.err == "no checkpoints yet; take one with `contextstack checkpoint create LABEL`\n"


def test_no_daemon_is_one_line_that_says_how_to_start_one(cli: Cli) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    for args in (["checkpoint", "list"], ["undo"], ["checkpoint", "restore", "chk_x"]):
        result = cli(*args, "--project", "any", "--url", url)
        assert result.status == 1
        assert result.err.startswith(f"contextstack: no daemon answers at {url} (")
