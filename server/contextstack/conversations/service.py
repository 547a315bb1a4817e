"""Conversations: create, list, read, rename, fork, delete, search, export, and the usage of their models.

Messages form a tree. A conversation points at the last message of its current branch (`leaf_id`); a fork is a
new conversation pointing into another's tree, so the history is shared rather than copied. Deleting a
conversation deletes the messages no other conversation reaches; the ones a fork still needs pass to it.
Sending a turn is in turns.py.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import msgspec

from contextstack.conversations import store
from contextstack.conversations.meaning import embedded, nearest_messages
from contextstack.conversations.models import (
    Conversation,
    ConversationCreate,
    ConversationExport,
    ConversationHit,
    ConversationList,
    ConversationSearchResult,
    ConversationUpdate,
    ForkCreate,
    Message,
    MessageList,
    UsageGroup,
    UsageReport,
    UsageRow,
)
from contextstack.errors import BadRequest, FieldError, Invalid, NotFound
from contextstack.ids import new_id
from contextstack.memory.embeddings import EmbedderUnavailable, EmbeddingError
from contextstack.memory.fusion import reciprocal_rank_fusion
from contextstack.memory.hybrid import is_worth_embedding
from contextstack.memory.meaning import Meaning
from contextstack.memory.models import FoundBy, Match, Mode
from contextstack.memory.search import Term, fold, matched_words, query_terms
from contextstack.memory.stemming import stem
from contextstack.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor
from contextstack.plan.models import Deleted
from contextstack.plan.service import resolve_project_id
from contextstack.storage import Database, Reader, Transaction
from contextstack.versioning import check_if_match

if TYPE_CHECKING:
    from contextstack.memory.embeddings import Vector

SEARCH_CANDIDATES = 200
MARK, UNMARK, ELLIPSIS = "<mark>", "</mark>", "…"
SNIPPET_WORDS = 16
# Words as the index's tokenizer cuts them (unicode61: letters, digits and marks; `_` separates).
_WORD = re.compile(r"[^\W_]+")


async def project_id_of(reader: Reader, ref: str, field: str) -> str:
    """The id of the project with this id or slug; NotFound naming `field` otherwise."""
    try:
        return await resolve_project_id(reader, ref)
    except NotFound as exc:
        raise NotFound(exc.detail, errors=[FieldError(field=field, message="no such project")]) from None


async def conversation_of(reader: Reader, conversation_id: str) -> Conversation:
    found = await store.conversation(reader, conversation_id)
    if found is None:
        raise NotFound(f"no conversation {conversation_id!r}")
    return found


def _event_data(conversation: Conversation) -> dict[str, object]:
    data: dict[str, object] = msgspec.to_builtins(conversation)
    return data


async def record_change(tx: Transaction, kind: str, conversation: Conversation, actor: str) -> None:
    await tx.record_event(
        f"conversation.{kind}",
        actor=actor,
        project_id=conversation.project_id,
        entity_id=conversation.id,
        data=_event_data(conversation),
    )


def _check_title(title: object) -> None:
    """A title the store can keep on both backends: PostgreSQL's text holds no NUL character."""
    if isinstance(title, str) and "\x00" in title:
        raise Invalid(
            "A title may not contain the NUL character (U+0000).",
            errors=[FieldError(field="title", message="contains U+0000")],
        )


async def create_conversation(db: Database, data: ConversationCreate, actor: str) -> Conversation:
    """Create an empty conversation (titled by its first message unless `title` is given)."""
    _check_title(data.title)
    async with db.transaction() as tx:
        project_id = None if data.project is None else await project_id_of(tx, data.project, "project")
        conversation = Conversation(
            id=new_id("cnv"),
            project_id=project_id,
            title=data.title or "",
            model=data.model,
            leaf_id=None,
            forked_from=None,
            version=1,
            created_at=tx.created_at,
            updated_at=tx.created_at,
        )
        await store.insert_conversation(tx, conversation)
        await record_change(tx, "created", conversation, actor)
    return conversation


async def get_conversation(db: Database, conversation_id: str) -> Conversation:
    return await db.read(lambda view: conversation_of(view, conversation_id))


