"""A project's state as entities, and the content-addressed tree a checkpoint stores it as.

An entity is a dict of its fields with what it is (`entity`): the project, a track, phase or step (with `depends_on`), a
knowledge entry (with its links). Its blob is its JSON, keyed by a hash of it. The entities are spread over
BUCKETS buckets by id; a bucket's blob maps its entities' ids to their hashes, and a checkpoint is the list of
its buckets' hashes. Two states that differ in a few entities share every other bucket, so a diff reads only
the buckets whose hashes differ, and a new checkpoint stores only the buckets and entities that are new.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import msgspec

from contextstack.checkpoints import store
from contextstack.memory import store as memory_store
from contextstack.plan import store as plan_store
from contextstack.storage import Reader

Entity = dict[str, Any]

BUCKETS = 256
# What a restore gives new values anyway, so no diff reports them.
UNCOMPARED = frozenset({"version", "updated_at"})

# Fields in their Struct's order (as read_state makes them, and as decoding keeps them): the same state encodes to
# the same bytes without sorting every entity's keys. Buckets are sorted by id before they are encoded.
_encode = msgspec.json.Encoder().encode
_decode_entity = msgspec.json.Decoder(dict[str, Any]).decode
_decode_bucket = msgspec.json.Decoder(dict[str, str]).decode


def _hash(content: bytes) -> str:
    return hashlib.blake2b(content, digest_size=16).hexdigest()


def bucket_of(entity_id: str) -> int:
    """The bucket an entity's id falls in."""
    return zlib.crc32(entity_id.encode()) % BUCKETS


def title_of(entity: Entity) -> str:
    """What a person calls the entity: its name or title."""
    return str(entity.get("name", entity.get("title", "")))


async def read_state(reader: Reader, project_id: str) -> dict[str, Entity] | None:
    """Every entity of the project as it is (id -> entity), or None when there is no such project."""
    project = await plan_store.get_project(reader, project_id)
    if project is None:
        return None
    entities: dict[str, Entity] = {project.id: {"entity": "project", **msgspec.structs.asdict(project)}}
    for kind, items in (
        ("track", await plan_store.project_tracks(reader, project.id)),
        ("phase", await plan_store.project_phases(reader, project.id)),
        ("step", await plan_store.project_steps(reader, project.id)),
        ("knowledge", await memory_store.project_entries(reader, project.id)),
    ):
        for item in items:
            entities[item.id] = {"entity": kind, **msgspec.structs.asdict(item)}
    return entities


async def read_globals(reader: Reader, entry_ids: Iterable[str]) -> dict[str, Entity]:
    """The global knowledge entries with these ids as they are (id -> entity); ids of none now are left out."""
    found: dict[str, Entity] = {}
    for entry_id in entry_ids:
        entry = await memory_store.get_entry(reader, entry_id)
        if entry is not None and entry.project_id is None:
            found[entry.id] = {"entity": "knowledge", **msgspec.structs.asdict(entry)}
    return found


def kind_of(entity: Entity) -> str:
    """What a checkpoint counts the entity as: its kind, global knowledge apart."""
    if entity["entity"] == "knowledge" and entity["project_id"] is None:
        return "global_knowledge"
    return str(entity["entity"])


class Tree(NamedTuple):
    """A state as buckets of hashes, with the blobs known so far (the rest are read from the store)."""

    buckets: list[str]
    bucket_maps: dict[str, dict[str, str]]  # bucket hash -> {entity id: entity hash}
    entities: dict[str, Entity]  # entity hash -> entity


class Built(NamedTuple):
    """A state made into a tree, with the JSON of each of its blobs."""

    tree: Tree
    bucket_blobs: dict[str, bytes]
    entity_blobs: dict[str, bytes]
    size: int


def build(entities: Mapping[str, Entity]) -> Built:
    """The tree of a state, and every blob in it."""
    entity_blobs: dict[str, bytes] = {}
    by_hash: dict[str, Entity] = {}
    maps: list[dict[str, str]] = [{} for _ in range(BUCKETS)]
    size = 0
    for entity_id, entity in entities.items():
        content = _encode(entity)
        digest = _hash(content)
        entity_blobs[digest] = content
        by_hash[digest] = entity
        maps[bucket_of(entity_id)][entity_id] = digest
        size += len(content)
    bucket_blobs: dict[str, bytes] = {}
    bucket_maps: dict[str, dict[str, str]] = {}
    buckets = []
    for unsorted in maps:
        bucket = dict(sorted(unsorted.items()))
        content = _encode(bucket)
        digest = _hash(content)
        bucket_blobs[digest] = content
        bucket_maps[digest] = bucket
        buckets.append(digest)
    return Built(Tree(buckets, bucket_maps, by_hash), bucket_blobs, entity_blobs, size)


class Grown(NamedTuple):
    """A stored tree with entities put in: its buckets, and those that changed (old hash, new hash)."""

    buckets: list[str]
    replaced: list[tuple[str, str]]
    bucket_maps: dict[str, dict[str, str]]  # new bucket hash -> {entity id: entity hash}
    bucket_blobs: dict[str, bytes]
    entity_blobs: dict[str, bytes]  # every entity of the new buckets
    size: int  # bytes of the entities put in


