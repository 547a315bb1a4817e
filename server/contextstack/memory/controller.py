"""HTTP for knowledge: parse, call the service, shape the answer."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.spec import Example
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from contextstack.api import Cursor, IfMatch, Limit, with_etag
from contextstack.memory import service
from contextstack.memory.meaning import Meaning
from contextstack.memory.models import (
    Kind,
    KnowledgeBulkCreate,
    KnowledgeBulkCreated,
    KnowledgeCreate,
    KnowledgeEntry,
    KnowledgeList,
    KnowledgeSearchResult,
    KnowledgeUpdate,
    Match,
    Mode,
)
from contextstack.pagination import DEFAULT_LIMIT
from contextstack.plan.models import Deleted
from contextstack.problems import problems
from contextstack.storage import Database

ProjectFilter = Annotated[
    str | None,
    QueryParameter(description="A project's id or slug: its entries and, unless `scope=project`, the global ones."),
]
KindFilter = Annotated[Kind | None, QueryParameter(description="Only entries of this kind.")]
IncludeSuperseded = Annotated[bool, QueryParameter(description="Also entries a newer one superseded.")]


class KnowledgeController(Controller):
    path = "/api/knowledge"
    tags = ["knowledge"]

    @post(
        operation_id="create_knowledge",
        summary="Create a knowledge entry",
        status_code=HTTP_201_CREATED,
        responses=problems(404, 409, 422),
    )
    async def create(
        self, db: NamedDependency[Database], request_actor: NamedDependency[str], data: JSONBody[KnowledgeCreate]
    ) -> Response[KnowledgeEntry]:
        """Global without `project`; `supersedes` marks an older entry of the same scope as replaced."""
        return with_etag(await service.create_knowledge(db, data, request_actor), HTTP_201_CREATED)

    @post(
        "/bulk",
        operation_id="create_knowledge_bulk",
        summary="Create many knowledge entries at once, all or none",
        status_code=HTTP_201_CREATED,
        responses=problems(404, 409, 413, 422),
    )
    async def create_bulk(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        data: JSONBody[KnowledgeBulkCreate],
    ) -> KnowledgeBulkCreated:
        """Up to 10,000 items (and 16 MiB) per request, in one transaction; an error names the item at fault."""
        return KnowledgeBulkCreated(ids=await service.create_knowledge_bulk(db, data, request_actor))

    @get(operation_id="list_knowledge", summary="List knowledge entries, oldest first", responses=problems(404))
    async def list(
        self,
        db: NamedDependency[Database],
        project: ProjectFilter = None,
        entry_scope: Annotated[
            str | None,
            QueryParameter(
                name="scope",
                description="`project`: only the project's own entries; `global`: only the global ones.",
                examples=[Example(value="project"), Example(value="global")],
            ),
        ] = None,
        kind: KindFilter = None,
        tag: Annotated[str | None, QueryParameter(description="Only entries with this tag.")] = None,
        pinned: Annotated[bool | None, QueryParameter(description="Only pinned (or unpinned) entries.")] = None,
        include_superseded: IncludeSuperseded = False,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> KnowledgeList:
        return await service.list_knowledge(
            db,
            project=project,
            scope=entry_scope,
            kind=kind,
            tag=tag,
            pinned=pinned,
            include_superseded=include_superseded,
            cursor=cursor,
            limit=limit,
        )

    @get(
        "/search",
        operation_id="search_knowledge",
        summary="Search knowledge, best matches first",
        responses=problems(404),
    )
    async def search(
        self,
        db: NamedDependency[Database],
        meaning: NamedDependency[Meaning | None],
        q: Annotated[str, QueryParameter(description="Words to find; the last also as a prefix.")] = "",
        project: ProjectFilter = None,
        kind: KindFilter = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100, description="Most hits to answer.")] = 20,
        include_superseded: IncludeSuperseded = False,
        match: Annotated[
            Match,
            QueryParameter(
                description="`any`: entries matching any of the words, those matching more first; `all`: every word."
            ),
        ] = "any",
        mode: Annotated[
            Mode,
            QueryParameter(
                description="`hybrid`: by words and by meaning, fused (by words alone without `[memory] "
                "embedding_model`); `words`: by words alone; `meaning`: by meaning alone (needs embeddings)."
            ),
        ] = "hybrid",
    ) -> KnowledgeSearchResult:
        """Any text is safe: it is searched as words, never as query syntax; text without words finds nothing."""
        project_id = None if project is None else await service.project_id_of(db, project, "project")
        hits = await service.search_knowledge(
            db,
            q,
            project_id=project_id,
            kind=kind,
            limit=limit,
            include_superseded=include_superseded,
            match=match,
            mode=mode,
            meaning=meaning,
        )
        return KnowledgeSearchResult(items=hits)

    @get("/{id:str}", operation_id="get_knowledge", summary="Get a knowledge entry", responses=problems(404))
    async def get(self, db: NamedDependency[Database], id: FromPath[str]) -> Response[KnowledgeEntry]:
        return with_etag(await service.get_knowledge(db, id))

    @patch(
        "/{id:str}",
        operation_id="update_knowledge",
        summary="Change some fields of a knowledge entry",
        responses=problems(404, 409, 412, 422),
    )
    async def update(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        id: FromPath[str],
        data: JSONBody[KnowledgeUpdate],
        if_match: IfMatch = None,
    ) -> Response[KnowledgeEntry]:
        return with_etag(await service.update_knowledge(db, id, data, request_actor, if_match))

    @delete(
        "/{id:str}",
        operation_id="delete_knowledge",
        summary="Delete a knowledge entry",
        status_code=200,
        responses=problems(404, 412),
    )
    async def delete(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        id: FromPath[str],
        if_match: IfMatch = None,
    ) -> Deleted:
        """The entry it superseded, if any, becomes current again."""
        return await service.delete_knowledge(db, id, request_actor, if_match)
