"""Past messages found by meaning: the question's vector compared with every embedded message, checked against
the store.

memory's embedding worker keeps a vector of each past message (store.MessageVectors) in `Meaning.indexes`; what
the index finds is read again here, in one statement, so a hit is always a message as committed, with its
vector of the model. Conversation search and the past messages of context assembly fuse these with what their
words find (memory/fusion.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from contextstack.conversations import store
from contextstack.memory.meaning import Meaning
from contextstack.storage import Reader

if TYPE_CHECKING:
    from contextstack.memory.embeddings import Vector

# How many more vectors than wanted are compared first, so that what is left out still leaves enough.
OVERSAMPLE = 2
OVERSAMPLE_EXTRA = 10


def embedded(meaning: Meaning | None) -> bool:
    """Whether past messages are embedded: embeddings configured, with the messages' table given to the worker."""
    return meaning is not None and store.MESSAGE_VECTORS.name in meaning.indexes


async def nearest_messages(
    meaning: Meaning,
    view: Reader,
    vector: Vector,
    *,
    project_id: str | None,
    limit: int,
    leave_out: frozenset[str] = frozenset(),
) -> list[tuple[store.PastMessage, float]]:
    """(message, cosine similarity) of the `limit` past messages nearest `vector`, nearest first.

    With `project_id`, the project's conversations' messages; without, every conversation's. Those of the ids
    `leave_out` are not found.
    """
    index = meaning.indexes.get(store.MESSAGE_VECTORS.name)
    if index is None or limit < 1:
        return []
    wanted = (limit + len(leave_out)) * OVERSAMPLE + OVERSAMPLE_EXTRA
    while True:
        ranked = await index.nearest(vector, project_id, wanted)
        messages = await store.embedded_past_messages(view, meaning.model, [seq for seq, _ in ranked])
        found = [
            (message, similarity)
            for seq, similarity in ranked
            if (message := messages.get(seq)) is not None and message.id not in leave_out
        ]
        if len(found) >= limit or len(ranked) < wanted:
            return found[:limit]
        wanted *= 4
