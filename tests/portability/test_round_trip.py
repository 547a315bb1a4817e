"""Export → import as new → export gives the same document, whatever the project (up to ids and the slug)."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.portability.sample import Client, export, normalised, post

# Any text a store can hold and JSON can carry: PostgreSQL's text cannot hold the NUL character (U+0000), and a
# lone surrogate (category Cs) is no UTF-8 at all.
STORABLE = st.characters(exclude_characters="\x00", exclude_categories=("Cs",))
KINDS = ("decision", "constraint", "architecture", "convention", "reference", "note")

steps = st.lists(
    st.fixed_dictionaries(
        {
            "status": st.sampled_from(["todo", "in_progress", "blocked", "done"]),
            "place": st.integers(min_value=0, max_value=3),  # where it is inserted among its siblings
            "depends": st.lists(st.integers(min_value=0, max_value=20), max_size=3),  # on steps made before it
            "criteria": st.lists(st.text(STORABLE, min_size=1, max_size=20).filter(str.strip), max_size=2),
        }
    ),
    max_size=3,
)
projects = st.fixed_dictionaries(
    {
        "tracks": st.lists(
            st.tuples(st.integers(min_value=0, max_value=3), st.lists(steps, max_size=3)), min_size=0, max_size=3
        ),
        "knowledge": st.lists(
            st.fixed_dictionaries(
                {
                    "kind": st.sampled_from(KINDS),
                    "pinned": st.booleans(),
                    "tags": st.lists(st.sampled_from(["a", "b", "c d"]), max_size=2, unique=True),
                    "supersedes": st.none() | st.integers(min_value=0, max_value=10),
                    "body": st.text(STORABLE, max_size=30),
                }
            ),
            max_size=5,
        ),
    }
)


async def create(client: Client, slug: str, shape: dict[str, Any]) -> None:
    """A project of this shape, built over the API: positions scrambled, dependencies only on earlier steps."""
    await post(client, "/api/projects", {"name": f"Project {slug}", "slug": slug, "instructions": "Do it well."})
    made: list[str] = []
    for t, (track_place, phases) in enumerate(shape["tracks"]):
        track = await post(client, f"/api/projects/{slug}/tracks", {"name": f"T{t}", "position": min(track_place, t)})
        for p, phase_steps in enumerate(phases):
            phase = await post(client, f"/api/tracks/{track['id']}/phases", {"name": f"P{p}"})
            for s, step in enumerate(phase_steps):
                depends_on = sorted({made[n] for n in step["depends"] if n < len(made)})
                body = {
                    "title": f"S{len(made)}",
                    "position": min(step["place"], s),
                    "depends_on": depends_on,
                    "acceptance_criteria": step["criteria"],
                }
                created = await post(client, f"/api/phases/{phase['id']}/steps", body)
                made.append(created["id"])
                if step["status"] != "todo":
                    change = {"status": step["status"], "force": True, "reason": "waiting"}
                    if step["status"] != "blocked":
                        del change["reason"]
                    await post(client, f"/api/steps/{created['id']}/status", change)
    entries: list[str] = []
    superseded: set[str] = set()
    for k, entry in enumerate(shape["knowledge"]):
        body: dict[str, Any] = {
            "kind": entry["kind"],
            "title": f"K{k}",
            "body": entry["body"],
            "tags": entry["tags"],
            "pinned": entry["pinned"],
            "project": slug,
        }
        old = entry["supersedes"]
        if old is not None and old < len(entries) and entries[old] not in superseded:
            body["supersedes"] = entries[old]
            superseded.add(entries[old])
        entries.append((await post(client, "/api/knowledge", body))["id"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=projects)
async def test_export_import_export_is_identical(client: Client, shape: dict[str, Any]) -> None:
    # A slug of its own for each example: the store is the test's, shared by every example Hypothesis runs.
    slug = f"p{uuid.uuid4().hex[:12]}"
    await create(client, slug, shape)
    original = await export(client, slug)
    imported = (await post(client, "/api/projects/import", {"export": original}))["project"]
    copied = await export(client, imported["id"])
    assert normalised(copied) == normalised(original)
    again = (await post(client, "/api/projects/import", {"export": copied}))["project"]
    assert normalised(await export(client, again["id"])) == normalised(original)
