"""Knowledge entries: create (one or in bulk), read, change, delete, list, search; and their supersedes links.

An entry belongs to one project or, with no project, to all of them (global). A new entry may supersede an older
one of the same scope: the old one stays, marked `superseded_by`, and drops out of lists and searches by default.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from contextstack.errors import BadRequest, Conflict, FieldError, Invalid, NotFound
from contextstack.ids import new_id
from contextstack.memory import store
from contextstack.memory.hybrid import fused_search
from contextstack.memory.index import knowledge_index, start_catching_up
from contextstack.memory.meaning import Meaning
from contextstack.memory.models import (
    SCOPES,
    Kind,
    KnowledgeBulkCreate,
    KnowledgeCreate,
    KnowledgeEntry,
    KnowledgeHit,
    KnowledgeList,
    KnowledgeUpdate,
    Match,
    Mode,
)
from contextstack.memory.search import Term, query_terms
from contextstack.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor
from contextstack.plan.models import Deleted
from contextstack.plan.service import resolve_project_id
from contextstack.storage import Database, Reader, Transaction
from contextstack.versioning import check_if_match

_UPDATABLE = ("kind", "title", "body", "tags", "pinned", "source")


def _unique(tags: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(tags))


async def project_id_of(conn: Reader, ref: str, field: str) -> str:
    """The id of the project with this id or slug; NotFound naming `field` otherwise."""
    try:
        return await resolve_project_id(conn, ref)
    except NotFound as exc:
        raise NotFound(exc.detail, errors=[FieldError(field=field, message="no such project")]) from None


async def _entry(conn: Reader, entry_id: str) -> KnowledgeEntry:
    entry = await store.get_entry(conn, entry_id)
    if entry is None:
        raise NotFound(f"no knowledge entry {entry_id!r}")
    return entry


def _scope_name(project_id: str | None) -> str:
    return f"project {project_id}" if project_id else "global"


async def _supersedable(
    tx: Transaction, old_id: str, project_id: str | None, claimed: set[str], field: str
) -> KnowledgeEntry:
    """The entry `old_id` if a new entry in `project_id` may supersede it; a domain error naming `field` if not."""
    old = await store.get_entry(tx, old_id)
    if old is None:
        raise NotFound(f"no knowledge entry {old_id!r} to supersede", errors=[FieldError(field, "no such entry")])
    if old.project_id != project_id:
        raise Invalid(
            f"an entry can only supersede one of its own scope: {old_id} is {_scope_name(old.project_id)}, "
            f"the new entry {_scope_name(project_id)}",
            errors=[FieldError(field, "belongs to another scope")],
        )
    if old.superseded_by is not None or old_id in claimed:
        by = old.superseded_by or "another item of this request"
        raise Conflict(f"{old_id} is already superseded by {by}", errors=[FieldError(field, "already superseded")])
    return old


async def _create(
    tx: Transaction, items: Sequence[KnowledgeCreate], actor: str, where: Callable[[int], str]
) -> list[KnowledgeEntry]:
    """Insert `items` and mark what they supersede, with their events; `where(n)` prefixes item n's fields in errors."""
    project_ids: dict[str, str] = {}
    replaced: dict[str, KnowledgeEntry] = {}
    entries: list[KnowledgeEntry] = []
    for n, item in enumerate(items):
        project_id = None
        if item.project is not None:
            project_id = project_ids.get(item.project) or await project_id_of(tx, item.project, f"{where(n)}project")
            project_ids[item.project] = project_id
        if item.supersedes is not None:
            old = await _supersedable(tx, item.supersedes, project_id, set(replaced), f"{where(n)}supersedes")
            replaced[old.id] = old
        entries.append(
            KnowledgeEntry(
                id=new_id("kno"),
                project_id=project_id,
                kind=item.kind,
                title=item.title,
                body=item.body,
                tags=_unique(item.tags),
                pinned=item.pinned,
                source=item.source,
                supersedes=item.supersedes,
                superseded_by=None,
                version=1,
                created_at=tx.created_at,
                updated_at=tx.created_at,
            )
        )
    await store.insert_entries(tx, entries)
    actors = [item.actor or actor for item in items]
    for who in dict.fromkeys(actors):
        await tx.record_events(
            "knowledge.created",
            actor=who,
            changes=[
                (entry.project_id, entry.id, msgspec.to_builtins(entry))
                for entry, by in zip(entries, actors, strict=True)
                if by == who
            ],
        )
    if replaced:
        successors = [(entry, by) for entry, by in zip(entries, actors, strict=True) if entry.supersedes]
        await store.mark_superseded(tx, [entry for entry, _ in successors], tx.created_at)
        for entry, by in successors:
            assert entry.supersedes is not None
            await tx.record_event(
                "knowledge.superseded",
                actor=by,
                project_id=entry.project_id,
                entity_id=entry.supersedes,
                data={"superseded_by": entry.id, "version": replaced[entry.supersedes].version + 1},
            )
    return entries


