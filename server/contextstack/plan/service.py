"""Projects: create, read, change, delete, list; and resolving a project reference (id or slug)."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from typing import Any

import msgspec

from contextstack.errors import Conflict, FieldError, NotFound
from contextstack.ids import new_id
from contextstack.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor
from contextstack.plan.models import Deleted, Project, ProjectCreate, ProjectList, ProjectUpdate
from contextstack.storage import Database, Reader, Transaction
from contextstack.versioning import check_if_match

_PROJECT_COLUMNS = "id, slug, name, description, instructions, status, version, created_at, updated_at"


def _project(row: sqlite3.Row) -> Project:
    return Project(**dict(row))


SLUG_LENGTH = 63  # the longest slug the API takes (models.Slug)


def slugify(name: str) -> str:
    """A URL-safe slug from a name: `My App (v2)` -> `my-app-v2`."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:SLUG_LENGTH].strip("-")
    return slug or "project"


async def resolve_project(conn: Reader, ref: str) -> Project:
    """The project with this id or slug; NotFound otherwise."""
    row = await conn.fetchone(f"SELECT {_PROJECT_COLUMNS} FROM projects WHERE id = ? OR slug = ?", (ref, ref))
    if row is None:
        raise NotFound(f"no project with id or slug {ref!r}")
    return _project(row)


async def resolve_project_id(conn: Reader, ref: str) -> str:
    """The id of the project with this id or slug; NotFound otherwise."""
    row = await conn.fetchone("SELECT id FROM projects WHERE id = ? OR slug = ?", (ref, ref))
    if row is None:
        raise NotFound(f"no project with id or slug {ref!r}")
    return str(row[0])


async def free_slug(tx: Transaction, base: str) -> str:
    """`base`, or `base-2`, `base-3` … : the first slug no project uses, cut to fit a slug's 63 characters."""
    # Every candidate starts with base[:50] (a suffix needs at most 13 characters), so one query finds them all.
    rows = await tx.fetchall("SELECT slug FROM projects WHERE slug LIKE ?", (base[:50] + "%",))
    taken = {row[0] for row in rows}
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        suffix = f"-{n}"
        candidate = base[: SLUG_LENGTH - len(suffix)] + suffix
    return candidate


async def ensure_slug_free(tx: Transaction, slug: str, field: str) -> None:
    """Conflict naming `field` when another project uses `slug`."""
    if await tx.fetchone("SELECT 1 FROM projects WHERE slug = ?", (slug,)):
        raise Conflict(
            f"the slug {slug!r} is taken by another project",
            errors=[FieldError(field=field, message="already in use")],
        )


async def create_project(db: Database, data: ProjectCreate, actor: str) -> Project:
    async with db.transaction() as tx:
        if data.slug is not None:
            await ensure_slug_free(tx, data.slug, "body.slug")
            slug = data.slug
        else:
            slug = await free_slug(tx, slugify(data.name))
        project = Project(
            id=new_id("prj"),
            slug=slug,
            name=data.name,
            description=data.description,
            instructions=data.instructions,
            status="active",
            version=1,
            created_at=tx.created_at,
            updated_at=tx.created_at,
        )
        await tx.execute(
            f"INSERT INTO projects ({_PROJECT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            msgspec.structs.astuple(project),
        )
        await tx.record_event(
            "project.created",
            actor=data.actor or actor,
            project_id=project.id,
            entity_id=project.id,
            data=msgspec.to_builtins(project),
        )
    return project


async def get_project(db: Database, ref: str) -> Project:
    return await resolve_project(db, ref)


async def list_projects(
    db: Database, *, status: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> ProjectList:
    """Projects in creation order, a page at a time."""
    where, params = ["1 = 1"], []
    if status:
        where.append("status = ?")
        params.append(status)
    if cursor:
        where.append("id > ?")
        params.append(decode_cursor(cursor, str))
    rows = await db.fetchall(
        f"SELECT {_PROJECT_COLUMNS} FROM projects WHERE {' AND '.join(where)} ORDER BY id LIMIT ?",
        (*params, limit + 1),
    )
    items = [_project(row) for row in rows[:limit]]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return ProjectList(items=items, next_cursor=next_cursor)


async def update_project(
    db: Database, ref: str, data: ProjectUpdate, actor: str, if_match: str | None = None
) -> Project:
    async with db.transaction() as tx:
        current = await resolve_project(tx, ref)
        check_if_match(if_match, current.version, f"project {current.slug!r}")
        changes: dict[str, Any] = {
            field: value
            for field in ("name", "slug", "description", "instructions", "status")
            if (value := getattr(data, field)) is not msgspec.UNSET and value != getattr(current, field)
        }
        if not changes:
            return current
        if "slug" in changes:
            await ensure_slug_free(tx, changes["slug"], "body.slug")
        updated = msgspec.structs.replace(current, **changes, version=current.version + 1, updated_at=tx.created_at)
        assignments = ", ".join(f"{field} = ?" for field in changes)
        await tx.execute(
            f"UPDATE projects SET {assignments}, version = ?, updated_at = ? WHERE id = ?",
            (*changes.values(), updated.version, updated.updated_at, current.id),
        )
        await tx.record_event(
            "project.updated",
            actor=data.actor or actor,
            project_id=current.id,
            entity_id=current.id,
            data={**changes, "version": updated.version},
        )
    return updated


async def _project_scoped_tables(tx: Transaction) -> list[str]:
    """Every table with a `project_id` column (the event log aside): what a project's deletion removes."""
    rows = await tx.fetchall(
        "SELECT m.name FROM sqlite_master AS m, pragma_table_info(m.name) AS c "
        "WHERE m.type = 'table' AND c.name = 'project_id' AND m.name NOT IN ('events') "
        "AND m.name NOT LIKE '%fts%' ORDER BY m.name"
    )
    return [str(row[0]) for row in rows]


async def delete_project(db: Database, ref: str, actor: str, if_match: str | None = None) -> Deleted:
    """Delete a project and everything under it, in one transaction; say how much went."""
    async with db.transaction() as tx:
        project = await resolve_project(tx, ref)
        check_if_match(if_match, project.version, f"project {project.slug!r}")
        counts = {"projects": 1}
        for table in await _project_scoped_tables(tx):
            row = await tx.fetchone(f"SELECT count(*) FROM {table} WHERE project_id = ?", (project.id,))
            if row and row[0]:
                counts[table] = int(row[0])
        await tx.execute("DELETE FROM projects WHERE id = ?", (project.id,))
        await tx.record_event(
            "project.deleted",
            actor=actor,
            project_id=project.id,
            entity_id=project.id,
            data={"slug": project.slug, "deleted": counts},
        )
    return Deleted(id=project.id, deleted=counts)
