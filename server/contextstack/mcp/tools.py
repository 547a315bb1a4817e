"""The MCP tools: each decodes its arguments with the REST body's Struct (and the path's ids) and calls the service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import msgspec

from contextstack.assembly.service import MAX_BUDGET, assemble_context
from contextstack.checkpoints import service as checkpoints
from contextstack.checkpoints import undo
from contextstack.checkpoints.models import CheckpointCreate
from contextstack.conversations import service as conversations
from contextstack.conversations.models import Conversation, MessageList
from contextstack.errors import FieldError, Invalid
from contextstack.execution import service as execution
from contextstack.execution.models import StatusChange
from contextstack.mcp.schemas import SERVER_SET, input_schema
from contextstack.memory import service as memory
from contextstack.memory.models import Kind, KnowledgeCreate, KnowledgeSearchResult, Match, Mode
from contextstack.pagination import DEFAULT_LIMIT, Limit
from contextstack.plan import service as plan
from contextstack.plan import steps
from contextstack.plan.models import PhaseCreate, ProjectStatus, StepCreate, TrackCreate
from contextstack.runtime import Runtime

ProjectArg = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=100,
        description="A project's id or slug; left out, the default project (`contextstack mcp --project`).",
    ),
]
Cursor = Annotated[str, msgspec.Meta(min_length=1, description="`next_cursor` of the page before.")]
MAX_QUERY_CHARS = 4000
S = TypeVar("S", bound=msgspec.Struct)


TrackRef = Annotated[str, msgspec.Meta(min_length=1, max_length=100, description="A track's id (`trk_…`).")]
PhaseRef = Annotated[str, msgspec.Meta(min_length=1, max_length=100, description="A phase's id (`phs_…`).")]
StepRef = Annotated[str, msgspec.Meta(min_length=1, max_length=100, description="A step's id (`stp_…`).")]
ConversationRef = Annotated[
    str, msgspec.Meta(min_length=1, max_length=100, description="A conversation's id (`cnv_…`).")
]


class Arguments(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Arguments of a tool without a REST body."""


class GetContext(Arguments, frozen=True, kw_only=True):
    project: ProjectArg | None = None
    query: (
        Annotated[
            str, msgspec.Meta(max_length=MAX_QUERY_CHARS, description="What you are about to do: pulls in knowledge.")
        ]
        | None
    ) = None
    budget: Annotated[int, msgspec.Meta(ge=0, le=MAX_BUDGET, description="Token budget.")] | None = None


class WhereAmI(Arguments, frozen=True, kw_only=True):
    project: ProjectArg | None = None


class SearchKnowledge(Arguments, frozen=True, kw_only=True):
    q: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_QUERY_CHARS, description="Words to find.")]
    project: ProjectArg | None = None
    kind: Kind | None = None
    match: Annotated[
        Match,
        msgspec.Meta(description="`any`: entries with any of the words, more of them first; `all`: with every word."),
    ] = "any"
    mode: Annotated[
        Mode,
        msgspec.Meta(
            description="`hybrid`: by words and by meaning, fused (by words alone without an embedding model); "
            "`words`: by words alone; `meaning`: by meaning alone (needs `[memory] embedding_model`)."
        ),
    ] = "hybrid"
    limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 20
    include_superseded: bool = False


class CreateTrack(TrackCreate, frozen=True, kw_only=True):
    project: ProjectArg | None = None


class CreatePhase(PhaseCreate, frozen=True, kw_only=True):
    track_id: TrackRef


class CreateStep(StepCreate, frozen=True, kw_only=True):
    phase_id: PhaseRef


class SetStepStatus(StatusChange, frozen=True, kw_only=True):
    step_id: StepRef


class ListProjects(Arguments, frozen=True, kw_only=True):
    status: ProjectStatus | None = None
    cursor: Cursor | None = None
    limit: Limit = DEFAULT_LIMIT


class ListConversations(Arguments, frozen=True, kw_only=True):
    project: ProjectArg | None = None
    cursor: Cursor | None = None
    limit: Limit = DEFAULT_LIMIT


class ReadConversation(Arguments, frozen=True, kw_only=True):
    conversation_id: ConversationRef
    cursor: Cursor | None = None
    limit: Limit = DEFAULT_LIMIT


CheckpointRef = Annotated[str, msgspec.Meta(min_length=1, max_length=100, description="A checkpoint's id (`chk_…`).")]


class CreateCheckpoint(CheckpointCreate, frozen=True, kw_only=True):
    project: ProjectArg | None = None


class ListCheckpoints(Arguments, frozen=True, kw_only=True):
    project: ProjectArg | None = None
    cursor: Cursor | None = None
    limit: Limit = DEFAULT_LIMIT


class RestoreCheckpoint(Arguments, frozen=True, kw_only=True):
    checkpoint_id: CheckpointRef


class UndoAiChanges(Arguments, frozen=True, kw_only=True):
    project: ProjectArg | None = None
    force: Annotated[
        bool, msgspec.Meta(description="Also revert what a person changed since on the same entities.")
    ] = False


