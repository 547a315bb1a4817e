"""Values handlers ask for by name: the store, the settings and who is acting."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from contextstack.errors import BadRequest, FieldError
from contextstack.providers.service import Providers
from contextstack.settings import Settings
from contextstack.storage import Database

ACTOR_HEADER = "x-contextstack-actor"
ACTOR_PATTERN = re.compile(r"^(user|api|ai:[^\s]{1,100})$")


def provide_db(state: State) -> Database:
    db: Database = state.db
    return db


def provide_settings(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


def provide_providers(state: State) -> Providers:
    providers: Providers = state.providers
    return providers


def provide_actor(request: Request[Any, Any, Any]) -> str:
    """Who makes this change: the `X-Contextstack-Actor` header (`user`, `api` or `ai:<model>`), else `api`."""
    actor = request.headers.get(ACTOR_HEADER)
    if actor is None:
        return "api"
    if not ACTOR_PATTERN.match(actor):
        raise BadRequest(
            "X-Contextstack-Actor must be `user`, `api` or `ai:<model>`",
            errors=[FieldError(field="header.X-Contextstack-Actor", message=f"not an actor: {actor[:120]!r}")],
        )
    return actor


DEPENDENCIES = {
    "db": Provide(provide_db, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "request_actor": Provide(provide_actor, sync_to_thread=False),
    "providers": Provide(provide_providers, sync_to_thread=False),
}