async def grow(reader: Reader, buckets: list[str], entities: Mapping[str, Entity]) -> Grown:
    """The stored tree `buckets` with `entities` put in (or replaced): only the buckets they fall in change."""
    tree = stored_tree(buckets)
    by_index: dict[int, dict[str, Entity]] = {}
    for entity_id, entity in entities.items():
        by_index.setdefault(bucket_of(entity_id), {})[entity_id] = entity
    await _bucket_maps(reader, tree, [buckets[index] for index in by_index])
    grown = list(buckets)
    replaced: list[tuple[str, str]] = []
    maps: dict[str, dict[str, str]] = {}
    bucket_blobs: dict[str, bytes] = {}
    entity_blobs: dict[str, bytes] = {}
    size = 0
    for index, adding in sorted(by_index.items()):
        bucket = dict(tree.bucket_maps[buckets[index]])
        entity_blobs.update(await store.blobs(reader, bucket.values()))
        for entity_id, entity in adding.items():
            content = _encode(entity)
            bucket[entity_id] = _hash(content)
            entity_blobs[bucket[entity_id]] = content
            size += len(content)
        bucket = dict(sorted(bucket.items()))
        content = _encode(bucket)
        digest = _hash(content)
        maps[digest], bucket_blobs[digest] = bucket, content
        replaced.append((buckets[index], digest))
        grown[index] = digest
    return Grown(grown, replaced, maps, bucket_blobs, entity_blobs, size)


def stored_tree(buckets: list[str]) -> Tree:
    """The tree of a stored checkpoint: its bucket hashes, every blob still to be read."""
    return Tree(buckets, {}, {})


async def _bucket_maps(reader: Reader, tree: Tree, hashes: Iterable[str]) -> list[dict[str, str]]:
    wanted = list(dict.fromkeys(hashes))
    missing = [h for h in wanted if h not in tree.bucket_maps]
    for digest, content in (await store.blobs(reader, missing)).items():
        tree.bucket_maps[digest] = _decode_bucket(content)
    return [tree.bucket_maps[h] for h in wanted]


async def _entities(reader: Reader, tree: Tree, hashes: Iterable[str]) -> dict[str, Entity]:
    wanted = list(dict.fromkeys(hashes))
    missing = [h for h in wanted if h not in tree.entities]
    for digest, content in (await store.blobs(reader, missing)).items():
        tree.entities[digest] = _decode_entity(content)
    return {h: tree.entities[h] for h in wanted}


async def entities_of(reader: Reader, tree: Tree) -> dict[str, Entity]:
    """Every entity of a tree: id -> entity."""
    ids: dict[str, str] = {}
    for bucket in await _bucket_maps(reader, tree, tree.buckets):
        ids.update(bucket)
    found = await _entities(reader, tree, ids.values())
    return {entity_id: found[digest] for entity_id, digest in ids.items()}


def changed_fields(before: Entity, after: Entity) -> dict[str, tuple[Any, Any]]:
    """The fields that differ (versions and update times aside): name -> (before, after)."""
    return {
        name: (before.get(name), after.get(name))
        for name in dict.fromkeys([*before, *after])
        if name not in UNCOMPARED and before.get(name) != after.get(name)
    }


class Differences(NamedTuple):
    """What differs between two states: entities only after, only before, and changed (before, after)."""

    added: list[Entity]
    removed: list[Entity]
    changed: list[tuple[Entity, Entity]]


async def differences(reader: Reader, before: Tree, after: Tree) -> Differences:
    """What differs from `before` to `after`, reading only the buckets and entities whose hashes differ."""
    pairs = [(b, a) for b, a in zip(before.buckets, after.buckets, strict=True) if b != a]
    await _bucket_maps(reader, before, [b for b, _ in pairs])
    await _bucket_maps(reader, after, [a for _, a in pairs])
    old_ids: dict[str, str] = {}
    new_ids: dict[str, str] = {}
    for old_map, new_map in zip(
        [before.bucket_maps[b] for b, _ in pairs], [after.bucket_maps[a] for _, a in pairs], strict=True
    ):
        for entity_id in old_map.keys() | new_map.keys():
            if old_map.get(entity_id) != new_map.get(entity_id):
                if entity_id in old_map:
                    old_ids[entity_id] = old_map[entity_id]
                if entity_id in new_map:
                    new_ids[entity_id] = new_map[entity_id]
    olds = await _entities(reader, before, old_ids.values())
    news = await _entities(reader, after, new_ids.values())
    added = [news[new_ids[i]] for i in sorted(new_ids.keys() - old_ids.keys())]
    removed = [olds[old_ids[i]] for i in sorted(old_ids.keys() - new_ids.keys())]
    changed = [
        (olds[old_ids[i]], news[new_ids[i]])
        for i in sorted(old_ids.keys() & new_ids.keys())
        if changed_fields(olds[old_ids[i]], news[new_ids[i]])
    ]
    return Differences(added, removed, changed)
