"""A fake Anthropic provider: `/v1/messages` (streaming and not) and `/v1/models`, in Anthropic's own shapes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.fakes.server import (
    DroppedConnection,
    FakeUpstream,
    Receive,
    Received,
    Send,
    bearer,
    end_stream,
    send_event,
    send_half_and_drop,
    send_json,
    send_page,
    start_stream,
)

REPLY = "Hello from the fake Claude."
TOOL_INPUT = {"location": "Paris", "unit": "celsius"}
MODELS = ["claude-fake-1", "claude-fake-2"]

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def error_body(status: int) -> dict[str, Any]:
    kind = _ERROR_TYPES.get(status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": f"fake {kind}"}}


def count_tokens(body: dict[str, Any]) -> int:
    """The fake's token count: one per four characters of the request's system, messages and tools."""
    return len(json.dumps([body.get("system"), body.get("messages"), body.get("tools")])) // 4


def event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n".encode()


@dataclass
class FakeAnthropic(FakeUpstream):
    """Answers with REPLY; when the request offers tools, also calls the first one with TOOL_INPUT.

    `stream_error` makes a stream send an Anthropic `error` event after its first text delta.
    """

    stream_error: bool = False

    async def handle(self, request: Received, receive: Receive, send: Send) -> None:
        # An API key as x-api-key, or (a Claude subscription's OAuth token) as a bearer token.
        if self.api_key is not None and self.api_key not in (request.headers.get("x-api-key"), bearer(request)):
            await send_json(send, 401, error_body(401))
            return
        if request.method == "GET" and request.path == "/v1/models":
            data = [
                {"type": "model", "id": name, "display_name": name, "created_at": "2025-01-01T00:00:00Z"}
                for name in MODELS
            ]
            await send_json(send, 200, {"data": data, "has_more": False, "first_id": MODELS[0], "last_id": MODELS[-1]})
            return
        if request.method == "POST" and request.path == "/v1/messages/count_tokens":
            await send_json(send, 200, {"input_tokens": count_tokens(request.json())})
            return
        if request.method != "POST" or request.path != "/v1/messages":
            await send_json(send, 404, error_body(404))
            return
        if "anthropic-version" not in request.headers:
            await send_json(send, 400, error_body(400))
            return
        fault = self.fault
        if fault is not None and fault.kind == "html":
            await send_page(send, fault.status)
            return
        if fault is not None and fault.kind == "status":
            await send_json(send, fault.status, error_body(fault.status), {"retry-after": "3"})
            return
        body = request.json()
        if body.get("stream"):
            await self._stream(body, receive, send)
        elif fault is not None and fault.kind == "drop_mid_stream":
            await send_half_and_drop(send, self.message(body))
        elif fault is not None and fault.kind == "malformed":
            await send_json(send, 200, b'{"id": "msg_fake", "content": [')
        else:
            await send_json(send, 200, self.message(body))

    def content(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = [{"type": "text", "text": REPLY}]
        if body.get("tools"):
            blocks.append(
                {"type": "tool_use", "id": "toolu_fake1", "name": body["tools"][0]["name"], "input": TOOL_INPUT}
            )
        return blocks

    def message(self, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": self.content(body),
            "stop_reason": "tool_use" if body.get("tools") else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 12, "output_tokens": 7, "cache_read_input_tokens": 3},
        }

    def events(self, body: dict[str, Any]) -> list[bytes]:
        message = {**self.message(body), "content": [], "stop_reason": None}
        message["usage"] = {"input_tokens": 12, "output_tokens": 1, "cache_read_input_tokens": 3}
        events = [event("message_start", {"message": message}), event("ping", {})]
        for index, block in enumerate(self.content(body)):
            if block["type"] == "text":
                events.append(
                    event("content_block_start", {"index": index, "content_block": {"type": "text", "text": ""}})
                )
                for i, word in enumerate(block["text"].split(" ")):
                    delta = {"type": "text_delta", "text": word if i == 0 else " " + word}
                    events.append(event("content_block_delta", {"index": index, "delta": delta}))
            else:
                start = {**block, "input": {}}
                events.append(event("content_block_start", {"index": index, "content_block": start}))
                arguments = json.dumps(block["input"])
                for part in (arguments[:10], arguments[10:]):
                    delta = {"type": "input_json_delta", "partial_json": part}
                    events.append(event("content_block_delta", {"index": index, "delta": delta}))
            events.append(event("content_block_stop", {"index": index}))
        stop_reason = "tool_use" if body.get("tools") else "end_turn"
        events.append(
            event(
                "message_delta",
                {"delta": {"stop_reason": stop_reason, "stop_sequence": None}, "usage": {"output_tokens": 7}},
            )
        )
        events.append(event("message_stop", {}))
        return events

    async def _stream(self, body: dict[str, Any], receive: Receive, send: Send) -> None:
        fault = self.fault
        await start_stream(send)
        for index, data in enumerate(self.events(body)):
            if fault is not None and fault.kind == "drop_mid_stream" and index == fault.after_events:
                await send_event(send, data[: len(data) // 2])
                raise DroppedConnection("dropped mid-stream")
            if fault is not None and fault.kind == "ends_early" and index == fault.after_events:
                break
            if fault is not None and fault.kind == "malformed" and index == 3:
                data = b"event: content_block_delta\ndata: {not json\n\n"
            await send_event(send, data)
            if self.stream_error and index == 3:
                await send_event(send, event("error", {"error": {"type": "overloaded_error", "message": "Overloaded"}}))
                await end_stream(send)
                return
            await self.pause(receive, self.event_delay)
        await end_stream(send)


def main() -> None:
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(description="Serve the fake Anthropic upstream.")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        FakeAnthropic(record=False).app,
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        lifespan="off",
        interface="asgi3",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
