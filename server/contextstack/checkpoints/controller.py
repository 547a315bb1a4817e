"""HTTP for checkpoints: take, list, read, delete, diff, restore; and undo of an AI burst."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from contextstack.api import Cursor, Limit, with_etag
from contextstack.checkpoints import service, undo
from contextstack.checkpoints.models import (
    Checkpoint,
    CheckpointCreate,
    CheckpointDiff,
    CheckpointList,
    RestoreRequest,
    RestoreResult,
    Trigger,
    UndoRequest,
    UndoResult,
)
from contextstack.pagination import DEFAULT_LIMIT
from contextstack.problems import problems
from contextstack.settings import Settings
from contextstack.storage import Database

CheckpointId = Annotated[str, PathParameter(description="A checkpoint's id (`chk_…`).")]


class ProjectCheckpointController(Controller):
    path = "/api/projects/{project:str}"
    tags = ["checkpoints"]

    @post(
        "/checkpoints",
        operation_id="create_checkpoint",
        summary="Snapshot a project as it is now",
        status_code=HTTP_201_CREATED,
        responses=problems(404, 422),
    )
    async def create(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        project: FromPath[str],
        data: JSONBody[CheckpointCreate],
    ) -> Response[Checkpoint]:
        return with_etag(await service.create_checkpoint(db, project, data, request_actor), HTTP_201_CREATED)

    @get(
        "/checkpoints",
        operation_id="list_checkpoints",
        summary="List a project's checkpoints, newest first",
        description="A deleted project's checkpoints are listed by its id.",
        responses=problems(404),
    )
    async def list(
        self,
        db: NamedDependency[Database],
        project: FromPath[str],
        trigger: Annotated[Trigger | None, QueryParameter(description="Only checkpoints taken so.")] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> CheckpointList:
        return await service.list_checkpoints(db, project, trigger=trigger, cursor=cursor, limit=limit)

    @post(
        "/undo",
        operation_id="undo_ai_changes",
        summary="Undo the last burst of changes by an AI (`ai:*` actor), and only that",
        description=(
            "Reverts what the AI changed since the automatic checkpoint taken before its burst; what a person "
            "changed elsewhere stays. 409 lists the entities a person changed after the burst too, unless `force`."
        ),
        status_code=HTTP_200_OK,
        responses=problems(404, 409),
    )
    async def undo(
        self,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        request_actor: NamedDependency[str],
        project: FromPath[str],
        data: JSONBody[UndoRequest | None] = None,
    ) -> UndoResult:
        request = data or UndoRequest()
        return await undo.undo_ai_burst(
            db, project, request.actor or request_actor, force=request.force, keep=settings.checkpoint_keep
        )


class CheckpointController(Controller):
    path = "/api/checkpoints"
    tags = ["checkpoints"]

    @get("/{id:str}", operation_id="get_checkpoint", summary="Get a checkpoint", responses=problems(404))
    async def read(self, db: NamedDependency[Database], id: FromPath[CheckpointId]) -> Response[Checkpoint]:
        return with_etag(await service.get_checkpoint(db, id))

    @delete(
        "/{id:str}",
        operation_id="delete_checkpoint",
        summary="Delete a checkpoint",
        status_code=HTTP_200_OK,
        responses=problems(404),
    )
    async def delete(
        self, db: NamedDependency[Database], request_actor: NamedDependency[str], id: FromPath[CheckpointId]
    ) -> Checkpoint:
        """What it shared with other checkpoints stays; what it alone held goes."""
        return await service.delete_checkpoint(db, id, request_actor)

    @get(
        "/{id:str}/diff",
        operation_id="diff_checkpoint",
        summary="What changed since a checkpoint: entities added, removed, and changed field by field",
        responses=problems(404, 422),
    )
    async def diff(
        self,
        db: NamedDependency[Database],
        id: FromPath[CheckpointId],
        against: Annotated[
            str, QueryParameter(description="`now`, or a later checkpoint of the same project (`chk_…`).")
        ] = "now",
    ) -> CheckpointDiff:
        return await service.diff_checkpoint(db, id, against)

    @post(
        "/{id:str}/restore",
        operation_id="restore_checkpoint",
        summary="Put the project back as it was at a checkpoint",
        description=(
            "One transaction: first an automatic checkpoint of the present, then only what differs is written. "
            "Restored entities keep their ids and get new versions, so an old ETag gets 412."
        ),
        status_code=HTTP_200_OK,
        responses=problems(404, 409),
    )
    async def restore(
        self,
        db: NamedDependency[Database],
        settings: NamedDependency[Settings],
        request_actor: NamedDependency[str],
        id: FromPath[CheckpointId],
        data: JSONBody[RestoreRequest | None] = None,
    ) -> RestoreResult:
        actor = (data.actor if data else None) or request_actor
        return await service.restore_checkpoint(db, id, actor, keep=settings.checkpoint_keep)
