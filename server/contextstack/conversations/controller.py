"""HTTP for conversations and usage: parse, call the service, shape the answer (JSON, Markdown or SSE)."""

from __future__ import annotations

import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter, JSONBody, PathParameter, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.status_codes import HTTP_201_CREATED

from contextstack.api import Cursor, IfMatch, Limit, with_etag
from contextstack.assembly.cache import ContextCache
from contextstack.conversations import service, turns
from contextstack.conversations.models import (
    Conversation,
    ConversationCreate,
    ConversationExport,
    ConversationList,
    ConversationSearchResult,
    ConversationUpdate,
    ExportFormat,
    ForkCreate,
    MessageList,
    Regenerate,
    Turn,
    TurnCreate,
    TurnDelta,
    TurnItem,
    UsageGroup,
    UsageReport,
)
from contextstack.limits import StreamLimit
from contextstack.memory.meaning import Meaning
from contextstack.memory.models import Match, Mode
from contextstack.pagination import DEFAULT_LIMIT
from contextstack.plan.models import Deleted
from contextstack.problems import problems
from contextstack.providers.service import Providers
from contextstack.settings import Settings
from contextstack.storage import Database

SSE_MEDIA_TYPE = "text/event-stream"
_encode = msgspec.json.Encoder().encode

ConversationId = Annotated[str, PathParameter(description="A conversation's id (`cnv_…`).")]
ProjectFilter = Annotated[str | None, QueryParameter(description="Only this project's (id or slug).")]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        max_length=200,
        description="A retry with the same key and body within 24 h gets the first turn's answer instead of a second.",
    ),
]
_STREAMED = ResponseSpec(
    data_container=str,
    media_type=SSE_MEDIA_TYPE,
    description=(
        "With `stream: true`, Server-Sent Events: `delta` events (`{content}`), then one `done` "
        "(`{user_message_id, assistant_message_id, status, finish_reason, usage, error}`)."
    ),
    generate_examples=False,
)


def _sse_message(item: TurnItem) -> ServerSentEventMessage:
    return ServerSentEventMessage(event="delta" if isinstance(item, TurnDelta) else "done", data=_encode(item))


async def _messages(
    items: AsyncGenerator[TurnItem, None], release: Callable[[], None]
) -> AsyncIterator[ServerSentEventMessage]:
    try:
        async with aclosing(items):
            async for item in items:
                yield _sse_message(item)
    finally:
        release()  # the stream's place (max_streams), given back as soon as it ends


async def _stream_turn(
    streams: StreamLimit, start: Callable[[], Awaitable[AsyncGenerator[TurnItem, None]]]
) -> ServerSentEvent:
    """A turn's answer as a stream, holding one of the daemon's `max_streams` places: taken before anything is
    stored or sent upstream (TooBusy, 429, past them), given back when the stream ends, however it ends."""
    release = streams.take()
    try:
        items = await start()
    except BaseException:
        release()
        raise
    messages = _messages(items, release)
    weakref.finalize(messages, release)  # and by a stream never started, once it is let go
    return ServerSentEvent(messages, status_code=200)


