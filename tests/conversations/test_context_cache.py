"""What a commit drops of the context cache: a source's events drop its project's contexts, never its ground."""

from __future__ import annotations

from contextstack.assembly.cache import ContextCache
from contextstack.conversations.relevance import PastMessages
from contextstack.storage import Event


def _event(type: str, project_id: str | None) -> Event:
    return Event(id=1, created_at="2026-12-01T00:00:00.000Z", project_id=project_id, actor="api", type=type,
                 entity_id=None, data={})  # fmt: skip


def test_a_projects_messages_drop_its_contexts_but_keep_its_ground() -> None:
    cache = ContextCache(sources=[PastMessages()])
    ground, context, elsewhere = cache.stamp("prj_1"), cache.context_stamp("prj_1"), cache.context_stamp("prj_2")
    cache.on_commit([_event("message.created", "prj_1"), _event("conversation.updated", "prj_1")])
    assert cache.stamp("prj_1") == ground
    assert cache.context_stamp("prj_1") != context
    assert cache.context_stamp("prj_2") == elsewhere


def test_a_conversation_outside_any_project_drops_nothing() -> None:
    cache = ContextCache(sources=[PastMessages()])
    before = cache.context_stamp("prj_1")
    cache.on_commit([_event("message.created", None), _event("conversation.created", None)])
    assert cache.context_stamp("prj_1") == before


def test_knowledge_drops_everything_it_touches() -> None:
    cache = ContextCache(sources=[PastMessages()])
    before = cache.stamp("prj_1"), cache.context_stamp("prj_1")
    cache.on_commit([_event("knowledge.created", None)])
    assert (cache.stamp("prj_1"), cache.context_stamp("prj_1")) != before


def test_without_sources_every_event_counts() -> None:
    cache = ContextCache()
    before = cache.context_stamp("prj_1")
    cache.on_commit([_event("message.created", "prj_1")])
    assert cache.context_stamp("prj_1") != before