class ConversationRead(msgspec.Struct, frozen=True):
    """A conversation and a page of the messages of its current branch, oldest first."""

    conversation: Conversation
    messages: MessageList


@dataclass(frozen=True)
class Call:
    """Who calls a tool, on which daemon, with which default project."""

    runtime: Runtime
    actor: str
    default_project: str | None

    def project(self, given: str | None) -> str:
        """The project a tool is about: the one given, else the default; Invalid naming `project` if neither."""
        if given is not None:
            return given
        if self.default_project is None:
            raise Invalid(
                "which project? give `project` (a slug or id; `list_projects` names them), or start the server "
                "with a default project (`contextstack mcp --project SLUG`)",
                errors=[FieldError(field="project", message="required: no default project is set")],
            )
        return self.default_project


def _body(body: type[S], arguments: msgspec.Struct) -> S:
    """The REST body inside a tool's arguments (they extend it with the ids of its path); the actor left unset."""
    fields = {name: getattr(arguments, name) for name in body.__struct_fields__ if name not in SERVER_SET}
    return body(**fields)


async def get_context(call: Call, args: GetContext) -> str:
    runtime = call.runtime
    budget = runtime.settings.context_budget if args.budget is None else args.budget
    context = await assemble_context(
        runtime.db, runtime.contexts, call.project(args.project), query=args.query, budget=budget
    )
    return context.document


async def where_am_i(call: Call, args: WhereAmI) -> msgspec.Struct:
    return await execution.get_status(call.runtime.db, call.project(args.project))


async def search_knowledge(call: Call, args: SearchKnowledge) -> msgspec.Struct:
    db = call.runtime.db
    ref = args.project or call.default_project
    project_id = None if ref is None else await memory.project_id_of(db, ref, "project")
    hits = await memory.search_knowledge(
        db,
        args.q,
        project_id=project_id,
        kind=args.kind,
        limit=args.limit,
        include_superseded=args.include_superseded,
        match=args.match,
        mode=args.mode,
        meaning=call.runtime.meaning,  # by words and by meaning when embeddings are configured
    )
    return KnowledgeSearchResult(items=hits)


async def record_knowledge(call: Call, args: KnowledgeCreate) -> msgspec.Struct:
    data = _body(KnowledgeCreate, args)
    if data.project is None and call.default_project is not None:
        data = msgspec.structs.replace(data, project=call.default_project)
    return await memory.create_knowledge(call.runtime.db, data, call.actor)


async def supersede_knowledge(call: Call, args: KnowledgeCreate) -> msgspec.Struct:
    if args.supersedes is None:
        raise Invalid(
            "name the entry this one replaces in `supersedes` (a `kno_…` id; `search_knowledge` finds it)",
            errors=[FieldError(field="supersedes", message="required")],
        )
    db = call.runtime.db
    data = _body(KnowledgeCreate, args)
    if data.project is None:  # the replacement keeps the scope of the entry it replaces
        data = msgspec.structs.replace(data, project=(await memory.get_knowledge(db, args.supersedes)).project_id)
    return await memory.create_knowledge(db, data, call.actor)


async def create_track(call: Call, args: CreateTrack) -> msgspec.Struct:
    return await plan.create_track(call.runtime.db, call.project(args.project), _body(TrackCreate, args), call.actor)


async def create_phase(call: Call, args: CreatePhase) -> msgspec.Struct:
    return await plan.create_phase(call.runtime.db, args.track_id, _body(PhaseCreate, args), call.actor)


async def create_step(call: Call, args: CreateStep) -> msgspec.Struct:
    return await steps.create_step(call.runtime.db, args.phase_id, _body(StepCreate, args), call.actor)


async def set_step_status(call: Call, args: SetStepStatus) -> msgspec.Struct:
    return await execution.change_status(call.runtime.db, args.step_id, _body(StatusChange, args), call.actor)


async def list_projects(call: Call, args: ListProjects) -> msgspec.Struct:
    return await plan.list_projects(call.runtime.db, status=args.status, cursor=args.cursor, limit=args.limit)


async def list_conversations(call: Call, args: ListConversations) -> msgspec.Struct:
    project = args.project or call.default_project
    return await conversations.list_conversations(
        call.runtime.db, project=project, cursor=args.cursor, limit=args.limit
    )


async def read_conversation(call: Call, args: ReadConversation) -> msgspec.Struct:
    db = call.runtime.db
    conversation = await conversations.get_conversation(db, args.conversation_id)
    messages = await conversations.list_messages(db, args.conversation_id, cursor=args.cursor, limit=args.limit)
    return ConversationRead(conversation=conversation, messages=messages)


async def create_checkpoint(call: Call, args: CreateCheckpoint) -> msgspec.Struct:
    body = _body(CheckpointCreate, args)
    return await checkpoints.create_checkpoint(call.runtime.db, call.project(args.project), body, call.actor)


async def list_checkpoints(call: Call, args: ListCheckpoints) -> msgspec.Struct:
    return await checkpoints.list_checkpoints(
        call.runtime.db, call.project(args.project), cursor=args.cursor, limit=args.limit
    )


