"""A fake OpenAI-compatible embeddings provider: `POST /v1/embeddings`, with deterministic vectors.

A text's vector counts its words by meaning: each word is looked up in SYNONYMS (so `automobile` and `car` land
on the same coordinate) and else hashed to one, stopwords left out; the vector has `dimension` coordinates (a
model whose name ends in `-wide` has twice as many). So two texts that share no word but mean the same thing are
near, and the tests can say which entry a question should find. `wrong_size` answers vectors one number short.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from tests.fakes.openai_upstream import error_body
from tests.fakes.server import FakeUpstream, Receive, Received, Send, bearer, send_body, send_json

SYNONYMS = {
    "car": "vehicle",
    "cars": "vehicle",
    "automobile": "vehicle",
    "automobiles": "vehicle",
    "vehicle": "vehicle",
    "sedan": "vehicle",
    "database": "storage",
    "sqlite": "storage",
    "postgres": "storage",
    "persistence": "storage",
    "deploy": "release",
    "deployment": "release",
    "ship": "release",
    "release": "release",
    "rollout": "release",
    "dog": "pet",
    "puppy": "pet",
    "cat": "pet",
    "kitten": "pet",
}
STOPWORDS = frozenset(
    "a an and are do does for how i in is it of on or the to we what when where which who why".split()
)


def concept(word: str) -> str:
    return SYNONYMS.get(word, word)


def vector(text: str, dimension: int) -> list[float]:
    """The fake embedding of `text`: a count of its words' concepts, each hashed to a coordinate."""
    values = [0.0] * dimension
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if word in STOPWORDS:
            continue
        digest = hashlib.blake2b(concept(word).encode(), digest_size=4).digest()
        values[int.from_bytes(digest, "big") % dimension] += 1.0
    return values


@dataclass
class FakeEmbeddings(FakeUpstream):
    """Answers `POST /v1/embeddings` with `vector()` of each input; `texts` lists every text it was sent."""

    dimension: int = 64
    wrong_size: bool = False

    def __post_init__(self) -> None:
        self.texts: list[str] = []

    def dimension_of(self, model: str) -> int:
        return self.dimension * 2 if model.endswith("-wide") else self.dimension

    async def handle(self, request: Received, receive: Receive, send: Send) -> None:
        if self.api_key is not None and bearer(request) != self.api_key:
            await send_json(send, 401, error_body(401))
            return
        if request.method != "POST" or request.path != "/v1/embeddings":
            await send_json(send, 404, error_body(404))
            return
        fault = self.fault
        if fault is not None and fault.kind == "status":
            await send_json(send, fault.status, error_body(fault.status))
            return
        if fault is not None and fault.kind == "malformed":
            await send_body(send, 200, b"application/json", b'{"data": [')
            return
        body: dict[str, Any] = request.json()
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        self.texts.extend(inputs)
        size = self.dimension_of(body["model"]) - (1 if self.wrong_size else 0)
        data = [{"object": "embedding", "index": n, "embedding": vector(text, size)} for n, text in enumerate(inputs)]
        await send_json(send, 200, {"object": "list", "data": data, "model": body["model"]})
