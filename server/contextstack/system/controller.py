from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency

from contextstack import __version__
from contextstack.storage import Database
from contextstack.system.models import Health


@get(
    "/health",
    operation_id="get_health",
    summary="Is the daemon up, and which store does it use",
    tags=["system"],
)
async def health(db: NamedDependency[Database]) -> Health:
    return Health(status="ok", version=__version__, database=db.path, schema_version=db.schema_version)
