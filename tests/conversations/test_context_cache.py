"""A turn leaves the cached contexts as they were: conversations are not part of a project's context."""

from __future__ import annotations

from contextstack.assembly.cache import ContextCache
from contextstack.storage import Event


def _event(type: str, project_id: str | None) -> Event:
    return Event(id=1, created_at="2026-12-01T00:00:00.000Z", project_id=project_id, actor="api", type=type,
                 entity_id=None, data={})  # fmt: skip


def test_conversation_changes_keep_the_cached_contexts() -> None:
    cache = ContextCache()
    before = cache.stamp("prj_1")
    cache.on_commit([_event("message.created", None), _event("conversation.updated", "prj_1")])
    assert cache.stamp("prj_1") == before
    cache.on_commit([_event("knowledge.created", None)])
    assert cache.stamp("prj_1") != before
