"""Checkpoints: take, list, read, delete, diff and restore snapshots of a project, and undo an AI burst.

Every change is one transaction with its event. A restore first takes an automatic checkpoint of the present,
so it can itself be undone, then writes only what differs (checkpoints/apply.py).
"""

from __future__ import annotations

from collections import Counter

import msgspec

from contextstack.checkpoints import store
from contextstack.checkpoints.apply import apply_differences
from contextstack.checkpoints.models import (
    ChangeCounts,
    ChangedEntity,
    Checkpoint,
    CheckpointCreate,
    CheckpointDiff,
    CheckpointList,
    DiffEntity,
    FieldChange,
    RestoreResult,
    Trigger,
)
from contextstack.checkpoints.snapshot import (
    Built,
    Differences,
    Entity,
    Tree,
    build,
    changed_fields,
    differences,
    read_state,
    stored_tree,
    title_of,
)
from contextstack.errors import FieldError, Invalid, NotFound
from contextstack.events import store as events_store
from contextstack.ids import new_id
from contextstack.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor
from contextstack.plan.service import resolve_project, resolve_project_id
from contextstack.storage import Database, Reader, Transaction

_decode_bucket = msgspec.json.Decoder(dict[str, str]).decode

# Automatic checkpoints kept per project when the caller does not say (the daemon passes settings.checkpoint_keep).
DEFAULT_KEEP = 20


async def take_checkpoint(
    tx: Transaction,
    entities: dict[str, Entity],
    *,
    trigger: Trigger,
    actor: str,
    label: str | None = None,
    reason: str | None = None,
) -> tuple[Checkpoint, Built]:
    """Store a checkpoint of `entities` (a project's state) in this transaction; a manual one with its event."""
    built = build(entities)
    project = next(e for e in entities.values() if e["entity"] == "project")
    buckets = built.tree.buckets
    stored = await store.existing_blobs(tx, buckets)
    fresh_entities: Counter[str] = Counter()
    for digest in dict.fromkeys(buckets):
        if digest not in stored:
            fresh_entities.update(built.tree.bucket_maps[digest].values())
    await store.add_refs(tx, {h: (n, built.entity_blobs[h]) for h, n in fresh_entities.items()})
    await store.add_refs(tx, {h: (n, built.bucket_blobs[h]) for h, n in Counter(buckets).items()})
    checkpoint = Checkpoint(
        id=new_id("chk"),
        project_id=project["id"],
        project_slug=project["slug"],
        label=label,
        reason=reason,
        trigger=trigger,
        automatic=trigger != "manual",
        actor=actor,
        event_id=await events_store.last_event_id(tx),
        counts=dict(sorted(Counter(e["entity"] for e in entities.values()).items())),
        size=built.size,
        created_at=tx.created_at,
    )
    await store.insert_checkpoint(tx, checkpoint, buckets)
    if checkpoint.automatic:
        # Listed, not announced: the change it comes before has its own event (a restore's names it).
        return checkpoint, built
    await tx.record_event(
        "checkpoint.created",
        actor=actor,
        project_id=checkpoint.project_id,
        entity_id=checkpoint.id,
        data={"label": label, "reason": reason, "trigger": trigger, "counts": checkpoint.counts},
    )
    return checkpoint, built


async def prune(tx: Transaction, project_id: str, keep: int) -> None:
    """Delete the project's automatic checkpoints but the newest `keep`; labelled ones stay until deleted."""
    for old in (await store.automatic_checkpoint_ids(tx, project_id))[keep:]:
        await _drop(tx, old)


async def _drop(tx: Transaction, checkpoint_id: str) -> None:
    """Delete a checkpoint, and the blobs no other checkpoint shares."""
    buckets = await store.checkpoint_buckets(tx, checkpoint_id)
    await store.delete_checkpoint(tx, checkpoint_id)
    freed = await store.release(tx, Counter(buckets))
    entities: Counter[str] = Counter()
    for content in freed.values():
        entities.update(_decode_bucket(content).values())
    await store.release(tx, entities)


async def _committed_state(db: Database, project_id: str) -> dict[str, Entity] | None:
    """The project's state, read on a reader thread: inside a transaction that has written nothing yet, the
    committed state is the transaction's (one writer), and a reader thread reads it without a trip per query."""
    return await db.read(lambda view: read_state(view, project_id))


async def create_checkpoint(db: Database, project_ref: str, data: CheckpointCreate, actor: str) -> Checkpoint:
    """Snapshot a project (id or slug) as it is now."""
    async with db.transaction() as tx:
        project_id = await resolve_project_id(tx, project_ref)
        entities = await _committed_state(db, project_id)
        assert entities is not None
        checkpoint, _ = await take_checkpoint(
            tx, entities, trigger="manual", actor=data.actor or actor, label=data.label, reason=data.reason
        )
    return checkpoint


async def _checkpoint(reader: Reader, checkpoint_id: str, field: str | None = None) -> Checkpoint:
    checkpoint = await store.get_checkpoint(reader, checkpoint_id)
    if checkpoint is None:
        errors = [FieldError(field, "no such checkpoint")] if field else None
        raise NotFound(f"no checkpoint with id {checkpoint_id!r}", errors=errors)
    return checkpoint


