"""Bulk event recording: one statement, the ids it reports are the ids stored, listeners hear all of them."""

from __future__ import annotations

from contextstack.storage import Database, Event


async def test_recorded_events_carry_the_ids_they_were_stored_under(db: Database) -> None:
    heard: list[Event] = []
    db.on_commit(heard.extend)
    async with db.transaction() as tx:
        await tx.record_event("thing.created", actor="api", project_id=None, entity_id="first")
        events = await tx.record_events(
            "thing.created", actor="user", changes=[(None, f"e{n}", {"n": n}) for n in range(5)]
        )
    stored = await db.fetchall("SELECT id, entity_id, actor FROM events WHERE entity_id LIKE 'e%' ORDER BY id")
    assert [(e.id, e.entity_id, e.actor) for e in events] == [tuple(row) for row in stored]
    assert [e.entity_id for e in heard] == ["first", "e0", "e1", "e2", "e3", "e4"]
