"""A fake OpenAI-compatible provider: `/v1/chat/completions` and `/v1/responses` (streaming and not),
`/v1/embeddings` and `/v1/models`.

Run on its own for benchmarks: `python -m tests.fakes.openai_upstream --port 9100`.
"""

from __future__ import annotations

import argparse
import json
import time
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

REPLY = "Hello from the fake upstream."
MODELS = ["fake-small", "fake-large"]
TOOL_ARGUMENTS = '{"location": "Paris", "unit": "celsius"}'
CALL_ID = "call_fake1"
EMBEDDING = [0.25, -0.5, 0.125]

_ERRORS = {
    400: ("invalid_request_error", "bad_request", "The request is not valid."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: ("server_error", None, "The server had an error while processing your request."),
    503: ("server_error", None, "The engine is currently overloaded."),
}


def error_body(status: int) -> dict[str, Any]:
    kind, code, message = _ERRORS.get(status, ("server_error", None, f"HTTP {status}"))
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def chunk(model: str, delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
    body = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
    }
    return b"data: " + json.dumps(body).encode() + b"\n\n"


def _first_function(tools: Any, *, responses: bool) -> str | None:
    """The name of the first function tool offered, in chat completions' or the Responses API's shape."""
    for tool in tools or []:
        if tool.get("type") == "function":
            return str(tool["name"] if responses else tool["function"]["name"])
    return None


def responses_event(kind: str, sequence: int, **fields: Any) -> bytes:
    data = {"type": kind, "sequence_number": sequence, **fields}
    return f"event: {kind}\ndata: {json.dumps(data)}\n\n".encode()


@dataclass
class FakeOpenAI(FakeUpstream):
    """Answers every chat completion and response with REPLY; as a stream, one word per event.

    When the request offers a function tool and carries no tool result yet, the answer calls the first one with
    TOOL_ARGUMENTS instead. A request's own `fake_event_delay` (seconds) sets the pause between its stream events.
    """

    async def handle(self, request: Received, receive: Receive, send: Send) -> None:
        if self.api_key is not None and bearer(request) != self.api_key:
            await send_json(send, 401, error_body(401))
            return
        if request.method == "GET" and request.path == "/v1/models":
            data = [{"id": name, "object": "model", "created": 0, "owned_by": "fake"} for name in MODELS]
            await send_json(send, 200, {"object": "list", "data": data})
            return
        if request.method != "POST" or request.path not in ("/v1/chat/completions", "/v1/responses", "/v1/embeddings"):
            await send_json(send, 404, error_body(404))
            return
        fault = self.fault
        if fault is not None and fault.kind == "html":
            await send_page(send, fault.status)
            return
        if fault is not None and fault.kind == "echo_credentials":
            echoed = f"Rejected Authorization: {request.headers.get('authorization')} (x-api-key {self.api_key})"
            await send_json(send, fault.status, {"error": {"message": echoed, "type": "invalid_request_error"}})
            return
        if fault is not None and fault.kind == "status":
            headers = {"retry-after": "7"} if fault.status == 429 else {}
            await send_json(send, fault.status, error_body(fault.status), headers)
            return
        body = request.json()
        if request.path == "/v1/embeddings":
            await send_json(send, 200, self.embeddings(body))
        elif request.path == "/v1/responses" and body.get("stream"):
            await self._responses_stream(body, receive, send)
        elif body.get("stream"):
            await self._stream(body, receive, send)
        elif fault is not None and fault.kind == "drop_mid_stream":
            await send_half_and_drop(send, self.completion(body))
        elif fault is not None and fault.kind == "malformed":
            await send_json(send, 200, b'{"id": "chatcmpl-fake", "choices": [')
        elif request.path == "/v1/responses":
            await send_json(send, 200, self.response(body))
        else:
            await send_json(send, 200, self.completion(body))

    def embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        inputs = body["input"] if isinstance(body.get("input"), list) else [body.get("input")]
        data = [{"object": "embedding", "index": i, "embedding": EMBEDDING} for i in range(len(inputs))]
        return {
            "object": "list",
            "data": data,
            "model": body.get("model"),
            "usage": {"prompt_tokens": 4, "total_tokens": 4},
        }

    @staticmethod
    def _chat_tool(body: dict[str, Any]) -> str | None:
        answered = any(message.get("role") == "tool" for message in body.get("messages", []))
        forced = body.get("tool_choice") not in (None, "auto", "none")
        return None if answered and not forced else _first_function(body.get("tools"), responses=False)

    @staticmethod
    def _responses_tool(body: dict[str, Any]) -> str | None:
        items = body.get("input") if isinstance(body.get("input"), list) else []
        answered = any(item.get("type") == "function_call_output" for item in items)
        return None if answered else _first_function(body.get("tools"), responses=True)

    def completion(self, body: dict[str, Any]) -> dict[str, Any]:
        tool = self._chat_tool(body)
        if tool is not None:
            call = {"id": CALL_ID, "type": "function", "function": {"name": tool, "arguments": TOOL_ARGUMENTS}}
            message: dict[str, Any] = {"role": "assistant", "content": REPLY, "tool_calls": [call], "refusal": None}
        else:
            message = {"role": "assistant", "content": REPLY, "refusal": None}
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model"),
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "stop" if tool is None else "tool_calls",
                    "logprobs": None,
                }
            ],
            "usage": {"prompt_tokens": 11, "completion_tokens": 6, "total_tokens": 17},
        }

    def _output(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        tool = self._responses_tool(body)
        if tool is not None:
            call = {"id": "fc_fake1", "type": "function_call", "status": "completed", "call_id": CALL_ID}
            return [{**call, "name": tool, "arguments": TOOL_ARGUMENTS}]
        text = {"type": "output_text", "text": REPLY, "annotations": [], "logprobs": []}
        return [{"id": "msg_fake1", "type": "message", "status": "completed", "role": "assistant", "content": [text]}]

    def response(self, body: dict[str, Any], status: str = "completed", output: Any = None) -> dict[str, Any]:
        usage = {
            "input_tokens": 11,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 6,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 17,
        }
        return {
            "id": "resp_fake1",
            "object": "response",
            "created_at": 1700000000,
            "status": status,
            "error": None,
            "incomplete_details": None,
            "instructions": body.get("instructions"),
            "model": body.get("model"),
            "output": self._output(body) if output is None else output,
            "parallel_tool_calls": True,
            "previous_response_id": body.get("previous_response_id"),
            "store": body.get("store", True),
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": body.get("tools", []),
            "usage": usage if status == "completed" else None,
        }

    async def _responses_stream(self, body: dict[str, Any], receive: Receive, send: Send) -> None:
        [item] = self._output(body)
        events = [("response.created", {"response": self.response(body, "in_progress", [])})]
        events.append(("response.in_progress", {"response": self.response(body, "in_progress", [])}))
        events.append(("response.output_item.added", {"output_index": 0, "item": {**item, "status": "in_progress"}}))
        where = {"item_id": item["id"], "output_index": 0}
        if item["type"] == "function_call":
            events.append(("response.function_call_arguments.delta", {**where, "delta": TOOL_ARGUMENTS}))
            events.append(("response.function_call_arguments.done", {**where, "arguments": TOOL_ARGUMENTS}))
        else:
            part = {"type": "output_text", "text": "", "annotations": []}
            events.append(("response.content_part.added", {**where, "content_index": 0, "part": part}))
            words = REPLY.split(" ")
            for i, word in enumerate(words):
                delta = word if i == 0 else " " + word
                events.append(("response.output_text.delta", {**where, "content_index": 0, "delta": delta}))
            events.append(("response.output_text.done", {**where, "content_index": 0, "text": REPLY}))
            done_part = {**part, "text": REPLY}
            events.append(("response.content_part.done", {**where, "content_index": 0, "part": done_part}))
        events.append(("response.output_item.done", {"output_index": 0, "item": item}))
        events.append(("response.completed", {"response": self.response(body)}))
        await self._send_events(
            [responses_event(kind, i, **fields) for i, (kind, fields) in enumerate(events)], body, receive, send
        )

    async def _stream(self, body: dict[str, Any], receive: Receive, send: Send) -> None:
        model = body.get("model", "")
        words = REPLY.split(" ")
        events = [chunk(model, {"role": "assistant", "content": ""})]
        events += [chunk(model, {"content": word if i == 0 else " " + word}) for i, word in enumerate(words)]
        tool = self._chat_tool(body)
        if tool is not None:
            start = {"index": 0, "id": CALL_ID, "type": "function", "function": {"name": tool, "arguments": ""}}
            events.append(chunk(model, {"tool_calls": [start]}))
            half = len(TOOL_ARGUMENTS) // 2
            for part in (TOOL_ARGUMENTS[:half], TOOL_ARGUMENTS[half:]):
                events.append(chunk(model, {"tool_calls": [{"index": 0, "function": {"arguments": part}}]}))
            events.append(chunk(model, {}, "tool_calls"))
        else:
            events.append(chunk(model, {}, "stop"))
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {"prompt_tokens": 11, "completion_tokens": 6, "total_tokens": 17}
            events.append(
                b"data: "
                + json.dumps(
                    {
                        "id": "chatcmpl-fake",
                        "object": "chat.completion.chunk",
                        "created": 1700000000,
                        "model": model,
                        "choices": [],
                        "usage": usage,
                    }
                ).encode()
                + b"\n\n"
            )
        events.append(b"data: [DONE]\n\n")
        await self._send_events(events, body, receive, send)

    async def _send_events(self, events: list[bytes], body: dict[str, Any], receive: Receive, send: Send) -> None:
        fault = self.fault
        await start_stream(send)
        for index, event in enumerate(events):
            if fault is not None and fault.kind == "drop_mid_stream" and index == fault.after_events:
                # Half an event, then the connection goes.
                await send_event(send, event[: len(event) // 2])
                raise DroppedConnection("dropped mid-stream")
            if fault is not None and fault.kind == "ends_early" and index == fault.after_events:
                break
            if fault is not None and fault.kind == "malformed" and index == 1:
                event = b"data: {not json\n\n"
            await send_event(send, event)
            await self.pause(receive, body.get("fake_event_delay", self.event_delay))
        await end_stream(send)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Serve the fake OpenAI-compatible upstream.")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        FakeOpenAI(record=False).app,
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
