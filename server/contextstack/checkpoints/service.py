"""Checkpoints: take, list, read, delete, diff and restore snapshots of a project, and undo an AI burst.

Every change is one transaction with its event. A restore first takes an automatic checkpoint of the present,
so it can itself be undone, then writes only what differs (checkpoints/apply.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

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
    build,
    changed_fields,
    differences,
    grow,
    kind_of,
    read_globals,
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
    guarded: Iterable[str] = (),
) -> tuple[Checkpoint, Built]:
    """Store a checkpoint of `entities` (a project's state, with the global entries it guards as they are) in this
    transaction; a manual one with its event."""
    built = build(entities)
    project = next(e for e in entities.values() if e["entity"] == "project")
    buckets = built.tree.buckets
    await _hold(tx, buckets, built.tree.bucket_maps, built.bucket_blobs, built.entity_blobs)
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
        counts=dict(sorted(Counter(kind_of(e) for e in entities.values()).items())),
        size=built.size,
        created_at=tx.created_at,
    )
    await store.insert_checkpoint(tx, checkpoint, buckets, guarded)
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


async def _hold(
    tx: Transaction,
    buckets: list[str],
    bucket_maps: Mapping[str, dict[str, str]],
    bucket_blobs: Mapping[str, bytes],
    entity_blobs: Mapping[str, bytes],
) -> None:
    """Count one more reference to each of these buckets, storing the new ones and counting their entities."""
    stored = await store.existing_blobs(tx, buckets)
    fresh_entities: Counter[str] = Counter()
    for digest in dict.fromkeys(buckets):
        if digest not in stored:
            fresh_entities.update(bucket_maps[digest].values())
    await store.add_refs(tx, {h: (n, entity_blobs[h]) for h, n in fresh_entities.items()})
    await store.add_refs(tx, {h: (n, bucket_blobs[h]) for h, n in Counter(buckets).items()})


async def _let_go(tx: Transaction, buckets: list[str]) -> None:
    """Count one reference off each of these buckets; the blobs nothing refers to any more go."""
    freed = await store.release(tx, Counter(buckets))
    entities: Counter[str] = Counter()
    for content in freed.values():
        entities.update(_decode_bucket(content).values())
    await store.release(tx, entities)


async def guard_globals(tx: Transaction, db: Database, checkpoint_id: str, entry_ids: Iterable[str]) -> None:
    """Make the checkpoint keep these global knowledge entries as they were before this transaction (an AI burst it
    was taken before is changing them); an entry there was none of is kept as one the burst created."""
    guarded = set(await store.guarded_globals(tx, checkpoint_id))
    fresh = sorted(set(entry_ids) - guarded)
    checkpoint = await store.get_checkpoint(tx, checkpoint_id)
    if not fresh or checkpoint is None:
        return
    # Read on a reader thread: the committed state is the one before this transaction.
    states = await db.read(lambda view: read_globals(view, fresh))
    buckets, size = await store.checkpoint_buckets(tx, checkpoint_id), checkpoint.size
    if states:
        grown = await grow(tx, buckets, states)
        await _hold(tx, [new for _, new in grown.replaced], grown.bucket_maps, grown.bucket_blobs, grown.entity_blobs)
        await _let_go(tx, [old for old, _ in grown.replaced])
        buckets, size = grown.buckets, size + grown.size
    counts = dict(checkpoint.counts)
    counts["global_knowledge"] = counts.get("global_knowledge", 0) + len(states)
    await store.update_tree(tx, checkpoint_id, buckets, guarded | set(fresh), dict(sorted(counts.items())), size)


async def prune(tx: Transaction, project_id: str, keep: int) -> None:
    """Delete the project's automatic checkpoints but the newest `keep`; labelled ones stay until deleted."""
    for old in (await store.automatic_checkpoint_ids(tx, project_id))[keep:]:
        await _drop(tx, old)


async def _drop(tx: Transaction, checkpoint_id: str) -> None:
    """Delete a checkpoint, and the blobs no other checkpoint shares."""
    buckets = await store.checkpoint_buckets(tx, checkpoint_id)
    await store.delete_checkpoint(tx, checkpoint_id)
    await _let_go(tx, buckets)


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


async def _present(reader: Reader, project_id: str, guarded: Iterable[str]) -> dict[str, Entity]:
    """The project as it is, with the global entries a checkpoint guards as they are."""
    return {**(await read_state(reader, project_id) or {}), **await read_globals(reader, guarded)}


def _among(found: Differences, guarded: set[str]) -> Differences:
    """The differences without the global entries outside `guarded`."""

    def kept(entity: Entity) -> bool:
        return kind_of(entity) != "global_knowledge" or entity["id"] in guarded

    return Differences(
        [e for e in found.added if kept(e)],
        [e for e in found.removed if kept(e)],
        [(b, a) for b, a in found.changed if kept(a)],
    )


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
        guarded = await store.guarded_globals(view, checkpoint.id)
        if against == "now":
            now = build(await _present(view, checkpoint.project_id, guarded)).tree
            return await differences(view, before, now)
        other = await _checkpoint(view, against, "against")
        if other.project_id != checkpoint.project_id:
            raise Invalid(
                "a diff compares checkpoints of one project",
                errors=[FieldError("against", "a checkpoint of another project")],
            )
        after = stored_tree(await store.checkpoint_buckets(view, other.id))
        # Global entries are compared where both checkpoints say how they were.
        both = set(guarded) & set(await store.guarded_globals(view, other.id))
        return _among(await differences(view, before, after), both)

    return _diff(await db.read(read))


def change_counts(found: Differences) -> ChangeCounts:
    return ChangeCounts(added=len(found.added), removed=len(found.removed), changed=len(found.changed))


async def version_bumps(
    tx: Transaction, project_id: str, after_event: int, guarded: Sequence[str] = ()
) -> dict[str, int]:
    """How many events named each entity (of the project, or a guarded global entry) since `after_event`: an upper
    bound of its version changes since."""
    counts: Counter[str] = Counter()
    events = await events_store.project_events_after(tx, project_id, after_event)
    events += [e for e in await events_store.entity_events_after(tx, guarded, after_event) if e.project_id is None]
    for event in events:
        if event.entity_id is not None:
            counts[event.entity_id] += 1
    return dict(counts)


async def restore_checkpoint(
    db: Database, checkpoint_id: str, actor: str, *, keep: int = DEFAULT_KEEP
) -> RestoreResult:
    """Put the checkpoint's project back as it was, in one transaction, after a checkpoint of the present."""
    async with db.transaction() as tx:
        checkpoint = await _checkpoint(tx, checkpoint_id)
        guarded = await store.guarded_globals(tx, checkpoint.id)
        present = await _committed_state(db, checkpoint.project_id)
        globals_now = await db.read(lambda view: read_globals(view, guarded)) if guarded else {}
        before_restore = None
        if present is not None:
            taken, built = await take_checkpoint(
                tx,
                {**present, **globals_now},
                trigger="restore",
                actor=actor,
                reason=f"before restoring {checkpoint.id}",
                guarded=guarded,
            )
            before_restore, present_tree = taken.id, built.tree
        else:
            present_tree = build(globals_now).tree
        target = stored_tree(await store.checkpoint_buckets(tx, checkpoint.id))
        found = await differences(tx, present_tree, target)
        bumps = await version_bumps(tx, checkpoint.project_id, checkpoint.event_id, guarded)
        await apply_differences(tx, found, bumps)
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
