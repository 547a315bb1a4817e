"""What a front end inside the daemon needs, built once: the store, the context cache (with the relevance sources
assembly ranks beside knowledge), the broadcaster, the count of open streams, the providers, search by meaning
(when embeddings are configured) and the settings.

`create_app` builds one and hands it to the HTTP app; the MCP server gets the same one. Whatever must hear of
every commit (the live event stream, the context cache) is subscribed to the store here, in plain sight, and so
is what takes automatic checkpoints before a change.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping

from contextstack.assembly.cache import ContextCache
from contextstack.assembly.changes import TurnStates
from contextstack.checkpoints.automatic import AutomaticCheckpoints
from contextstack.conversations.recording import Recorder
from contextstack.conversations.relevance import PastMessages
from contextstack.conversations.store import MESSAGE_VECTORS
from contextstack.errors import ConfigError
from contextstack.events.broadcaster import Broadcaster
from contextstack.limits import StreamLimit
from contextstack.memory.embeddings import Embeddings
from contextstack.memory.index import start_catching_up, stop_catching_up
from contextstack.memory.meaning import Meaning
from contextstack.memory.stemming import use_language
from contextstack.providers.models import Target
from contextstack.providers.service import Providers
from contextstack.settings import Settings
from contextstack.storage import open_database


class Runtime:
    """The daemon's shared parts, opened and closed together."""

    def __init__(self, settings: Settings, environ: Mapping[str, str] = os.environ) -> None:
        self.settings = settings
        use_language(settings.memory.language)
        self.db = open_database(settings.db, readers=settings.readers)
        self.broadcaster = Broadcaster(capacity=settings.sse_queue_size)
        # Assembly ranks the project's past messages beside its knowledge: conversations implement its source.
        self.past_messages = PastMessages()
        self.contexts = ContextCache(sources=[self.past_messages])
        self.streams = StreamLimit(settings.max_streams)
        self.turns = TurnStates(settings.turn_states)
        self.db.on_commit(self.broadcaster.publish)
        self.db.on_commit(self.contexts.on_commit)
        self.checkpoints = AutomaticCheckpoints(self.db, quiet=settings.ai_burst_quiet, keep=settings.checkpoint_keep)
        self.db.before_change(self.checkpoints.before_change)
        self.db.on_commit(self.checkpoints.on_commit)
        self.providers = Providers(settings, environ)
        # What the proxy records is written after each answer has gone, by tasks closing waits for.
        self.recorder = Recorder(self.db, settings)
        self.meaning = self._meaning(settings)
        if self.meaning is not None:
            self.db.on_commit(self.meaning.on_commit)
            # Assembly asks the context cache for it: every front end that assembles has the cache.
            self.contexts.meaning = self.meaning
            self.past_messages.meaning = self.meaning

    def _meaning(self, settings: Settings) -> Meaning | None:
        """Search by meaning with `[memory] embedding_model`'s embeddings; None when it is not set."""
        model = settings.memory.embedding_model
        if model is None:
            return None
        provider_name, _, model_name = model.partition("/")
        provider = self.providers.by_name.get(provider_name)
        if provider is None:
            raise ConfigError(
                f"memory.embedding_model {model!r}: there is no provider {provider_name!r} "
                f"(providers: {', '.join(sorted(self.providers.by_name))})"
            )
        if provider.kind != "openai":
            raise ConfigError(
                f"memory.embedding_model {model!r}: the provider {provider_name!r} speaks {provider.kind}, which has "
                "no embeddings endpoint; name a model of an OpenAI-compatible provider"
            )
        embed = functools.partial(self.providers.embed, Target(provider_name, model_name))
        return Meaning(
            self.db,
            Embeddings(model, embed),
            batch=settings.memory.embedding_batch,
            time_limit=settings.memory.embedding_time_limit,
            tables=[MESSAGE_VECTORS],  # conversations' past messages, beside knowledge
            on_stored=self.contexts.contexts.clear,
        )

    async def open(self) -> None:
        """Open the store (migrating it), then the providers' connection pools, then the embedding worker."""
        await self.db.open()
        # The knowledge ranking index is built in the background; searches use FTS5 until it is ready.
        start_catching_up(self.db)
        try:
            await self.providers.open()
            await self.recorder.open()
            if self.meaning is not None:
                await self.meaning.open()
        except BaseException:
            await self.recorder.close()
            await self.providers.close()
            await self.db.close()
            raise

    async def close(self) -> None:
        """Wait for the recordings under way, end the embedding worker, close the providers' pools, end the live
        streams, then close the store."""
        try:
            await self.recorder.close()
            if self.meaning is not None:
                await self.meaning.close()
            await self.providers.close()
        finally:
            self.broadcaster.close()
            await stop_catching_up(self.db)
            await self.db.close()
