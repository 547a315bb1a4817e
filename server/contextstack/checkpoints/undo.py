"""Undo of an AI burst: put back what the last `ai:*` burst changed, and only that.

The burst is what AI actors changed since the project's newest `ai_burst` checkpoint. The state aimed at is
the present with each entity the burst touched as the checkpoint had it; positions under each parent are
numbered again, and knowledge links and step dependencies are made to hold among what remains. An entity a
person changed after the burst too, or one left without its parent, is a conflict unless `force`.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from contextstack.checkpoints import store
from contextstack.checkpoints.apply import apply_differences
from contextstack.checkpoints.automatic import is_ai
from contextstack.checkpoints.models import UndoResult
from contextstack.checkpoints.service import DEFAULT_KEEP, change_counts, prune, take_checkpoint, version_bumps
from contextstack.checkpoints.snapshot import (
    Entity,
    build,
    changed_fields,
    differences,
    entities_of,
    kind_of,
    read_globals,
    read_state,
    stored_tree,
    title_of,
)
from contextstack.errors import Conflict, FieldError, NotFound
from contextstack.events import store as events_store
from contextstack.plan.service import resolve_project, resolve_project_id
from contextstack.storage import Database, Transaction

_OWN_EVENTS = ("checkpoint.", "project.restored", "project.undone")
_PARENT = {"track": "project_id", "phase": "track_id", "step": "phase_id", "knowledge": "project_id"}
_LEVELS = ("track", "phase", "step")


async def undo_ai_burst(
    db: Database, project_ref: str, actor: str, *, force: bool = False, keep: int = DEFAULT_KEEP
) -> UndoResult:
    """Revert the last AI burst on a project; Conflict listing what a person changed since, unless `force`."""
    async with db.transaction() as tx:
        project_id = await resolve_project_id(tx, project_ref)
        bursts = await store.list_checkpoints(tx, project_id, before=None, trigger="ai_burst", limit=1)
        if not bursts:
            raise NotFound(f"no AI burst to undo in project {project_ref!r}")
        burst = bursts[0]
        guarded = await store.guarded_globals(tx, burst.id)
        touched, by_person = await _touched(tx, project_id, burst.event_id, guarded)
        project_state = await read_state(tx, project_id)
        assert project_state is not None
        present = {**project_state, **await read_globals(tx, guarded)}
        before = await entities_of(tx, stored_tree(await store.checkpoint_buckets(tx, burst.id)))
        target, conflicts = _reverted(present, before, touched, by_person)
        if conflicts and not force:
            raise Conflict(
                f"a person changed {len(conflicts)} of the entities the AI burst changed since it; "
                "pass force to revert them too",
                errors=[
                    FieldError(e["id"], f"{e['entity']} {title_of(e)!r}: changed by a person after the burst")
                    for e in conflicts
                ],
            )
        taken, built = await take_checkpoint(
            tx, present, trigger="undo", actor=actor, reason=f"before undoing the burst of {burst.id}", guarded=guarded
        )
        found = await differences(tx, built.tree, build(target).tree)
        await apply_differences(tx, found, await version_bumps(tx, project_id, burst.event_id, guarded))
        counts = change_counts(found)
        await tx.record_event(
            "project.undone",
            actor=actor,
            project_id=project_id,
            entity_id=project_id,
            data={"checkpoint": burst.id, "checkpoint_before_undo": taken.id, "counts": msgspec.to_builtins(counts)},
        )
        await prune(tx, project_id, keep)
        project = await resolve_project(tx, project_id)
    return UndoResult(project=project, checkpoint_before_undo=taken.id, undone=burst.id, counts=counts)


async def _touched(tx: Transaction, project_id: str, after_event: int, guarded: list[str]) -> tuple[set[str], set[str]]:
    """The entities AI actors changed since `after_event` (the project's, and the global entries the burst's
    checkpoint guards), and those a person changed after the burst began."""
    touched: set[str] = set()
    by_person: set[str] = set()
    events = await events_store.project_events_after(tx, project_id, after_event)
    events += [e for e in await events_store.entity_events_after(tx, guarded, after_event) if e.project_id is None]
    for event in sorted(events, key=lambda e: e.id):
        if event.entity_id is None or event.type.startswith(_OWN_EVENTS):
            continue
        if is_ai(event.actor):
            touched.add(event.entity_id)
        elif touched:
            by_person.add(event.entity_id)
    return touched, by_person


def _reverted(
    present: dict[str, Entity], before: dict[str, Entity], touched: set[str], by_person: set[str]
) -> tuple[dict[str, Entity], list[Entity]]:
    """The state an undo aims at, and the entities in conflict."""
    target = dict(present)
    conflicts: list[Entity] = []
    touched = set(touched)
    for kind in _LEVELS:  # what went with a deleted parent was deleted by the burst too
        for entity in _of(before.values(), kind):
            if entity["id"] not in present and entity[_PARENT[kind]] in touched:
                touched.add(entity["id"])
    for entity_id in sorted(touched):
        now, then = present.get(entity_id), before.get(entity_id)
        if now == then or (now is not None and then is not None and not changed_fields(now, then)):
            continue  # as it was (an undo done already leaves only new versions)
        if entity_id in by_person:
            conflicts.append(present.get(entity_id) or before[entity_id])
        if entity_id in before:
            target[entity_id] = before[entity_id]
        else:
            target.pop(entity_id, None)
    conflicts += _drop_orphans(target)
    _renumber(target, before, by_person)
    _relink(target)
    return target, conflicts


def _drop_orphans(target: dict[str, Entity]) -> list[Entity]:
    """Remove what lost its parent (a person's step in a phase the AI had added); answer what went."""
    dropped = []
    for kind in (*_LEVELS, "knowledge"):
        for entity in [e for e in target.values() if e["entity"] == kind]:
            if entity[_PARENT[kind]] not in target and kind_of(entity) != "global_knowledge":
                dropped.append(target.pop(entity["id"]))
    return dropped


def _renumber(target: dict[str, Entity], before: dict[str, Entity], by_person: set[str]) -> None:
    """Number each parent's children 0..n-1: in the checkpoint's order where nothing but the burst moved them."""

    def place(entity: Entity) -> tuple[int, str]:
        old = before.get(entity["id"])
        parent = _PARENT[entity["entity"]]
        if old is not None and entity["id"] not in by_person and old[parent] == entity[parent]:
            return int(old["position"]), entity["id"]
        return int(entity["position"]), entity["id"]

    for kind in _LEVELS:
        siblings: dict[str, list[Entity]] = {}
        for entity in target.values():
            if entity["entity"] == kind:
                siblings.setdefault(entity[_PARENT[kind]], []).append(entity)
        for children in siblings.values():
            for position, entity in enumerate(sorted(children, key=place)):
                if entity["position"] != position:
                    target[entity["id"]] = {**entity, "position": position}


def _relink(target: dict[str, Entity]) -> None:
    """Keep knowledge links and step dependencies among what the target holds, each link seen from both ends."""
    successor = {e["supersedes"]: e["id"] for e in _of(target.values(), "knowledge") if e["supersedes"] in target}
    for entity in list(_of(target.values(), "knowledge")):
        links = {
            "supersedes": entity["supersedes"] if entity["supersedes"] in target else None,
            "superseded_by": successor.get(entity["id"]),
        }
        if any(entity[name] != value for name, value in links.items()):
            target[entity["id"]] = {**entity, **links}
    for entity in list(_of(target.values(), "step")):
        depends_on = [step for step in entity["depends_on"] if step in target]
        if depends_on != entity["depends_on"]:
            target[entity["id"]] = {**entity, "depends_on": depends_on}


def _of(entities: Iterable[Entity], kind: str) -> list[Entity]:
    return [e for e in entities if e["entity"] == kind]
