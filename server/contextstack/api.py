"""What the /api controllers share: the If-Match header, cursors and limits, id path parameters, ETags."""

from __future__ import annotations

from typing import Annotated, Protocol, TypeVar

from litestar import Response
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