def _page_key(conversation: Conversation) -> str:
    return f"{conversation.updated_at} {conversation.id}"


async def list_conversations(
    db: Database, *, project: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> ConversationList:
    """Conversations, most recently active first, in pages."""
    after = None
    if cursor is not None:
        updated_at, _, last_id = decode_cursor(cursor, str).partition(" ")
        after = (updated_at, last_id)

    async def read(view: Reader) -> list[Conversation]:
        project_id = None if project is None else await project_id_of(view, project, "project")
        return await store.conversations_page(view, project_id, after, limit + 1)

    found = await db.read(read)
    items = found[:limit]
    more = len(found) > limit
    return ConversationList(items=items, next_cursor=encode_cursor(_page_key(items[-1])) if more else None)


async def update_conversation(
    db: Database, conversation_id: str, data: ConversationUpdate, actor: str, if_match: str | None = None
) -> Conversation:
    """Rename the conversation or change its default model."""
    _check_title(data.title)
    async with db.transaction() as tx:
        current = await conversation_of(tx, conversation_id)
        check_if_match(if_match, current.version, f"conversation {conversation_id}")
        changes: dict[str, object] = {
            name: value for name, value in msgspec.structs.asdict(data).items() if value is not msgspec.UNSET
        }
        if not changes:
            return current
        updated = msgspec.structs.replace(current, **changes, version=current.version + 1, updated_at=tx.created_at)
        await store.update_conversation(tx, updated)
        await record_change(tx, "updated", updated, actor)
    return updated


async def delete_conversation(db: Database, conversation_id: str, actor: str, if_match: str | None = None) -> Deleted:
    """Delete the conversation and the messages that no fork of it still reaches."""
    async with db.transaction() as tx:
        current = await conversation_of(tx, conversation_id)
        check_if_match(if_match, current.version, f"conversation {conversation_id}")
        messages = await store.delete_conversation(tx, conversation_id)
        await record_change(tx, "deleted", current, actor)
    return Deleted(id=conversation_id, deleted={"conversations": 1, "messages": messages})


async def delete_project_conversations(db: Database, project: str, actor: str) -> Deleted:
    """Delete every conversation of a project, and their messages; say how many went."""
    async with db.transaction() as tx:
        project_id = await project_id_of(tx, project, "project")
        ids = await store.project_conversation_ids(tx, project_id)
        messages = await store.count_messages(tx, ids)
        gone = [await conversation_of(tx, conversation_id) for conversation_id in ids]
        for conversation_id in ids:
            await store.delete_conversation(tx, conversation_id)
        await tx.record_events(
            "conversation.deleted",
            actor=actor,
            changes=[(c.project_id, c.id, _event_data(c)) for c in gone],
        )
    return Deleted(id=project_id, deleted={"conversations": len(ids), "messages": messages})


async def fork_conversation(db: Database, conversation_id: str, data: ForkCreate, actor: str) -> Conversation:
    """A new conversation sharing this one's history up to and including `message_id`."""
    _check_title(data.title)
    async with db.transaction() as tx:
        source = await conversation_of(tx, conversation_id)
        if not await store.in_conversation(tx, conversation_id, data.message_id):
            raise NotFound(
                f"conversation {conversation_id} has no message {data.message_id!r}",
                errors=[FieldError(field="message_id", message="not a message of this conversation")],
            )
        fork = Conversation(
            id=new_id("cnv"),
            project_id=source.project_id,
            title=data.title or source.title,
            model=source.model,
            leaf_id=data.message_id,
            forked_from=data.message_id,
            version=1,
            created_at=tx.created_at,
            updated_at=tx.created_at,
        )
        await store.insert_conversation(tx, fork)
        await record_change(tx, "created", fork, actor)
    return fork


async def _leaf_of(view: Reader, conversation: Conversation, leaf: str | None) -> str | None:
    if leaf is None:
        return conversation.leaf_id
    if not await store.in_conversation(view, conversation.id, leaf):
        raise NotFound(
            f"conversation {conversation.id} has no message {leaf!r}",
            errors=[FieldError(field="leaf", message="not a message of this conversation")],
        )
    return leaf


async def list_messages(
    db: Database,
    conversation_id: str,
    *,
    leaf: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> MessageList:
    """The messages of the current branch (or the branch ending at `leaf`), oldest first, in pages."""
    after = 0 if cursor is None else decode_cursor(cursor, int)

    async def read(view: Reader) -> list[store.StoredMessage]:
        conversation = await conversation_of(view, conversation_id)
        tip = await _leaf_of(view, conversation, leaf)
        return [] if tip is None else await store.branch(view, tip, after_depth=after, limit=limit + 1)

    found = await db.read(read)
    page = found[:limit]
    more = len(found) > limit
    return MessageList(
        items=[stored.message for stored in page], next_cursor=encode_cursor(page[-1].depth) if more else None
    )


async def search_conversations(
    db: Database,
    q: str,
    *,
    project: str | None = None,
    limit: int = 20,
    match: Match = "any",
    mode: Mode = "hybrid",
    meaning: Meaning | None = None,
) -> ConversationSearchResult:
    """Conversations whose title or messages hold the words of `q`, best first, one hit per conversation.

    A whole word matches every indexed word of its stem (`couriers` finds `courier`), the last word also as a
    prefix, as knowledge search matches. `match="any"` (the default): a title or message matching any of the
    words is a hit, those matching every word first, each group by BM25, and the hits then ordered by how many
    words they matched; `match="all"`: every word must match. Each hit lists the words it matched.

    With `meaning` (embeddings configured), `mode="hybrid"` (the default) fuses those hits with the
    conversations whose messages are nearest in meaning (reciprocal rank fusion; the question's embedding waited
    for only `[memory] embedding_time_limit`), `mode="meaning"` answers those alone (waiting for it, a 502 if
    the provider fails); `mode="words"`, or no `meaning`, the words' hits alone. Each hit says how it was found.
    """
    if mode == "meaning" and not embedded(meaning):
        raise BadRequest(
            "search by meaning needs embeddings: set `[memory] embedding_model` (see docs/knowledge.md)",
            errors=[FieldError("mode", "no embedding model is configured")],
        )
    terms = query_terms(q)

    async def read(view: Reader) -> tuple[str | None, list[ConversationHit]]:
        project_id = None if project is None else await project_id_of(view, project, "project")
        if not terms or mode == "meaning":
            return project_id, []
        return project_id, await _hits_by_words(view, terms, project_id, limit, match == "any")

    project_id, by_words = await db.read(read)
    if meaning is None or mode == "words" or not embedded(meaning) or not terms:
        return ConversationSearchResult(items=by_words)
    if mode == "hybrid" and not is_worth_embedding(terms):
        return ConversationSearchResult(items=by_words)
    try:
        vector = await meaning.embeddings.question(q, None if mode == "meaning" else meaning.time_limit)
    except EmbeddingError as exc:
        if mode == "meaning":
            raise EmbedderUnavailable(f"could not embed the question with {meaning.model}: {exc}") from None
        return ConversationSearchResult(items=by_words)
    if vector is None:
        return ConversationSearchResult(items=by_words)
    by_meaning = await db.read(lambda view: _hits_by_meaning(view, meaning, vector, terms, project_id, limit))
    if mode == "meaning":
        return ConversationSearchResult(items=by_meaning)
    return ConversationSearchResult(items=_fused(by_words, by_meaning, limit))


async def _hits_by_words(
    view: Reader, terms: list[Term], project_id: str | None, limit: int, any_term: bool
) -> list[ConversationHit]:
    """The best `limit` conversations by words: those matching every word first (the newest SEARCH_CANDIDATES
    matches of them), then, with `any_term` and too few of those, those matching any (the newest as many), each
    group by BM25; the hits then ordered by how many words they matched (a stable sort)."""
    variants = await store.variants(view, [term.word for term in terms if not term.prefix])
    candidates = await store.search_candidates(view, store.WordQuery(terms, variants), project_id, SEARCH_CANDIDATES)
    best: dict[str, store.Candidate] = {}
    for candidate in sorted(candidates, key=lambda c: -c.score):
        best.setdefault(candidate.conversation_id, candidate)
        if len(best) == limit:
            break
    if any_term and len(terms) > 1 and len(best) < limit:
        anywhere = store.WordQuery(terms, variants, any_term=True)
        for candidate in sorted(
            await store.search_candidates(view, anywhere, project_id, SEARCH_CANDIDATES), key=lambda c: -c.score
        ):
            if len(best) == limit:
                break
            best.setdefault(candidate.conversation_id, candidate)
    found = await store.conversations(view, list(best))
    texts = await store.message_texts(view, [c.seq for c in best.values() if c.message_id is not None])
    hits = []
    matches = WordMatcher(terms, variants)
    for candidate in best.values():
        conversation = found.get(candidate.conversation_id)
        if conversation is None:
            continue
        text = conversation.title if candidate.message_id is None else texts.get(candidate.seq, "")
        hits.append(
            ConversationHit(
                conversation=conversation,
                message_id=candidate.message_id,
                snippet=highlighted(text, matches) if candidate.message_id is None else snippet(text, matches),
                score=candidate.score,
                matched=matched_words(terms, [text], variants),
            )
        )
    return sorted(hits, key=lambda hit: -len(hit.matched)) if any_term else hits


async def _hits_by_meaning(
    view: Reader, meaning: Meaning, vector: Vector, terms: list[Term], project_id: str | None, limit: int
) -> list[ConversationHit]:
    """The conversations of the past messages nearest `vector`, each by its nearest message, nearest first."""
    nearest: dict[str, tuple[store.PastMessage, float]] = {}
    wanted = limit
    while True:
        found = await nearest_messages(meaning, view, vector, project_id=project_id, limit=wanted)
        for message, similarity in found:
            nearest.setdefault(message.conversation_id, (message, similarity))
        if len(nearest) >= limit or len(found) < wanted:
            break
        nearest.clear()
        wanted *= 4
    chosen = list(nearest.values())[:limit]
    conversations = await store.conversations(view, [message.conversation_id for message, _ in chosen])
    variants = await store.variants(view, [term.word for term in terms if not term.prefix])
    matches = WordMatcher(terms, variants)
    return [
        ConversationHit(
            conversation=conversations[message.conversation_id],
            message_id=message.id,
            snippet=snippet(message.text, matches),
            score=similarity,
            matched=matched_words(terms, [message.text], variants),
            found_by=["meaning"],
        )
        for message, similarity in chosen
        if message.conversation_id in conversations
    ]


def _fused(by_words: list[ConversationHit], by_meaning: list[ConversationHit], limit: int) -> list[ConversationHit]:
    """The hits of both, by reciprocal rank of their conversations; one found both ways keeps its words' hit."""
    words = {hit.conversation.id: hit for hit in by_words}
    meant = {hit.conversation.id: hit for hit in by_meaning}
    hits = []
    for conversation_id, score in reciprocal_rank_fusion([list(words), list(meant)])[:limit]:
        hit = words.get(conversation_id)
        if hit is None:
            hits.append(msgspec.structs.replace(meant[conversation_id], score=score))
        else:
            found_by: list[FoundBy] = ["words", "meaning"] if conversation_id in meant else ["words"]
            hits.append(msgspec.structs.replace(hit, score=score, found_by=found_by))
    return hits


class WordMatcher:
    """Which words of a text `terms` match: a prefix the words it begins, a whole word itself and its `variants`
    (the indexed words of its stem, as the search matched them; without them, every word of its stem). Each
    distinct word is worked out once (a page of hits holds the same words many times over)."""

    def __init__(self, terms: Sequence[Term], variants: Mapping[str, Sequence[str]] | None = None) -> None:
        self._prefixes = tuple(fold(t.word) for t in terms if t.prefix)
        self._whole = {fold(t.word) for t in terms if not t.prefix}
        # Stemmed here only for the words whose variants were not looked up.
        self._stems = {
            stem(fold(t.word)) for t in terms if not t.prefix and (variants is None or t.word not in variants)
        }
        for t in terms:
            if not t.prefix and variants is not None:
                self._whole.update(fold(word) for word in variants.get(t.word, ()))
        self._known: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        found = self._known.get(word)
        if found is None:
            folded = fold(word)
            found = self._known[word] = (
                folded.startswith(self._prefixes)
                or folded in self._whole
                or (bool(self._stems) and stem(folded) in self._stems)
            )
        return found


def highlighted(text: str, matches: WordMatcher) -> str:
    """`text` with each word that `matches` in `<mark>`, as FTS5's highlight() marks it."""
    return _WORD.sub(lambda word: MARK + word.group() + UNMARK if matches(word.group()) else word.group(), text)


def snippet(text: str, matches: WordMatcher) -> str:
    """The SNIPPET_WORDS words of `text` holding the most words that `matches` (the earliest such), those in
    `<mark>`, an ellipsis where text was cut: what FTS5's snippet() makes, without a statement per hit."""
    words = list(_WORD.finditer(text))
    if len(words) <= SNIPPET_WORDS:
        return highlighted(text, matches)
    hits = [index for index, word in enumerate(words) if matches(word.group())]
    start = 0
    if hits:
        # The hit that starts the window holding the most hits; those hits centred in it.
        first = max(range(len(hits)), key=lambda n: (bisect.bisect_left(hits, hits[n] + SNIPPET_WORDS) - n, -n))
        last = hits[bisect.bisect_left(hits, hits[first] + SNIPPET_WORDS) - 1]
        start = max(0, min(hits[first] - (SNIPPET_WORDS - (last - hits[first] + 1)) // 2, len(words) - SNIPPET_WORDS))
    end = start + SNIPPET_WORDS
    begin = words[start].start() if start else 0
    finish = words[end - 1].end() if end < len(words) else len(text)
    cut_before, cut_after = ELLIPSIS if start else "", ELLIPSIS if end < len(words) else ""
    return cut_before + highlighted(text[begin:finish], matches) + cut_after


async def export_conversation(db: Database, conversation_id: str) -> ConversationExport:
    """The conversation and every message of its current branch."""

    async def read(view: Reader) -> ConversationExport:
        conversation = await conversation_of(view, conversation_id)
        stored = [] if conversation.leaf_id is None else await store.branch(view, conversation.leaf_id)
        return ConversationExport(conversation=conversation, messages=[s.message for s in stored])

    return await db.read(read)


def _text(message: Message) -> str:
    if isinstance(message.content, str):
        return message.content
    return "\n\n".join(
        part["text"] if isinstance(part.get("text"), str) else f"[{part.get('type', 'part')}]"
        for part in message.content
    )


def as_markdown(export: ConversationExport) -> str:
    """The conversation as a Markdown document: a heading per message, with who wrote it."""
    conversation = export.conversation
    lines = [f"# {conversation.title or 'Untitled conversation'}", ""]
    lines.append(f"`{conversation.id}` · created {conversation.created_at}")
    for message in export.messages:
        who = message.role if message.model is None else f"{message.role} ({message.model})"
        lines += ["", f"## {who}", ""]
        if message.status != "complete":
            lines += [f"*{message.status}{': ' + message.error.message if message.error else ''}*", ""]
        lines.append(_text(message))
        for call in message.tool_calls or []:
            function = call.get("function") or {}
            lines += ["", f"Tool call `{function.get('name')}`: `{function.get('arguments')}`"]
    return "\n".join(lines) + "\n"


async def usage_report(
    db: Database,
    *,
    group: UsageGroup = "day",
    project: str | None = None,
    model: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> UsageReport:
    """Calls and tokens of the models' answers in conversations, per day, model or project."""

    async def read(view: Reader) -> list[UsageRow]:
        project_id = None if project is None else await project_id_of(view, project, "project")
        return await store.usage(view, group=group, project_id=project_id, model=model, since=since, until=until)

    rows = await db.read(read)
    total = UsageRow(
        key=None,
        calls=sum(r.calls for r in rows),
        errors=sum(r.errors for r in rows),
        prompt_tokens=sum(r.prompt_tokens for r in rows),
        completion_tokens=sum(r.completion_tokens for r in rows),
        total_tokens=sum(r.total_tokens for r in rows),
    )
    return UsageReport(items=rows, total=total)