async def restore_checkpoint(call: Call, args: RestoreCheckpoint) -> msgspec.Struct:
    keep = call.runtime.settings.checkpoint_keep
    return await checkpoints.restore_checkpoint(call.runtime.db, args.checkpoint_id, call.actor, keep=keep)


async def undo_ai_changes(call: Call, args: UndoAiChanges) -> msgspec.Struct:
    keep = call.runtime.settings.checkpoint_keep
    project = call.project(args.project)
    return await undo.undo_ai_burst(call.runtime.db, project, call.actor, force=args.force, keep=keep)


@dataclass(frozen=True)
class Tool:
    """A tool as listed (name, description, input schema) and what calling it runs."""

    name: str
    description: str
    arguments: type[msgspec.Struct]
    run: Callable[[Call, Any], Awaitable[msgspec.Struct | str]]
    rest: str  # what the same call is on the REST API, for docs/mcp.md's table
    changes: bool = False
    required: tuple[str, ...] = ()

    @property
    def schema(self) -> dict[str, Any]:
        return input_schema(self.arguments, required=self.required)


TOOLS: tuple[Tool, ...] = (
    Tool(
        "get_context",
        "The project's context document (Markdown): its plan, where it stands and the knowledge that matters, "
        "within a token budget. Read it before you start; `query` pulls in the knowledge relevant to your task.",
        GetContext,
        get_context,
        rest="GET /api/projects/{project}/context?format=markdown",
    ),
    Tool(
        "where_am_i",
        "Where the project stands: progress per track and phase, steps in progress, blocked, next and recently done.",
        WhereAmI,
        where_am_i,
        rest="GET /api/projects/{project}/status",
    ),
    Tool(
        "search_knowledge",
        "Search the knowledge (decisions, constraints, conventions …) of the project and the global ones, best first.",
        SearchKnowledge,
        search_knowledge,
        rest="GET /api/knowledge/search",
    ),
    Tool(
        "record_knowledge",
        "Record a decision, constraint, architecture note, convention, reference or note; in the default project "
        "unless `project` says.",
        KnowledgeCreate,
        record_knowledge,
        changes=True,
        rest="POST /api/knowledge",
    ),
    Tool(
        "supersede_knowledge",
        "Record an entry that replaces an older one (`supersedes`: its id); the older one stays, marked superseded.",
        KnowledgeCreate,
        supersede_knowledge,
        changes=True,
        required=("supersedes",),
        rest="`POST /api/knowledge` with `supersedes`",
    ),
    Tool(
        "create_track",
        "Add a track (a line of work) to a project.",
        CreateTrack,
        create_track,
        changes=True,
        rest="POST /api/projects/{project}/tracks",
    ),
    Tool(
        "create_phase",
        "Add a phase to a track.",
        CreatePhase,
        create_phase,
        changes=True,
        rest="POST /api/tracks/{id}/phases",
    ),
    Tool(
        "create_step",
        "Add a step (a unit of work, with instructions and acceptance criteria) to a phase.",
        CreateStep,
        create_step,
        changes=True,
        rest="POST /api/phases/{id}/steps",
    ),
    Tool(
        "set_step_status",
        "Move a step to todo, in_progress, blocked (with a `reason`) or done.",
        SetStepStatus,
        set_step_status,
        changes=True,
        rest="POST /api/steps/{id}/status",
    ),
    Tool("list_projects", "List the projects, oldest first.", ListProjects, list_projects, rest="GET /api/projects"),
    Tool(
        "list_conversations",
        "List stored conversations, most recently active first; of the default project unless `project` says.",
        ListConversations,
        list_conversations,
        rest="GET /api/conversations",
    ),
    Tool(
        "read_conversation",
        "Read a stored conversation and the messages of its current branch.",
        ReadConversation,
        read_conversation,
        rest="`GET /api/conversations/{id}` and `…/messages`",
    ),
)
TOOLS += (
    Tool(
        "create_checkpoint",
        "Snapshot the project (plan, statuses, knowledge) to put it back later; a `label` keeps it until deleted.",
        CreateCheckpoint,
        create_checkpoint,
        changes=True,
        rest="POST /api/projects/{project}/checkpoints",
    ),
    Tool(
        "list_checkpoints",
        "List the project's checkpoints, newest first.",
        ListCheckpoints,
        list_checkpoints,
        rest="GET /api/projects/{project}/checkpoints",
    ),
    Tool(
        "restore_checkpoint",
        "Put the project back as the checkpoint holds it; the present is checkpointed first, so this can be undone.",
        RestoreCheckpoint,
        restore_checkpoint,
        changes=True,
        rest="POST /api/checkpoints/{id}/restore",
    ),
    Tool(
        "undo_ai_changes",
        "Revert what the last burst of AI changes did to the project, and only that; a person's later change to the "
        "same entity stops it (unless `force`).",
        UndoAiChanges,
        undo_ai_changes,
        changes=True,
        rest="POST /api/projects/{project}/undo",
    ),
)
TOOLS_BY_NAME = {tool.name: tool for tool in TOOLS}
