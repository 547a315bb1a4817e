from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from msgspec import UNSET

from contextstack import __version__
from contextstack.guard import AUTHENTICATED
from contextstack.memory.meaning import Meaning
from contextstack.settings import Settings
from contextstack.storage import Database
from contextstack.system.models import Health


@get(
    "/health",
    operation_id="get_health",
    summary="Is the daemon up, and which store does it use",
    tags=["system"],
)
async def health(
    request: Request[Any, Any, Any],
    db: NamedDependency[Database],
    settings: NamedDependency[Settings],
    meaning: NamedDependency[Meaning | None],
) -> Health:
    """Answers everyone (health checks); with a token configured, only its holder learns the store and version."""
    if settings.token and not request.scope.get(AUTHENTICATED, False):
        return Health(status="ok")
    return Health(
        status="ok",
        version=__version__,
        store=db.dialect,
        database=db.location,
        schema_version=db.schema_version,
        embeddings=UNSET if meaning is None else meaning.status(),
    )
