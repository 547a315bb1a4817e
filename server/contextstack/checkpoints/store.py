"""The checkpoints and checkpoint_blobs tables: the only place their SQL is written.

Blobs are shared and counted: `add_refs` stores a blob or counts one more reference to it, `release` counts
references off and deletes (and answers) the blobs nothing refers to any more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec

from contextstack.checkpoints.models import Checkpoint
from contextstack.plan.store import in_list
from contextstack.storage import Reader, Row, Transaction

_COLUMNS = "id, project_id, project_slug, label, reason, trigger, actor, event_id, counts, size, buckets, created_at"
_SELECT = f"SELECT {_COLUMNS} FROM checkpoints"

_encode_json = msgspec.json.Encoder().encode
_decode_counts = msgspec.json.Decoder(dict[str, int]).decode
_decode_hashes = msgspec.json.Decoder(list[str]).decode


def _json_list(values: Iterable[str]) -> str:
    return _encode_json(list(values)).decode()


def _checkpoint(row: Row) -> Checkpoint:
    return Checkpoint(
        id=row["id"],
        project_id=row["project_id"],
        project_slug=row["project_slug"],
        label=row["label"],
        reason=row["reason"],
        trigger=row["trigger"],
        automatic=row["trigger"] != "manual",
        actor=row["actor"],
        event_id=row["event_id"],
        counts=_decode_counts(row["counts"]),
        size=row["size"],
        created_at=row["created_at"],
    )


async def insert_checkpoint(
    tx: Transaction, checkpoint: Checkpoint, buckets: list[str], guarded: Iterable[str] = ()
) -> None:
    """Store a checkpoint row with its buckets' hashes (the buckets themselves go through add_refs) and the global
    knowledge entries it guards."""
    await tx.execute(
        f"INSERT INTO checkpoints ({_COLUMNS}, globals) VALUES ({', '.join('?' * 13)})",
        (
            checkpoint.id,
            checkpoint.project_id,
            checkpoint.project_slug,
            checkpoint.label,
            checkpoint.reason,
            checkpoint.trigger,
            checkpoint.actor,
            checkpoint.event_id,
            _encode_json(checkpoint.counts).decode(),
            checkpoint.size,
            _json_list(buckets),
            checkpoint.created_at,
            _json_list(sorted(guarded)),
        ),
    )


async def guarded_globals(reader: Reader, checkpoint_id: str) -> list[str]:
    """The ids of the global knowledge entries a checkpoint guards."""
    row = await reader.fetchone("SELECT globals FROM checkpoints WHERE id = ?", (checkpoint_id,))
    return [] if row is None else _decode_hashes(row["globals"])


async def update_tree(
    tx: Transaction, checkpoint_id: str, buckets: list[str], guarded: Iterable[str], counts: dict[str, int], size: int
) -> None:
    """Give a checkpoint new buckets (entities added to it), the entries it guards, and what it now holds."""
    await tx.execute(
        "UPDATE checkpoints SET buckets = ?, globals = ?, counts = ?, size = ? WHERE id = ?",
        (
            _json_list(buckets),
            _json_list(sorted(guarded)),
            _encode_json(counts).decode(),
            size,
            checkpoint_id,
        ),
    )


async def get_checkpoint(reader: Reader, checkpoint_id: str) -> Checkpoint | None:
    """The checkpoint with this id."""
    row = await reader.fetchone(f"{_SELECT} WHERE id = ?", (checkpoint_id,))
    return None if row is None else _checkpoint(row)


async def checkpoint_buckets(reader: Reader, checkpoint_id: str) -> list[str]:
    """The hashes of a checkpoint's buckets, in bucket order."""
    row = await reader.fetchone("SELECT buckets FROM checkpoints WHERE id = ?", (checkpoint_id,))
    return [] if row is None else _decode_hashes(row["buckets"])


async def list_checkpoints(
    reader: Reader, project_id: str, *, before: str | None, trigger: str | None, limit: int
) -> list[Checkpoint]:
    """Up to `limit` of a project's checkpoints, newest first, older than the id `before`, of `trigger` if given."""
    where, params = ["project_id = ?"], [project_id]
    if before is not None:
        where.append("id < ?")
        params.append(before)
    if trigger is not None:
        where.append("trigger = ?")
        params.append(trigger)
    rows = await reader.fetchall(f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?", (*params, limit))
    return [_checkpoint(row) for row in rows]


async def automatic_checkpoint_ids(reader: Reader, project_id: str) -> list[str]:
    """The ids of a project's automatic checkpoints, newest first."""
    rows = await reader.fetchall(
        "SELECT id FROM checkpoints WHERE project_id = ? AND trigger <> 'manual' ORDER BY id DESC", (project_id,)
    )
    return [str(row["id"]) for row in rows]


async def delete_checkpoint(tx: Transaction, checkpoint_id: str) -> None:
    """Delete a checkpoint's row (its blobs go through release)."""
    await tx.execute("DELETE FROM checkpoints WHERE id = ?", (checkpoint_id,))


async def existing_blobs(reader: Reader, hashes: Iterable[str]) -> set[str]:
    """Which of these blobs are stored."""
    among, wanted = in_list(reader, hashes)
    rows = await reader.fetchall(f"SELECT hash FROM checkpoint_blobs WHERE hash {among}", (wanted,))
    return {str(row["hash"]) for row in rows}


async def blobs(reader: Reader, hashes: Iterable[str]) -> dict[str, bytes]:
    """The content of each of these blobs: hash -> content."""
    among, wanted = in_list(reader, hashes)
    rows = await reader.fetchall(f"SELECT hash, content FROM checkpoint_blobs WHERE hash {among}", (wanted,))
    return {str(row["hash"]): bytes(row["content"]) for row in rows}


async def add_refs(tx: Transaction, references: Mapping[str, tuple[int, bytes]]) -> None:
    """Count `n` more references to each blob (hash -> (n, content)), storing the ones not stored yet."""
    await tx.executemany(
        "INSERT INTO checkpoint_blobs (hash, refs, content) VALUES (?, ?, ?) "
        "ON CONFLICT (hash) DO UPDATE SET refs = checkpoint_blobs.refs + excluded.refs",
        [(blob, n, content) for blob, (n, content) in references.items()],
    )


async def release(tx: Transaction, references: Mapping[str, int]) -> dict[str, bytes]:
    """Count references off blobs (hash -> n); delete the ones left with none and answer their content."""
    await tx.executemany(
        "UPDATE checkpoint_blobs SET refs = refs - ? WHERE hash = ?", [(n, blob) for blob, n in references.items()]
    )
    among, hashes = in_list(tx, references)
    rows = await tx.fetchall(f"SELECT hash, content FROM checkpoint_blobs WHERE refs <= 0 AND hash {among}", (hashes,))
    await tx.execute(f"DELETE FROM checkpoint_blobs WHERE refs <= 0 AND hash {among}", (hashes,))
    return {str(row["hash"]): bytes(row["content"]) for row in rows}


async def stored_bytes(reader: Reader) -> int:
    """The bytes every checkpoint takes: its blobs, and its rows' lists of buckets."""
    row = await reader.fetchone(
        "SELECT (SELECT coalesce(sum(length(content)), 0) FROM checkpoint_blobs)"
        " + (SELECT coalesce(sum(length(buckets)), 0) FROM checkpoints) AS n"
    )
    return int(row["n"]) if row else 0
