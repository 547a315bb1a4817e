"""HTTP for the execution layer: status changes and "where am I"."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from contextstack.api import IfMatch, StepId, with_etag
from contextstack.execution import service
from contextstack.execution.models import StatusChange, StatusReport
from contextstack.plan.models import Step
from contextstack.problems import problems
from contextstack.storage import Database


class ExecutionController(Controller):
    path = "/api"

    @post(
        "/steps/{id:str}/status",
        operation_id="change_step_status",
        summary="Change a step's status: todo, in_progress, blocked (with a reason) or done",
        tags=["steps"],
        status_code=HTTP_200_OK,
        responses=problems(404, 409, 412, 422),
    )
    async def change_status(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        id: StepId,
        data: JSONBody[StatusChange],
        if_match: IfMatch = None,
    ) -> Response[Step]:
        return with_etag(await service.change_status(db, id, data, request_actor, if_match))

    @get(
        "/projects/{project:str}/status",
        operation_id="get_project_status",
        summary="Where am I: progress per track and phase, steps in progress, blocked, next and recently done",
        tags=["status"],
        responses=problems(404),
    )
    async def status(
        self,
        db: NamedDependency[Database],
        project: FromPath[str],
        next_steps: Annotated[
            int, QueryParameter(name="next", ge=0, le=100, description="How many startable steps to list.")
        ] = service.DEFAULT_NEXT,
        recent: Annotated[
            int, QueryParameter(ge=0, le=100, description="How many recently finished steps to list.")
        ] = service.DEFAULT_RECENT,
    ) -> StatusReport:
        return await service.get_status(db, project, next_limit=next_steps, recent_limit=recent)
