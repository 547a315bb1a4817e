"""What the /api controllers share: the If-Match header, cursors and limits, id path parameters, ETags, and the
documentation of an answer that is JSON or, asked for, text/markdown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Protocol, TypeVar

from litestar import Response
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import HeaderParameter, PathParameter, QueryParameter

from contextstack.versioning import etag

IfMatch = Annotated[
    str | None,
    HeaderParameter(name="If-Match", required=False, description="Apply only if the version (ETag) is still this."),
]
Limit = Annotated[int, QueryParameter(ge=1, le=500, description="Items per page.")]
Cursor = Annotated[str | None, QueryParameter(description="`next_cursor` of the previous page.")]

TrackId = Annotated[str, PathParameter(description="A track's id (`trk_…`).")]
PhaseId = Annotated[str, PathParameter(description="A phase's id (`phs_…`).")]
StepId = Annotated[str, PathParameter(description="A step's id (`stp_…`).")]


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def with_etag(entity: V, status_code: int = 200) -> Response[V]:
    """The entity, with its version as the ETag."""
    return Response(entity, status_code=status_code, headers={"ETag": etag(entity.version)})


MARKDOWN = "text/markdown"  # Litestar adds `; charset=utf-8` to a text/ media type itself


@dataclass
class AlsoMarkdown(Operation):
    """An operation whose 200 answer is documented as JSON and also as text/markdown (a `format` parameter picks)."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse) and ok.content is not None:
            ok.content[MARKDOWN] = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
