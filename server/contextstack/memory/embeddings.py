"""Embeddings from the configured provider: a batch of texts for the worker, a question for search and assembly.

The provider is called through a function given when the daemon is built (`Providers.embed` for the model of
`[memory] embedding_model`), so memory knows nothing of HTTP. What comes back is checked here, once: one vector
per text, all of one dimension, finite numbers; anything else is an EmbeddingError and nothing is stored.

Vectors are normalised to length 1 when they arrive, so that similarity is a plain dot product (cosine). numpy
is imported only where vectors are made or compared: a daemon without embeddings never loads it.

A question's embedding is remembered (the same question comes with every turn of a tool call), and a caller on
the proxy's path waits for it only so long: past the limit it goes on with words alone, while the call runs on
and its answer is remembered for the next time the question is asked.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import sys
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from contextstack.errors import ContextstackError
from contextstack.providers.errors import ProviderError

log = logging.getLogger("contextstack.memory")

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vector = npt.NDArray[np.float32]
# (texts) -> one list of floats per text, from the provider.
EmbedFunction = Callable[[list[str]], Awaitable[list[list[float]]]]

# Questions whose embeddings are remembered; past this many, the oldest go.
REMEMBERED_QUESTIONS = 1024
# The longest text sent to be embedded, in characters: models read a few hundred words at most, and cut the rest.
MAX_TEXT_CHARACTERS = 8000


# After a question could not be embedded, the next ones are not sent for this long (seconds): a provider that is
# down costs the proxy's path nothing on every request.
QUIET_AFTER_FAILURE = 5.0


class EmbeddingError(Exception):
    """The provider could not embed, or answered what cannot be used; `str()` says which, for the log and /health."""


class EmbedderUnavailable(ContextstackError):
    """A search by meaning alone could not embed its question."""

    status = 502
    title = "Embeddings unavailable"
    slug = "embeddings"


def numpy() -> Any:
    """numpy, imported on first use: a daemon without embeddings never loads it (it costs start-up a while).

    Its BLAS gets one thread: comparing a question with every vector is bound by memory, and BLAS threads that
    spin for a core on a busy machine make it many times slower (docs/benchmarks.md).
    """
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        os.environ.setdefault("OMP_NUM_THREADS", "1")
    import numpy

    return numpy


def normalised(values: Sequence[float]) -> Vector:
    """`values` as float32 of length 1 (a zero vector stays zero: it is similar to nothing)."""
    np = numpy()
    vector: Vector = np.asarray(values, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


class Embeddings:
    """The embedding model of one daemon: `model` is `provider/model`; `dimension` is learnt from its answers."""

    def __init__(self, model: str, embed: EmbedFunction) -> None:
        self.model = model
        self.dimension: int | None = None
        self._embed = embed
        self._questions: OrderedDict[str, Vector] = OrderedDict()
        self._asking: dict[str, asyncio.Task[Vector]] = {}
        self._quiet_until = 0.0
        self._failure = ""

    async def embed(self, texts: list[str]) -> list[Vector]:
        """One vector per text, each normalised; EmbeddingError if the provider fails or answers amiss."""
        try:
            answer = await self._embed([text[:MAX_TEXT_CHARACTERS] for text in texts])
        except ProviderError as exc:
            raise EmbeddingError(exc.message) from None
        if len(answer) != len(texts):
            raise EmbeddingError(f"{self.model} answered {len(answer)} embeddings for {len(texts)} texts")
        dimensions = {len(values) for values in answer}
        expected = self.dimension
        if len(dimensions) > 1 or (expected is not None and dimensions != {expected}) or 0 in dimensions:
            sizes = ", ".join(map(str, sorted(dimensions)))
            wanted = f", not the {expected} of its earlier ones" if expected is not None else ""
            raise EmbeddingError(f"{self.model} answered vectors of {sizes} numbers{wanted}")
        if not all(math.isfinite(value) for values in answer for value in values):
            raise EmbeddingError(f"{self.model} answered a vector with a number that is not finite")
        if answer and expected is None:
            self.dimension = len(answer[0])
        return [normalised(values) for values in answer]

    def learn_dimension(self, dimension: int) -> None:
        """The dimension of this model's vectors as already stored: answers of another size are refused."""
        self.dimension = dimension

    def remembered(self, question: str) -> Vector | None:
        """The question's embedding if it is known already."""
        vector = self._questions.get(question)
        if vector is not None:
            self._questions.move_to_end(question)
        return vector

    async def question(self, question: str, time_limit: float | None) -> Vector | None:
        """The embedding of `question`, or None if it takes longer than `time_limit` seconds (None: no limit).

        Raises EmbeddingError when the provider fails within the limit. One call per question however many ask
        at once; past the limit the call runs on and its answer is remembered.
        """
        known = self.remembered(question)
        if known is not None:
            return known
        if time.monotonic() < self._quiet_until:
            raise EmbeddingError(self._failure)
        asking = self._asking.get(question)
        if asking is None:
            asking = self._asking[question] = asyncio.create_task(self._ask(question))
            # Its failure is told to whoever still waits; one that no longer waits has it logged by _ask.
            asking.add_done_callback(lambda task: task.cancelled() or task.exception())
        try:
            return await asyncio.wait_for(asyncio.shield(asking), time_limit)
        except TimeoutError:
            return None

    async def _ask(self, question: str) -> Vector:
        try:
            [vector] = await self.embed([question])
        except EmbeddingError as exc:
            log.info("could not embed a question: %s", exc)
            self._quiet_until, self._failure = time.monotonic() + QUIET_AFTER_FAILURE, str(exc)
            raise
        finally:
            del self._asking[question]
        self._questions[question] = vector
        if len(self._questions) > REMEMBERED_QUESTIONS:
            self._questions.popitem(last=False)
        return vector

    async def close(self) -> None:
        """Cancel the questions still being asked."""
        asking = list(self._asking.values())
        for task in asking:
            task.cancel()
        await asyncio.gather(*asking, return_exceptions=True)
