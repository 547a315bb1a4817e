"""Bringing a project to a target state by writing only what differs, through the plan's and memory's stores.

Restored entities keep their ids; each written one gets a version above any it had, so a client holding an old
ETag gets 412. Knowledge goes through memory's store, whose triggers keep the full-text index in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contextstack.checkpoints.snapshot import Differences, Entity
from contextstack.errors import Conflict, FieldError
from contextstack.memory import store as memory_store
from contextstack.memory.models import KnowledgeEntry
from contextstack.plan import store as plan_store
from contextstack.plan.models import Phase, Project, Step, Track
from contextstack.storage import Transaction

_TABLES = {"track": plan_store.TRACKS, "phase": plan_store.PHASES, "step": plan_store.STEPS}
_LEVELS = ("track", "phase", "step")
# What an update leaves alone: who the entity is, where it belongs, and what the restore sets itself.
_FIXED = frozenset({"entity", "id", "project_id", "version", "updated_at"})
_LINKS = ("supersedes", "superseded_by")


def _fields(entity: Entity, *, version: int, updated_at: str) -> dict[str, Any]:
    fields = {name: value for name, value in entity.items() if name != "entity"}
    return {**fields, "version": version, "updated_at": updated_at}


def _by_kind(entities: list[Entity], kind: str) -> list[Entity]:
    return [entity for entity in entities if entity["entity"] == kind]


async def apply_differences(tx: Transaction, differences: Differences, bumps: Mapping[str, int]) -> None:
    """Write `differences` (from the present to the target) in this transaction.

    `bumps`: for an entity that comes back, how many changes it may have had since the target state (its
    version goes above them).
    """
    added, removed, changed = differences
    at = tx.created_at

    def recreated_version(entity: Entity) -> int:
        return int(entity["version"]) + 1 + bumps.get(entity["id"], 0)

    def new_version(present: Entity, target: Entity) -> int:
        return max(int(present["version"]), int(target["version"])) + 1

    for entity in _by_kind(added, "project"):
        if await plan_store.slug_taken(tx, entity["slug"]):
            raise _slug_taken(entity["slug"])
        await plan_store.insert_project(
            tx, Project(**_fields(entity, version=recreated_version(entity), updated_at=at))
        )
    for present, target in changed:
        if target["entity"] == "project":
            if target["slug"] != present["slug"] and await plan_store.slug_taken(tx, target["slug"]):
                raise _slug_taken(target["slug"])
            await plan_store.update_project(tx, target["id"], _changes(target), new_version(present, target), at)

    # Positions are unique under each parent: whatever moves or goes leaves its place first.
    for kind in _LEVELS:
        moving = [p["id"] for p, _ in changed if p["entity"] == kind] + [e["id"] for e in _by_kind(removed, kind)]
        if moving:
            await plan_store.park(tx, _TABLES[kind], moving)
    await plan_store.insert_tracks(
        tx, [Track(**_fields(e, version=recreated_version(e), updated_at=at)) for e in _by_kind(added, "track")]
    )
    await plan_store.insert_phases(
        tx, [Phase(**_fields(e, version=recreated_version(e), updated_at=at)) for e in _by_kind(added, "phase")]
    )
    await plan_store.insert_steps(
        tx, [Step(**_fields(e, version=recreated_version(e), updated_at=at)) for e in _by_kind(added, "step")]
    )
    writers = {"track": plan_store.update_track, "phase": plan_store.update_phase, "step": plan_store.update_step}
    for kind in _LEVELS:
        for present, target in changed:
            if target["entity"] == kind:
                await writers[kind](tx, target["id"], _changes(target), new_version(present, target), at)
    for kind in reversed(_LEVELS):
        for entity in _by_kind(removed, kind):
            await plan_store.delete_item(tx, _TABLES[kind], entity["id"])

    for entity in _by_kind(removed, "knowledge"):
        await memory_store.delete_entry(tx, entity["id"])
    # Links are set once every entry exists: the foreign keys are checked row by row.
    new_entries = _by_kind(added, "knowledge")
    await memory_store.insert_entries(
        tx,
        [
            KnowledgeEntry(
                **{**_fields(e, version=recreated_version(e), updated_at=at), "supersedes": None, "superseded_by": None}
            )
            for e in new_entries
        ],
    )
    changed_entries = [(p, t) for p, t in changed if t["entity"] == "knowledge"]
    for present, target in changed_entries:
        changes = {name: value for name, value in _changes(target).items() if name not in _LINKS}
        await memory_store.update_entry(tx, target["id"], changes, new_version(present, target), at)
    links = [
        (e["id"], e["supersedes"], e["superseded_by"]) for e in new_entries if e["supersedes"] or e["superseded_by"]
    ]
    links += [(t["id"], t["supersedes"], t["superseded_by"]) for _, t in changed_entries]
    await memory_store.link_supersedes(tx, links)


def _changes(target: Entity) -> dict[str, Any]:
    return {name: value for name, value in target.items() if name not in _FIXED}


def _slug_taken(slug: str) -> Conflict:
    return Conflict(
        f"the slug {slug!r} is taken by another project now; rename that one first",
        errors=[FieldError(field="slug", message="already in use")],
    )
