"""`contextstack decide|constrain|note` and `kb list|search|show|edit|supersede|import`."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import httpx
import msgspec
import pytest

from tests.cli.conftest import Cli


def own_entries(cli: Cli) -> list[dict[str, object]]:
    """The current project's entries, without the global ones other tests may have recorded."""
    return [entry for entry in cli.json("kb", "list")["items"] if entry["project_id"] is not None]


@pytest.mark.parametrize(("command", "kind"), [("decide", "decision"), ("constrain", "constraint"), ("note", "note")])
def test_recording_knowledge_with_the_body_as_argument(cli: Cli, project: str, command: str, kind: str) -> None:
    out = cli.ok(command, "Store times as UTC", "ISO-8601 strings everywhere.", "--tag", "time", "--pin")
    assert out.startswith(f"recorded {kind} Store times as UTC (kno_")
    entry_id = out.split("(")[1].rstrip(")\n")
    entry = httpx.get(f"{cli.url}/api/knowledge/{entry_id}").json()
    assert (entry["kind"], entry["body"], entry["tags"], entry["pinned"]) == (
        kind,
        "ISO-8601 strings everywhere.",
        ["time"],
        True,
    )


@pytest.mark.parametrize("body_argument", [[], ["-"]])
def test_the_body_can_come_from_stdin(
    cli: Cli, project: str, monkeypatch: pytest.MonkeyPatch, body_argument: list[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("Piped in.\n"))
    assert cli.json("note", "From a pipe", *body_argument)["body"] == "Piped in."


def test_the_body_can_come_from_the_editor(
    cli: Cli, project: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text("import sys\nopen(sys.argv[1], 'w').write('Written in the editor.\\n')\n")
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    monkeypatch.delenv("VISUAL", raising=False)
    assert cli.json("decide", "Edited", "--edit")["body"] == "Written in the editor."


def test_a_failing_editor_records_nothing(cli: Cli, project: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISUAL", "false")
    result = cli("decide", "Never", "--edit")
    assert result.status == 2
    assert result.err == "contextstack: the editor 'false' exited with 1; nothing was recorded\n"
    assert own_entries(cli) == []


def test_global_knowledge_needs_no_project(cli: Cli) -> None:
    entry = cli.json("constrain", "No network in tests", "Fakes only.", "--global")
    assert entry["project_id"] is None
    assert entry["id"] in cli.ok("kb", "list")


def test_kb_list_search_show_edit_and_supersede(cli: Cli, project: str) -> None:
    first = cli.json("decide", "Use SQLite", "One file, WAL mode.", "--tag", "storage")
    cli.ok("note", "Shed paint", "Green.")
    listed = [line.split("  ")[0] for line in cli.ok("kb", "list", "--kind", "decision").splitlines()]
    assert listed == [first["id"]]
    assert cli.ok("kb", "search", "sqlite").split() == [first["id"], "decision", "Use", "SQLite"]
    hits = cli.json("kb", "search", "wal")
    assert [hit["entry"]["id"] for hit in hits["items"]] == [first["id"]]
    assert cli.ok("kb", "show", first["id"]).splitlines() == [
        "Use SQLite",
        f"decision · {first['id']} · tags: storage",
        "",
        "One file, WAL mode.",
    ]
    assert cli.json("kb", "edit", first["id"], "--title", "Use SQLite for the store", "--no-pin")["title"] == (
        "Use SQLite for the store"
    )
    newer = cli.json("kb", "supersede", first["id"], "Use PostgreSQL", "Several devices now.")
    assert (newer["supersedes"], newer["kind"], newer["tags"]) == (first["id"], "decision", ["storage"])
    assert first["id"] not in cli.ok("kb", "list")
    assert "(superseded)" in cli.ok("kb", "list", "--all")
    assert f"superseded by {newer['id']}" in cli.ok("kb", "show", first["id"])


def test_kb_edit_without_fields_opens_the_editor_on_the_body(
    cli: Cli, project: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    entry = cli.json("note", "Colours", "Green.")
    editor = tmp_path / "append.py"
    editor.write_text("import sys\np = sys.argv[1]\nopen(p, 'a').write(' And white trim.')\n")
    monkeypatch.setenv("VISUAL", f"{sys.executable} {editor}")
    assert cli.json("kb", "edit", entry["id"])["body"] == "Green. And white trim."


def test_kb_show_of_an_unknown_entry_is_exit_1(cli: Cli) -> None:
    result = cli("kb", "show", "kno_01JD3XK5V0Q6X4T3N8W2ZC9RBE")
    assert result.status == 1
    assert len(result.err.splitlines()) == 1


def test_kb_import_of_a_markdown_folder_with_progress(cli: Cli, project: str, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    (notes / "deep").mkdir(parents=True)
    (notes / "deploy.md").write_text("# Deploying\n\nWith fly.\n")
    (notes / "deep" / "paint-colours.md").write_text("Green and white.\n")
    (notes / "ignored.txt").write_text("not markdown")
    result = cli("kb", "import", str(notes), "--tag", "imported")
    assert (result.status, result.out) == (0, f"imported 2 entries from {notes}\n")
    assert result.err == "importing notes: 2/2\n"
    entries = {entry["title"]: entry for entry in own_entries(cli)}
    assert entries["Deploying"]["body"] == "With fly."
    assert entries["paint colours"]["source"] == "deep/paint-colours.md"
    assert entries["paint colours"]["tags"] == ["imported"]


def test_kb_import_of_jsonl_in_batches(cli: Cli, project: str, tmp_path: Path) -> None:
    lines = [f'{{"title": "Entry {n}", "body": "Body {n}.", "kind": "reference"}}' for n in range(1, 1201)]
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n\n")
    result = cli("kb", "import", str(path), "--json")
    assert result.status == 0
    assert result.err.splitlines() == [
        "importing many.jsonl: 500/1200",
        "importing many.jsonl: 1000/1200",
        "importing many.jsonl: 1200/1200",
    ]
    assert len(msgspec.json.decode(result.out)["ids"]) == 1200


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json\n", "bad.jsonl:1 is not JSON"),
        ('{"title": "a", "body": ""}\n[1]\n', "bad.jsonl:2 is not a JSON object"),
    ],
)
def test_kb_import_of_a_bad_jsonl_names_the_line(
    cli: Cli, project: str, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    result = cli("kb", "import", str(path))
    assert result.status == 1
    assert message in result.err
    assert own_entries(cli) == []


def test_kb_import_refused_by_the_daemon_says_which_entries(cli: Cli, project: str, tmp_path: Path) -> None:
    path = tmp_path / "untitled.jsonl"
    path.write_text('{"title": "", "body": "no title"}\n')
    result = cli("kb", "import", str(path))
    assert result.status == 1
    assert "(entries 1 on; 0 imported before)" in result.err