async def get_checkpoint(db: Database, checkpoint_id: str) -> Checkpoint:
    """The checkpoint with this id; NotFound otherwise."""
    return await _checkpoint(db, checkpoint_id)


async def list_checkpoints(
    db: Database,
    project_ref: str,
    *,
    trigger: Trigger | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> CheckpointList:
    """A project's checkpoints, newest first, a page at a time; a deleted project's too, by its id."""

    async def read(view: Reader) -> list[Checkpoint]:
        project_id = await checkpointed_project_id(view, project_ref)
        before = decode_cursor(cursor, str) if cursor else None
        return await store.list_checkpoints(view, project_id, before=before, trigger=trigger, limit=limit + 1)

    found = await db.read(read)
    items = found[:limit]
    return CheckpointList(items=items, next_cursor=encode_cursor(items[-1].id) if len(found) > limit else None)


async def checkpointed_project_id(reader: Reader, project_ref: str) -> str:
    """The id of the project with this id or slug, or a deleted project's id if checkpoints of it remain."""
    try:
        return await resolve_project_id(reader, project_ref)
    except NotFound:
        if await store.list_checkpoints(reader, project_ref, before=None, trigger=None, limit=1):
            return project_ref
        raise


async def delete_checkpoint(db: Database, checkpoint_id: str, actor: str) -> Checkpoint:
    """Delete a checkpoint; the blobs it alone held go with it."""
    async with db.transaction() as tx:
        checkpoint = await _checkpoint(tx, checkpoint_id)
        await _drop(tx, checkpoint.id)
        await tx.record_event(
            "checkpoint.deleted",
            actor=actor,
            project_id=checkpoint.project_id,
            entity_id=checkpoint.id,
            data={"label": checkpoint.label, "trigger": checkpoint.trigger},
        )
    return checkpoint


async def _present_tree(reader: Reader, project_id: str) -> Tree:
    return build(await read_state(reader, project_id) or {}).tree


def _diff(found: Differences) -> CheckpointDiff:
    def summary(entity: Entity) -> DiffEntity:
        return DiffEntity(kind=entity["entity"], id=entity["id"], title=title_of(entity))

    return CheckpointDiff(
        added=[summary(e) for e in found.added],
        removed=[summary(e) for e in found.removed],
        changed=[
            ChangedEntity(
                kind=after["entity"],
                id=after["id"],
                title=title_of(after),
                fields={
                    name: FieldChange(before=old, after=new)
                    for name, (old, new) in changed_fields(before, after).items()
                },
            )
            for before, after in found.changed
        ],
    )


async def diff_checkpoint(db: Database, checkpoint_id: str, against: str = "now") -> CheckpointDiff:
    """What changed from the checkpoint to now, or to another checkpoint of the same project (`against`)."""

    async def read(view: Reader) -> Differences:
        checkpoint = await _checkpoint(view, checkpoint_id)
        before = stored_tree(await store.checkpoint_buckets(view, checkpoint.id))
        if against == "now":
            return await differences(view, before, await _present_tree(view, checkpoint.project_id))
        other = await _checkpoint(view, against, "against")
        if other.project_id != checkpoint.project_id:
            raise Invalid(
                "a diff compares checkpoints of one project",
                errors=[FieldError("against", "a checkpoint of another project")],
            )
        return await differences(view, before, stored_tree(await store.checkpoint_buckets(view, other.id)))

    return _diff(await db.read(read))


def change_counts(found: Differences) -> ChangeCounts:
    return ChangeCounts(added=len(found.added), removed=len(found.removed), changed=len(found.changed))


async def version_bumps(tx: Transaction, project_id: str, after_event: int) -> dict[str, int]:
    """How many events named each entity since `after_event`: an upper bound of its version changes since."""
    counts: Counter[str] = Counter()
    for event in await events_store.project_events_after(tx, project_id, after_event):
        if event.entity_id is not None:
            counts[event.entity_id] += 1
    return dict(counts)


async def restore_checkpoint(
    db: Database, checkpoint_id: str, actor: str, *, keep: int = DEFAULT_KEEP
) -> RestoreResult:
    """Put the checkpoint's project back as it was, in one transaction, after a checkpoint of the present."""
    async with db.transaction() as tx:
        checkpoint = await _checkpoint(tx, checkpoint_id)
        present = await _committed_state(db, checkpoint.project_id)
        before_restore = None
        if present is not None:
            taken, built = await take_checkpoint(
                tx, present, trigger="restore", actor=actor, reason=f"before restoring {checkpoint.id}"
            )
            before_restore, present_tree = taken.id, built.tree
        else:
            present_tree = build({}).tree
        target = stored_tree(await store.checkpoint_buckets(tx, checkpoint.id))
        found = await differences(tx, present_tree, target)
        await apply_differences(tx, found, await version_bumps(tx, checkpoint.project_id, checkpoint.event_id))
        counts = change_counts(found)
        await tx.record_event(
            "project.restored",
            actor=actor,
            project_id=checkpoint.project_id,
            entity_id=checkpoint.project_id,
            data={
                "checkpoint": checkpoint.id,
                "checkpoint_before_restore": before_restore,
                "counts": msgspec.to_builtins(counts),
            },
        )
        await prune(tx, checkpoint.project_id, keep)
        project = await resolve_project(tx, checkpoint.project_id)
    return RestoreResult(project=project, checkpoint_before_restore=before_restore, counts=counts)
