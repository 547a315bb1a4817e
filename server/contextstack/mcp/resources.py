"""The MCP resources: each project's context document, plan and status, at `contextstack://projects/{slug}/…`."""

from __future__ import annotations

import re
from dataclasses import dataclass

import msgspec

from contextstack.assembly.service import assemble_context
from contextstack.errors import NotFound
from contextstack.execution import service as execution
from contextstack.plan import service as plan
from contextstack.plan.models import Project
from contextstack.runtime import Runtime

URI = re.compile(r"^contextstack://projects/(?P<project>[^/]+)/(?P<aspect>context|plan|status)$")
PAGE = 500


@dataclass(frozen=True)
class Aspect:
    """One kind of resource every project has."""

    name: str
    title: str
    mime_type: str


ASPECTS = (
    Aspect("context", "context document (Markdown): plan, progress and the knowledge that matters", "text/markdown"),
    Aspect("plan", "plan (JSON): tracks, phases and steps in order", "application/json"),
    Aspect("status", "status (JSON): where the project stands, what is next", "application/json"),
)
MIME_TYPES = {aspect.name: aspect.mime_type for aspect in ASPECTS}


def uri(slug: str, aspect: str) -> str:
    return f"contextstack://projects/{slug}/{aspect}"


async def all_projects(runtime: Runtime) -> list[Project]:
    projects: list[Project] = []
    cursor: str | None = None
    while True:
        page = await plan.list_projects(runtime.db, cursor=cursor, limit=PAGE)
        projects.extend(page.items)
        if page.next_cursor is None:
            return projects
        cursor = page.next_cursor


async def read(runtime: Runtime, address: str) -> tuple[str, str]:
    """The text of the resource at `address` and its media type; NotFound for an address that names none."""
    found = URI.match(address)
    if found is None:
        raise NotFound(
            f"no resource {address[:200]!r}: addresses look like contextstack://projects/SLUG/context, …/plan, …/status"
        )
    project, aspect = found["project"], found["aspect"]
    if aspect == "context":
        context = await assemble_context(runtime.db, runtime.contexts, project, budget=runtime.settings.context_budget)
        return context.document, MIME_TYPES[aspect]
    answer: msgspec.Struct = (
        await plan.get_plan(runtime.db, project)
        if aspect == "plan"
        else await execution.get_status(runtime.db, project)
    )
    return msgspec.json.encode(answer).decode(), MIME_TYPES[aspect]
