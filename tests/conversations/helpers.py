"""Talking to the conversations API over real HTTP: a client, and reading a streamed turn."""

from __future__ import annotations

import json
from typing import Any

import httpx


def api(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=10)


def new_conversation(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post("/api/conversations", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def send(
    client: httpx.Client, conversation_id: str, content: str | list[dict[str, Any]], **body: Any
) -> dict[str, Any]:
    response = client.post(f"/api/conversations/{conversation_id}/messages", json={"content": content, **body})
    assert response.status_code == 201, response.text
    turn: dict[str, Any] = response.json()
    return turn


def branch(client: httpx.Client, conversation_id: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"/api/conversations/{conversation_id}/messages", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def sse_events(text: str) -> list[tuple[str, Any]]:
    """(event, data) of each event in an SSE body."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data:
            events.append((name, json.loads("\n".join(data))))
    return events
