"""HTTP for projects: parse, call the service, shape the answer."""

from __future__ import annotations

from typing import Annotated, Protocol, TypeVar

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from contextstack.pagination import DEFAULT_LIMIT
from contextstack.plan import service
from contextstack.plan.models import Deleted, Project, ProjectCreate, ProjectList, ProjectStatus, ProjectUpdate
from contextstack.problems import problems
from contextstack.storage import Database
from contextstack.versioning import etag

IfMatch = Annotated[
    str | None,
    HeaderParameter(name="If-Match", required=False, description="Apply only if the version (ETag) is still this."),
]
Limit = Annotated[int, QueryParameter(ge=1, le=500, description="Items per page.")]
Cursor = Annotated[str | None, QueryParameter(description="`next_cursor` of the previous page.")]


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def with_etag(entity: V, status_code: int = 200) -> Response[V]:
    """The entity, with its version as the ETag."""
    return Response(entity, status_code=status_code, headers={"ETag": etag(entity.version)})


class ProjectController(Controller):
    path = "/api/projects"
    tags = ["projects"]

    @post(
        operation_id="create_project",
        summary="Create a project",
        status_code=HTTP_201_CREATED,
        responses=problems(409, 422),
    )
    async def create(
        self, db: NamedDependency[Database], request_actor: NamedDependency[str], data: JSONBody[ProjectCreate]
    ) -> Response[Project]:
        return with_etag(await service.create_project(db, data, request_actor), HTTP_201_CREATED)

    @get(operation_id="list_projects", summary="List projects, oldest first", responses=problems())
    async def list(
        self,
        db: NamedDependency[Database],
        status: Annotated[ProjectStatus | None, QueryParameter(description="Only projects in this status.")] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> ProjectList:
        return await service.list_projects(db, status=status, cursor=cursor, limit=limit)

    @get("/{project:str}", operation_id="get_project", summary="Get a project by id or slug", responses=problems(404))
    async def get(self, db: NamedDependency[Database], project: FromPath[str]) -> Response[Project]:
        return with_etag(await service.get_project(db, project))

    @patch(
        "/{project:str}",
        operation_id="update_project",
        summary="Change some fields of a project",
        responses=problems(404, 409, 412, 422),
    )
    async def update(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        project: FromPath[str],
        data: JSONBody[ProjectUpdate],
        if_match: IfMatch = None,
    ) -> Response[Project]:
        return with_etag(await service.update_project(db, project, data, request_actor, if_match))

    @delete(
        "/{project:str}",
        operation_id="delete_project",
        summary="Delete a project and everything under it",
        status_code=200,
        responses=problems(404, 412),
    )
    async def delete(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        project: FromPath[str],
        if_match: IfMatch = None,
    ) -> Deleted:
        return await service.delete_project(db, project, request_actor, if_match)
