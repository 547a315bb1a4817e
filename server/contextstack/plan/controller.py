"""HTTP for projects, tracks, phases, steps and the whole plan: parse, call the service, shape the answer."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from contextstack.api import Cursor, IfMatch, Limit, PhaseId, StepId, TrackId, with_etag
from contextstack.pagination import DEFAULT_LIMIT
from contextstack.plan import service, steps
from contextstack.plan.models import (
    Deleted,
    Move,
    Phase,
    PhaseCreate,
    PhaseList,
    PhaseUpdate,
    Plan,
    Project,
    ProjectCreate,
    ProjectList,
    ProjectStatus,
    ProjectUpdate,
    Step,
    StepCreate,
    StepList,
    StepUpdate,
    Track,
    TrackCreate,
    TrackList,
    TrackUpdate,
)
from contextstack.problems import problems
from contextstack.storage import Database


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


class TrackController(Controller):
    path = "/api"
    tags = ["tracks"]

    @post(
        "/projects/{project:str}/tracks",
        operation_id="create_track",
        summary="Add a track to a project",
        status_code=HTTP_201_CREATED,
        responses=problems(404, 422),
    )
    async def create(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        project: FromPath[str],
        data: JSONBody[TrackCreate],
    ) -> Response[Track]:
        return with_etag(await service.create_track(db, project, data, request_actor), HTTP_201_CREATED)

    @get(
        "/projects/{project:str}/tracks",
        operation_id="list_tracks",
        summary="List a project's tracks in position order",
        responses=problems(404),
    )
    async def list(
        self, db: NamedDependency[Database], project: FromPath[str], cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> TrackList:
        return await service.list_tracks(db, project, cursor=cursor, limit=limit)

    @get("/tracks/{id:str}", operation_id="get_track", summary="Get a track", responses=problems(404))
    async def get(self, db: NamedDependency[Database], id: TrackId) -> Response[Track]:
        return with_etag(await service.get_track(db, id))

    @patch(
        "/tracks/{id:str}",
        operation_id="update_track",
        summary="Change some fields of a track",
        responses=problems(404, 412),
    )
    async def update(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        id: TrackId,
        data: JSONBody[TrackUpdate],
        if_match: IfMatch = None,
    ) -> Response[Track]:
        return with_etag(await service.update_track(db, id, data, request_actor, if_match))

    @post(
        "/tracks/{id:str}/move",
        operation_id="move_track",
        summary="Move a track to another position in its project",
        status_code=HTTP_200_OK,
        responses=problems(404, 412, 422),
    )
    async def move(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        id: TrackId,
        data: JSONBody[Move],
        if_match: IfMatch = None,
    ) -> Response[Track]:
        return with_etag(await service.move_track(db, id, data, request_actor, if_match))

    @delete(
        "/tracks/{id:str}",
        operation_id="delete_track",
        summary="Delete a track with its phases and steps",
        status_code=HTTP_200_OK,
        responses=problems(404, 412),
    )
    async def delete(
        self, db: NamedDependency[Database], request_actor: NamedDependency[str], id: TrackId, if_match: IfMatch = None
    ) -> Deleted:
        return await service.delete_track(db, id, request_actor, if_match)


class PhaseController(Controller):
    path = "/api"
    tags = ["phases"]

    @post(
        "/tracks/{id:str}/phases",
        operation_id="create_phase",
        summary="Add a phase to a track",
        status_code=HTTP_201_CREATED,
        responses=problems(404, 422),
    )
    async def create(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        id: TrackId,
        data: JSONBody[PhaseCreate],
    ) -> Response[Phase]:
        return with_etag(await service.create_phase(db, id, data, request_actor), HTTP_201_CREATED)

    @get(
        "/tracks/{id:str}/phases",
        operation_id="list_phases",
        summary="List a track's phases in position order",
        responses=problems(404),
    )
    async def list(
        self, db: NamedDependency[Database], id: TrackId, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> PhaseList:
        return await service.list_phases(db, id, cursor=cursor, limit=limit)

    @get("/phases/{id:str}", operation_id="get_phase", summary="Get a phase", responses=problems(404))
    async def get(self, db: NamedDependency[Database], id: PhaseId) -> Response[Phase]:
        return with_etag(await service.get_phase(db, id))

    @patch(
        "/phases/{id:str}",
        operation_id="update_phase",
        summary="Change some fields of a phase",
        responses=problems(404, 412),
    )
    async def update(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        id: PhaseId,
        data: JSONBody[PhaseUpdate],
        if_match: IfMatch = None,
    ) -> Response[Phase]:
        return with_etag(await service.update_phase(db, id, data, request_actor, if_match))

    @post(
        "/phases/{id:str}/move",
        operation_id="move_phase",
        summary="Move a phase to another position, or into another track of the same project",
        status_code=HTTP_200_OK,
        responses=problems(404, 412, 422),
    )
    async def move(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        id: PhaseId,
        data: JSONBody[Move],
        if_match: IfMatch = None,
    ) -> Response[Phase]:
        return with_etag(await service.move_phase(db, id, data, request_actor, if_match))

    @delete(
        "/phases/{id:str}",
        operation_id="delete_phase",
        summary="Delete a phase with its steps",
        status_code=HTTP_200_OK,
        responses=problems(404, 412),
    )
    async def delete(
        self, db: NamedDependency[Database], request_actor: NamedDependency[str], id: PhaseId, if_match: IfMatch = None
    ) -> Deleted:
        return await service.delete_phase(db, id, request_actor, if_match)


class StepController(Controller):
    path = "/api"
    tags = ["steps"]

    @post(
        "/phases/{id:str}/steps",
        operation_id="create_step",
        summary="Add a step to a phase",
        status_code=HTTP_201_CREATED,
        responses=problems(404, 422),
    )
    async def create(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        id: PhaseId,
        data: JSONBody[StepCreate],
    ) -> Response[Step]:
        return with_etag(await steps.create_step(db, id, data, request_actor), HTTP_201_CREATED)

    @get(
        "/phases/{id:str}/steps",
        operation_id="list_steps",
        summary="List a phase's steps in position order",
        responses=problems(404),
    )
    async def list(
        self, db: NamedDependency[Database], id: PhaseId, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
    ) -> StepList:
        return await steps.list_steps(db, id, cursor=cursor, limit=limit)

    @get("/steps/{id:str}", operation_id="get_step", summary="Get a step", responses=problems(404))
    async def get(self, db: NamedDependency[Database], id: StepId) -> Response[Step]:
        return with_etag(await steps.read_step(db, id))

    @patch(
        "/steps/{id:str}",
        operation_id="update_step",
        summary="Change some fields of a step (its status changes through /status)",
        responses=problems(404, 409, 412, 422),
    )
    async def update(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        id: StepId,
        data: JSONBody[StepUpdate],
        if_match: IfMatch = None,
    ) -> Response[Step]:
        return with_etag(await steps.update_step(db, id, data, request_actor, if_match))

    @post(
        "/steps/{id:str}/move",
        operation_id="move_step",
        summary="Move a step to another position, or into another phase of the same project",
        status_code=HTTP_200_OK,
        responses=problems(404, 412, 422),
    )
    async def move(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        id: StepId,
        data: JSONBody[Move],
        if_match: IfMatch = None,
    ) -> Response[Step]:
        return with_etag(await steps.move_step(db, id, data, request_actor, if_match))

    @delete(
        "/steps/{id:str}",
        operation_id="delete_step",
        summary="Delete a step",
        status_code=HTTP_200_OK,
        responses=problems(404, 412),
    )
    async def delete(
        self, db: NamedDependency[Database], request_actor: NamedDependency[str], id: StepId, if_match: IfMatch = None
    ) -> Deleted:
        return await steps.delete_step(db, id, request_actor, if_match)


@get(
    "/api/projects/{project:str}/plan",
    operation_id="get_project_plan",
    summary="A project's whole plan: tracks, their phases and the phases' steps, in order",
    tags=["plan"],
    responses=problems(404),
)
async def get_project_plan(db: NamedDependency[Database], project: FromPath[str]) -> Plan:
    return await service.get_plan(db, project)
