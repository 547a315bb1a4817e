"""HTTP for the assembled context."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter

from contextstack.api import MARKDOWN, AlsoMarkdown
from contextstack.assembly.cache import ContextCache
from contextstack.assembly.models import AssembledContext
from contextstack.assembly.service import MAX_BUDGET, assemble_context
from contextstack.errors import BadRequest, FieldError
from contextstack.problems import problems
from contextstack.settings import Settings
from contextstack.storage import Database

MAX_QUERY_CHARS = 4000


@get(
    "/api/projects/{project:str}/context",
    operation_id="get_project_context",
    summary="The project's context document within a token budget",
    description=(
        "`format=markdown` answers the document as text/markdown (tokens and budget in the "
        "X-Contextstack-Context-Tokens and X-Contextstack-Budget headers); `format=json` answers the document "
        "with its size, its sections' sizes and a manifest of every step and entry considered."
    ),
    tags=["context"],
    operation_class=AlsoMarkdown,
    responses={
        200: ResponseSpec(
            data_container=AssembledContext,
            description="The assembled context (with `format=markdown`: the document alone, as text/markdown).",
            generate_examples=False,
        ),
        **problems(404),
    },
)
async def get_project_context(
    db: NamedDependency[Database],
    contexts: NamedDependency[ContextCache],
    settings: NamedDependency[Settings],
    project: FromPath[str],
    text: Annotated[
        str | None,
        QueryParameter(
            name="query", description="What the model is asked (at most 4,000 characters): pulls in relevant knowledge."
        ),
    ] = None,
    budget: Annotated[
        int | None, QueryParameter(ge=0, le=MAX_BUDGET, description="Token budget (default: context_budget).")
    ] = None,
    format: Annotated[Literal["markdown", "json"], QueryParameter(description="Answer shape.")] = "json",
) -> Response[Any]:
    if text is not None and len(text) > MAX_QUERY_CHARS:
        # Checked here, not by the parameter's schema: Litestar would name the field by its Python name.
        raise BadRequest(
            f"the query is longer than {MAX_QUERY_CHARS} characters",
            errors=[FieldError(field="query", message=f"at most {MAX_QUERY_CHARS} characters")],
        )
    context = await assemble_context(
        db, contexts, project, query=text, budget=settings.context_budget if budget is None else budget
    )
    headers = {
        "X-Contextstack-Project": context.project_slug,
        "X-Contextstack-Context-Tokens": str(context.tokens),
        "X-Contextstack-Budget": str(context.budget),
    }
    if format == "markdown":
        return Response(context.document, media_type=MARKDOWN, headers=headers)
    return Response(context, headers=headers)
