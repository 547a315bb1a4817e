"""Values handlers ask for by name: the parts of the Runtime (store, settings, providers, context cache,
broadcaster, open streams, search by meaning) and who is acting."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide

from contextstack.assembly.cache import ContextCache
from contextstack.errors import BadRequest, FieldError
from contextstack.events.broadcaster import Broadcaster
from contextstack.limits import StreamLimit
from contextstack.memory.meaning import Meaning
from contextstack.providers.service import Providers
from contextstack.runtime import Runtime
from contextstack.settings import Settings
from contextstack.storage import Database

ACTOR_HEADER = "x-contextstack-actor"
ACTOR_PATTERN = re.compile(r"^(user|api|ai:[^\s]{1,100})$")


def runtime_of(state: State) -> Runtime:
    runtime: Runtime = state.runtime
    return runtime


def provide_db(state: State) -> Database:
    return runtime_of(state).db


def provide_settings(state: State) -> Settings:
    return runtime_of(state).settings


def provide_providers(state: State) -> Providers:
    return runtime_of(state).providers


def provide_contexts(state: State) -> ContextCache:
    return runtime_of(state).contexts


def provide_broadcaster(state: State) -> Broadcaster:
    return runtime_of(state).broadcaster


def provide_streams(state: State) -> StreamLimit:
    return runtime_of(state).streams


def provide_meaning(state: State) -> Meaning | None:
    return runtime_of(state).meaning


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
    "contexts": Provide(provide_contexts, sync_to_thread=False),
    "broadcaster": Provide(provide_broadcaster, sync_to_thread=False),
    "streams": Provide(provide_streams, sync_to_thread=False),
    "meaning": Provide(provide_meaning, sync_to_thread=False),
}