class ConversationController(Controller):
    path = "/api"
    tags = ["conversations"]

    @post(
        "/conversations",
        operation_id="create_conversation",
        summary="Start a conversation",
        status_code=HTTP_201_CREATED,
        responses=problems(404),
    )
    async def create(
        self, db: NamedDependency[Database], request_actor: NamedDependency[str], data: JSONBody[ConversationCreate]
    ) -> Response[Conversation]:
        return with_etag(await service.create_conversation(db, data, request_actor), HTTP_201_CREATED)

    @get(
        "/conversations",
        operation_id="list_conversations",
        summary="List conversations, most recently active first",
        responses=problems(404),
    )
    async def list(
        self,
        db: NamedDependency[Database],
        project: ProjectFilter = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> ConversationList:
        return await service.list_conversations(db, project=project, cursor=cursor, limit=limit)

    @delete(
        "/conversations",
        operation_id="delete_project_conversations",
        summary="Delete every conversation of a project",
        status_code=200,
        responses=problems(404),
    )
    async def delete_all(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        project: Annotated[str, QueryParameter(description="The project (id or slug) whose conversations go.")],
    ) -> Deleted:
        """Answers how many conversations and messages were deleted."""
        return await service.delete_project_conversations(db, project, request_actor)

    @get(
        "/conversations/search",
        operation_id="search_conversations",
        summary="Search conversations by title and message text, best first",
        responses=problems(400, 404, 502),
    )
    async def search(
        self,
        db: NamedDependency[Database],
        meaning: NamedDependency[Meaning | None],
        q: Annotated[
            str, QueryParameter(description="Words to find, each also by its stem; the last also as a prefix.")
        ] = "",
        project: ProjectFilter = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100, description="Most conversations to answer.")] = 20,
        match: Annotated[
            Match,
            QueryParameter(
                description="`any`: titles and messages matching any of the words, those matching more first; "
                "`all`: every word."
            ),
        ] = "any",
        mode: Annotated[
            Mode,
            QueryParameter(
                description="`hybrid`: by words and by meaning, fused (by words alone without `[memory] "
                "embedding_model`); `words`: by words alone; `meaning`: by meaning alone (needs embeddings)."
            ),
        ] = "hybrid",
    ) -> ConversationSearchResult:
        """Any text is safe: it is searched as words, never as query syntax; text without words finds nothing."""
        return await service.search_conversations(
            db, q, project=project, limit=limit, match=match, mode=mode, meaning=meaning
        )

    @get(
        "/conversations/{id:str}",
        operation_id="get_conversation",
        summary="Get a conversation",
        responses=problems(404),
    )
    async def read(self, db: NamedDependency[Database], id: ConversationId) -> Response[Conversation]:
        return with_etag(await service.get_conversation(db, id))

    @patch(
        "/conversations/{id:str}",
        operation_id="update_conversation",
        summary="Rename a conversation or change its default model",
        responses=problems(404, 412),
    )
    async def update(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        id: ConversationId,
        data: JSONBody[ConversationUpdate],
        if_match: IfMatch = None,
    ) -> Response[Conversation]:
        return with_etag(await service.update_conversation(db, id, data, request_actor, if_match))

    @delete(
        "/conversations/{id:str}",
        operation_id="delete_conversation",
        summary="Delete a conversation",
        status_code=200,
        responses=problems(404, 412),
    )
    async def remove(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        id: ConversationId,
        if_match: IfMatch = None,
    ) -> Deleted:
        """Messages that a fork of it still shares are kept, for the fork."""
        return await service.delete_conversation(db, id, request_actor, if_match)

    @get(
        "/conversations/{id:str}/messages",
        operation_id="list_messages",
        summary="The messages of a conversation's current branch, oldest first",
        responses=problems(404),
    )
    async def messages(
        self,
        db: NamedDependency[Database],
        id: ConversationId,
        leaf: Annotated[
            str | None, QueryParameter(description="The branch ending at this message instead of the current one.")
        ] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> MessageList:
        return await service.list_messages(db, id, leaf=leaf, cursor=cursor, limit=limit)

    @post(
        "/conversations/{id:str}/messages",
        operation_id="send_message",
        summary="Send a message and get the model's answer, whole or streamed",
        status_code=HTTP_201_CREATED,
        responses={200: _STREAMED, **problems(404, 409, 422, 429, 502, 504)},
    )
    async def send(
        self,
        db: NamedDependency[Database],
        providers: NamedDependency[Providers],
        contexts: NamedDependency[ContextCache],
        settings: NamedDependency[Settings],
        request_actor: NamedDependency[str],
        streams: NamedDependency[StreamLimit],
        id: ConversationId,
        data: JSONBody[TurnCreate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[Turn]:
        """The project's context and the stored history (trimmed to the model's window) go with it, to any model.

        Both messages are stored. When the model fails before answering, both are stored too (the answer with
        status `error`) and the response is a problem naming them; a stream that fails midway ends with a `done`
        whose status is `incomplete`.
        """
        if data.stream:
            return await _stream_turn(  # type: ignore[return-value]
                streams,
                lambda: turns.stream_turn(db, providers, contexts, settings, id, data, request_actor, idempotency_key),
            )
        turn = await turns.send_turn(db, providers, contexts, settings, id, data, request_actor, idempotency_key)
        return Response(turn, status_code=HTTP_201_CREATED)

    @post(
        "/conversations/{id:str}/regenerate",
        operation_id="regenerate_message",
        summary="Answer a user message again, as a new branch",
        status_code=HTTP_201_CREATED,
        responses={200: _STREAMED, **problems(404, 409, 422, 429, 502, 504)},
    )
    async def regenerate(
        self,
        db: NamedDependency[Database],
        providers: NamedDependency[Providers],
        contexts: NamedDependency[ContextCache],
        settings: NamedDependency[Settings],
        request_actor: NamedDependency[str],
        streams: NamedDependency[StreamLimit],
        id: ConversationId,
        data: JSONBody[Regenerate],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[Turn]:
        """The answer `message_id` (the current branch's last by default) gets a sibling, from any model."""
        if data.stream:
            return await _stream_turn(  # type: ignore[return-value]
                streams,
                lambda: turns.stream_turn(db, providers, contexts, settings, id, data, request_actor, idempotency_key),
            )
        turn = await turns.regenerate(db, providers, contexts, settings, id, data, request_actor, idempotency_key)
        return Response(turn, status_code=HTTP_201_CREATED)

    @post(
        "/conversations/{id:str}/fork",
        operation_id="fork_conversation",
        summary="Start a new conversation from a message of this one, sharing its history",
        status_code=HTTP_201_CREATED,
        responses=problems(404),
    )
    async def fork(
        self,
        db: NamedDependency[Database],
        request_actor: NamedDependency[str],
        id: ConversationId,
        data: JSONBody[ForkCreate],
    ) -> Response[Conversation]:
        return with_etag(await service.fork_conversation(db, id, data, request_actor), HTTP_201_CREATED)

    @get(
        "/conversations/{id:str}/export",
        operation_id="export_conversation",
        summary="Export a conversation's current branch as Markdown or JSON",
        responses={
            **problems(404),
        },
    )
    async def export(
        self,
        db: NamedDependency[Database],
        id: ConversationId,
        export_format: Annotated[
            ExportFormat, QueryParameter(name="format", description="`json` (the default) or `markdown`.")
        ] = "json",
    ) -> Response[ConversationExport]:
        exported = await service.export_conversation(db, id)
        if export_format == "markdown":
            markdown: Response[Any] = Response(service.as_markdown(exported), media_type="text/markdown; charset=utf-8")
            return markdown
        return Response(exported)

    @get(
        "/usage",
        operation_id="get_usage",
        summary="Tokens and calls of the models' answers, per day, model or project",
        tags=["usage"],
        responses=problems(404),
    )
    async def usage(
        self,
        db: NamedDependency[Database],
        project: ProjectFilter = None,
        model: Annotated[str | None, QueryParameter(description="Only this `provider/model`.")] = None,
        since: Annotated[str | None, QueryParameter(description="Only at or after this ISO-8601 time.")] = None,
        until: Annotated[str | None, QueryParameter(description="Only before this ISO-8601 time.")] = None,
        group: Annotated[UsageGroup, QueryParameter(description="What each row totals.")] = "day",
    ) -> UsageReport:
        """What went through conversations; `total` adds up every row."""
        return await service.usage_report(db, group=group, project=project, model=model, since=since, until=until)
