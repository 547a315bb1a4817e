"""HTTP for export and import."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from contextstack.api import MARKDOWN, AlsoMarkdown
from contextstack.portability.agents_md import agents_md
from contextstack.portability.models import ImportResult, ProjectExport, ProjectImport
from contextstack.portability.service import export_project, import_project
from contextstack.problems import problems
from contextstack.storage import Database


@get(
    "/api/projects/{project:str}/export",
    operation_id="export_project",
    summary="Export a project: lossless JSON, or an AGENTS.md file for coding agents",
    description=(
        "`format=json` answers the whole project (plan, statuses, times, its own knowledge) in a versioned form "
        "that `POST /api/projects/import` reads back; `format=agents-md` answers an AGENTS.md file "
        "(text/markdown): the project, its instructions, where it stands and what is known."
    ),
    tags=["projects"],
    operation_class=AlsoMarkdown,
    responses={
        200: ResponseSpec(
            data_container=ProjectExport,
            generate_examples=False,
            description="The export (with `format=agents-md`: the AGENTS.md file, as text/markdown).",
        ),
        **problems(404),
    },
)
async def export_project_handler(
    db: NamedDependency[Database],
    project: FromPath[str],
    format: Annotated[Literal["json", "agents-md"], QueryParameter(description="What to export.")] = "json",
) -> Response[Any]:
    if format == "agents-md":
        return Response(
            await agents_md(db, project),
            media_type=MARKDOWN,
            headers={"Content-Disposition": 'attachment; filename="AGENTS.md"'},
        )
    export = await export_project(db, project)
    return Response(
        export,
        headers={"Content-Disposition": f'attachment; filename="{export.project.slug}.contextstack.json"'},
    )


@post(
    "/api/projects/import",
    operation_id="import_project",
    summary="Import an exported project, as a new project or replacing an existing one's content",
    tags=["projects"],
    status_code=HTTP_201_CREATED,
    responses=problems(404, 409, 422),
)
async def import_project_handler(
    db: NamedDependency[Database], request_actor: NamedDependency[str], data: JSONBody[ProjectImport]
) -> ImportResult:
    return await import_project(db, data, request_actor)
