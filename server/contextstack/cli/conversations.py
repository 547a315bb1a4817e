"""`contextstack chat` and `conversations`: talk to any model with the project's context, and see what was said."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import msgspec

from contextstack.cli.session import Commands, Session
from contextstack.cli.usage import UsageError
from contextstack.remote import RemoteError, answer
from contextstack_client.api.conversations import create_conversation, list_conversations
from contextstack_client.models import Conversation, ConversationCreate
from contextstack_client.types import UNSET


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    chat = commands.add_parser(
        "chat",
        parents=[common],
        help="send a message to a model, with the project's context, and stream the answer",
        description=(
            "Send MESSAGE (else what stdin holds) in a new conversation of the project, or in the last one with "
            "-c, and stream the answer. The conversation is stored: continue it later with any model. "
            "With --project (or a `contextstack use` project here), the one argument is the message."
        ),
    )
    chat.add_argument("words", nargs="*", metavar="[PROJECT] [MESSAGE]", help="the project, then the message")
    chat.add_argument("-c", "--continue", action="store_true", dest="resume", help="go on with the last conversation")
    chat.add_argument("--conversation", metavar="ID", help="go on with this conversation (cnv_…)")
    chat.add_argument("-m", "--model", help="the model to answer (default: the conversation's, else the daemon's)")
    chat.add_argument("--budget", type=int, metavar="TOKENS", help="the project context's token budget")
    chat.set_defaults(handler=chat_command)

    listing = commands.add_parser(
        "conversations",
        parents=[common],
        help="list conversations, most recently active first",
        description="List the project's conversations (every conversation with no project chosen), newest first.",
    )
    listing.add_argument("project_argument", nargs="?", metavar="PROJECT", help="the project (default: --project)")
    listing.add_argument("-n", "--limit", type=int, default=20, help="how many (default 20)")
    listing.set_defaults(handler=list_command)


def _project_and_message(session: Session) -> tuple[str | None, str]:
    """`chat PROJECT MESSAGE`; `chat MESSAGE` where a project is chosen (or a conversation named); `chat PROJECT`
    with the message on stdin."""
    args = session.args
    words: list[str] = args.words
    if len(words) > 2:
        raise UsageError("give the project and the message as two arguments: quote the message")
    chosen = session.project_if_chosen()
    project: str | None
    if len(words) == 2:
        project, message = words[0], words[1]
    elif words and (chosen or args.conversation or args.resume):
        project, message = chosen, words[0]
    elif words:
        project, message = words[0], ""
    else:
        project, message = chosen, ""
    if not message:
        if sys.stdin.isatty():
            raise UsageError("no message: give it as an argument, or pipe it in")
        message = sys.stdin.read()
    if not message.strip():
        raise UsageError("the message is empty")
    return project, message


def _conversation(session: Session, project: str | None) -> str:
    args = session.args
    if args.conversation:
        return str(args.conversation)
    if args.resume:
        page = answer(list_conversations.sync_detailed(client=session.daemon, project=project or UNSET, limit=1))
        if not page.items:
            where = f"project {project}" if project else "the daemon"
            raise RemoteError(f"{where} has no conversation to continue; leave out -c to start one")
        return page.items[0].id
    body = ConversationCreate(project=project) if project else ConversationCreate()
    return answer(create_conversation.sync_detailed(client=session.daemon, body=body)).id


def chat_command(session: Session) -> None:
    project, message = _project_and_message(session)
    conversation = _conversation(session, project)
    args = session.args
    turn: dict[str, Any] = {"content": message, "stream": not session.out.as_json}
    if args.model:
        turn["model"] = args.model
    if args.budget is not None:
        turn["budget"] = args.budget
    path = f"/api/conversations/{conversation}/messages"
    http = session.daemon.get_httpx_client()
    if session.out.as_json:
        response = http.post(path, json=turn, timeout=None)
        if response.status_code >= 300:
            raise RemoteError(_refusal(response.content, response.status_code))
        session.out.json(response.content)
        return
    with http.stream("POST", path, json=turn, timeout=None) as response:
        if response.status_code >= 300:
            raise RemoteError(_refusal(response.read(), response.status_code))
        done = _relay(response.iter_lines())
    if done is None:
        raise RemoteError("the daemon ended the answer without saying how it ended; `contextstack conversations`")
    if done.get("status") == "error":
        error = done.get("error") or {}
        raise RemoteError(f"the model failed: {error.get('message', 'no reason given')} (in {conversation})")
    if done.get("status") == "incomplete":
        raise RemoteError(f"the answer was cut off; what arrived is kept in {conversation}")
    print(f"({conversation})", file=sys.stderr)


def _relay(lines: Any) -> dict[str, Any] | None:
    """Print each `delta` event's text as it comes; the `done` event's data, once it comes."""
    event = ""
    for line in lines:
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data = msgspec.json.decode(line[5:].strip())
            if event == "delta":
                sys.stdout.write(data["content"])
                sys.stdout.flush()
            elif event == "done":
                sys.stdout.write("\n")
                sys.stdout.flush()
                done: dict[str, Any] = data
                return done
    return None


class _Refused(msgspec.Struct):
    detail: str = ""


def _refusal(content: bytes, status: int) -> str:
    try:
        detail = msgspec.json.decode(content, type=_Refused).detail
    except msgspec.DecodeError:
        detail = ""
    return detail or f"the daemon answered {status}"


def _row(item: Conversation) -> list[str]:
    return [item.id, item.updated_at[:16].replace("T", " "), str(item.model or ""), item.title]


def list_command(session: Session) -> None:
    project = session.project_if_chosen()
    response = list_conversations.sync_detailed(
        client=session.daemon, project=project or UNSET, limit=session.args.limit
    )
    page = answer(response)
    if session.out.as_json:
        session.out.json(response.content)
    elif not page.items:
        print("no conversations yet; start one with `contextstack chat PROJECT MESSAGE`", file=sys.stderr)
    else:
        session.out.table(["id", "updated", "model", "title"], [_row(item) for item in page.items])
