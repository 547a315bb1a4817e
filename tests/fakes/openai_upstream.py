"""A fake OpenAI-compatible provider: `/v1/chat/completions` (streaming and not) and `/v1/models`.

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


@dataclass
class FakeOpenAI(FakeUpstream):
    """Answers every chat completion with REPLY; as a stream, one word per event. When the request offers
    tools, it also calls the first one with TOOL_ARGUMENTS.

    A request's own `fake_event_delay` (seconds) sets the pause between its stream events.
    """

    async def handle(self, request: Received, receive: Receive, send: Send) -> None:
        if self.api_key is not None and bearer(request) != self.api_key:
            await send_json(send, 401, error_body(401))
            return
        if request.method == "GET" and request.path == "/v1/models":
            data = [{"id": name, "object": "model", "created": 0, "owned_by": "fake"} for name in MODELS]
            await send_json(send, 200, {"object": "list", "data": data})
            return
        if request.method != "POST" or request.path != "/v1/chat/completions":
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
        if body.get("stream"):
            await self._stream(body, receive, send)
        elif fault is not None and fault.kind == "drop_mid_stream":
            await send_half_and_drop(send, self.completion(body))
        elif fault is not None and fault.kind == "malformed":
            await send_json(send, 200, b'{"id": "chatcmpl-fake", "choices": [')
        else:
            await send_json(send, 200, self.completion(body))

    def completion(self, body: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": REPLY, "refusal": None}
        tools = body.get("tools")
        if tools:
            message["tool_calls"] = [
                {
                    "id": "call_fake1",
                    "type": "function",
                    "function": {"name": tools[0]["function"]["name"], "arguments": TOOL_ARGUMENTS},
                }
            ]
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
                    "finish_reason": "tool_calls" if tools else "stop",
                    "logprobs": None,
                }
            ],
            "usage": {"prompt_tokens": 11, "completion_tokens": 6, "total_tokens": 17},
        }

    async def _stream(self, body: dict[str, Any], receive: Receive, send: Send) -> None:
        model = body.get("model", "")
        words = REPLY.split(" ")
        events = [chunk(model, {"role": "assistant", "content": ""})]
        events += [chunk(model, {"content": word if i == 0 else " " + word}) for i, word in enumerate(words)]
        tools = body.get("tools")
        if tools:
            call = {"index": 0, "id": "call_fake1", "type": "function"}
            name = tools[0]["function"]["name"]
            events.append(chunk(model, {"tool_calls": [{**call, "function": {"name": name, "arguments": ""}}]}))
            for part in (TOOL_ARGUMENTS[:10], TOOL_ARGUMENTS[10:]):
                events.append(chunk(model, {"tool_calls": [{"index": 0, "function": {"arguments": part}}]}))
        events.append(chunk(model, {}, "tool_calls" if tools else "stop"))
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