async def create_knowledge(db: Database, data: KnowledgeCreate, actor: str) -> KnowledgeEntry:
    """Create one entry (and mark the one it supersedes) in one transaction."""
    async with db.transaction() as tx:
        [entry] = await _create(tx, [data], actor, lambda _: "")
    return entry


async def create_knowledge_bulk(db: Database, data: KnowledgeBulkCreate, actor: str) -> list[str]:
    """Create every item in one transaction, or none: an error names the item (`items[3].project`)."""
    async with db.transaction() as tx:
        entries = await _create(tx, data.items, data.actor or actor, lambda n: f"items[{n}].")
    return [entry.id for entry in entries]


async def get_knowledge(db: Database, entry_id: str) -> KnowledgeEntry:
    return await _entry(db, entry_id)


async def list_knowledge(
    db: Database,
    *,
    project: str | None = None,
    scope: str | None = None,
    kind: Kind | None = None,
    tag: str | None = None,
    pinned: bool | None = None,
    include_superseded: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> KnowledgeList:
    """Entries in creation order, a page at a time.

    With a `project` (id or slug): its entries and the global ones, or only its own with `scope="project"`.
    Without: every entry, or only the global ones with `scope="global"`.
    """
    if scope not in (None, *SCOPES):
        raise BadRequest(
            f"scope must be one of {', '.join(SCOPES)}", errors=[FieldError("scope", f"not a scope: {scope!r}")]
        )
    project_id = None
    if project is not None:
        if scope == "global":
            raise BadRequest(
                "scope=global lists the global entries only: leave out `project`",
                errors=[FieldError("scope", "cannot be `global` together with a project")],
            )
        project_id = await project_id_of(db, project, "project")
    elif scope == "project":
        raise BadRequest("scope=project needs a project", errors=[FieldError("project", "required with scope=project")])
    entries = await store.list_entries(
        db,
        project_id=project_id,
        scope=scope,
        kind=kind,
        tag=tag,
        pinned=pinned,
        include_superseded=include_superseded,
        after=decode_cursor(cursor, str) if cursor else None,
        limit=limit + 1,
    )
    items = entries[:limit]
    next_cursor = encode_cursor(items[-1].id) if len(entries) > limit else None
    return KnowledgeList(items=items, next_cursor=next_cursor)


async def update_knowledge(
    db: Database, entry_id: str, data: KnowledgeUpdate, actor: str, if_match: str | None = None
) -> KnowledgeEntry:
    """Change the fields given; moving an entry to another scope is refused while it is linked by supersedes."""
    async with db.transaction() as tx:
        current = await _entry(tx, entry_id)
        check_if_match(if_match, current.version, f"knowledge entry {entry_id}")
        changes: dict[str, Any] = {
            field: value
            for field in _UPDATABLE
            if (value := getattr(data, field)) is not msgspec.UNSET and value != getattr(current, field)
        }
        if "tags" in changes:
            changes["tags"] = _unique(changes["tags"])
        if data.project is not msgspec.UNSET:
            project_id = None if data.project is None else await project_id_of(tx, data.project, "project")
            if project_id != current.project_id:
                if current.supersedes or current.superseded_by:
                    raise Conflict(
                        "an entry linked by supersedes shares its scope with the linked entry and cannot move",
                        errors=[FieldError("project", "the entry is linked to another by supersedes")],
                    )
                changes["project_id"] = project_id
        if not changes:
            return current
        updated = msgspec.structs.replace(current, **changes, version=current.version + 1, updated_at=tx.created_at)
        await store.update_entry(tx, current.id, changes, updated.version, updated.updated_at)
        await tx.record_event(
            "knowledge.updated",
            actor=data.actor or actor,
            project_id=updated.project_id,
            entity_id=current.id,
            data={**changes, "version": updated.version},
        )
    return updated


async def _unlink(tx: Transaction, entry_id: str, link: store.Link, actor: str) -> None:
    """Clear `link` (supersedes or superseded_by) on the entry that points at `entry_id`, with its event."""
    linked = await store.entry_linking(tx, link, entry_id)
    if linked is None:
        return
    version = linked.version + 1
    await store.clear_link(tx, linked.id, link, version, tx.created_at)
    await tx.record_event(
        "knowledge.updated",
        actor=actor,
        project_id=linked.project_id,
        entity_id=linked.id,
        data={link: None, "version": version},
    )


async def delete_knowledge(db: Database, entry_id: str, actor: str, if_match: str | None = None) -> Deleted:
    """Delete an entry; the entry it superseded, if any, is current again."""
    async with db.transaction() as tx:
        entry = await _entry(tx, entry_id)
        check_if_match(if_match, entry.version, f"knowledge entry {entry_id}")
        await _unlink(tx, entry.id, "superseded_by", actor)
        await _unlink(tx, entry.id, "supersedes", actor)
        await store.delete_entry(tx, entry.id)
        await tx.record_event(
            "knowledge.deleted",
            actor=actor,
            project_id=entry.project_id,
            entity_id=entry.id,
            data={"title": entry.title, "kind": entry.kind},
        )
    return Deleted(id=entry.id, deleted={"knowledge": 1})


async def search_knowledge(
    db: Database,
    q: str,
    *,
    project_id: str | None = None,
    kind: str | None = None,
    limit: int = 20,
    include_superseded: bool = False,
    match: Match = "any",
    mode: Mode = "hybrid",
    meaning: Meaning | None = None,
) -> list[KnowledgeHit]:
    """The entries matching the user text `q`, best first, with highlighted title and body snippet.

    With `project_id`, the project's entries and the global ones; without, every entry. Superseded entries
    are left out unless `include_superseded`. At most `limit` hits (and at most `RANKED_CANDIDATES`). With
    `match="any"` (the default) an entry matching any of the words is a hit, those matching more of them first,
    then by BM25; with `match="all"` every word must match. Each hit lists the words it matched. The hits are
    full BM25's best over every matching entry (memory/index.py), once the store's index has caught up.



    With `meaning` (embeddings configured), `mode="hybrid"` (the default) fuses those hits with the entries
    nearest in meaning, `mode="meaning"` answers those alone (hybrid.py); `mode="words"`, or no `meaning`, the
    words' hits alone.
    """
    if mode == "meaning" and meaning is None:
        raise BadRequest(
            "search by meaning needs embeddings: set `[memory] embedding_model` (see docs/knowledge.md)",
            errors=[FieldError("mode", "no embedding model is configured")],
        )
    terms = query_terms(q)
    if not terms or limit < 1:
        return []
    by_words = (
        [] if mode == "meaning" else await _search_words(db, terms, project_id, kind, limit, include_superseded, match)
    )
    if meaning is None or mode == "words":
        return by_words
    return await fused_search(
        meaning,
        q,
        terms,
        by_words,
        mode=mode,
        project_id=project_id,
        kind=kind,
        limit=limit,
        include_superseded=include_superseded,
    )


async def _search_words(
    db: Database,
    terms: list[Term],
    project_id: str | None,
    kind: str | None,
    limit: int,
    include_superseded: bool,
    match: Match,
) -> list[KnowledgeHit]:
    index = knowledge_index(db)
    hits = await db.read(
        lambda view: store.search(
            view,
            terms,
            project_id=project_id,
            kind=kind,
            limit=limit,
            include_superseded=include_superseded,
            any_term=match == "any",
            index=index,
        )
    )
    if index.behind:
        start_catching_up(db)
    return hits
