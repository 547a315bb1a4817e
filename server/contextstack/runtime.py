"""What a front end inside the daemon needs, built once: the store, the context cache (with the relevance sources
assembly ranks beside knowledge), the broadcaster, the count of open streams, the providers and the settings.

`create_app` builds one and hands it to the HTTP app; the MCP server gets the same one. Whatever must hear of
every commit (the live event stream, the context cache) is subscribed to the store here, in plain sight, and so
is what takes automatic checkpoints before a change.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from contextstack.assembly.cache import ContextCache
from contextstack.checkpoints.automatic import AutomaticCheckpoints
from contextstack.conversations.relevance import PastMessages
from contextstack.events.broadcaster import Broadcaster
from contextstack.limits import StreamLimit
from contextstack.memory.index import start_catching_up, stop_catching_up
from contextstack.memory.stemming import use_language
from contextstack.providers.service import Providers
from contextstack.settings import Settings
from contextstack.storage import Database


class Runtime:
    """The daemon's shared parts, opened and closed together."""

    def __init__(self, settings: Settings, environ: Mapping[str, str] = os.environ) -> None:
        self.settings = settings
        use_language(settings.memory.language)
        self.db = Database(settings.db, readers=settings.readers)
        self.broadcaster = Broadcaster(capacity=settings.sse_queue_size)
        # Assembly ranks the project's past messages beside its knowledge: conversations implement its source.
        self.contexts = ContextCache(sources=[PastMessages()])
        self.streams = StreamLimit(settings.max_streams)
        self.db.on_commit(self.broadcaster.publish)
        self.db.on_commit(self.contexts.on_commit)
        self.checkpoints = AutomaticCheckpoints(self.db, quiet=settings.ai_burst_quiet, keep=settings.checkpoint_keep)
        self.db.before_change(self.checkpoints.before_change)
        self.providers = Providers(settings, environ)

    async def open(self) -> None:
        """Open the store (migrating it), then the providers' connection pools."""
        await self.db.open()
        # The knowledge ranking index is built in the background; searches use FTS5 until it is ready.
        start_catching_up(self.db)
        try:
            await self.providers.open()
        except BaseException:
            await self.db.close()
            raise

    async def close(self) -> None:
        """Close the providers' pools, end the live streams, then close the store."""
        try:
            await self.providers.close()
        finally:
            self.broadcaster.close()
            await stop_catching_up(self.db)
            await self.db.close()
