"""OpenAI chat completion requests as Anthropic Messages requests.

System and developer messages become `system`; consecutive turns of one role merge (tool results are user
turns); images, tools, tool calls and tool choice are translated; `max_tokens` gets a default. OpenAI fields
with no Anthropic counterpart (`frequency_penalty`, `logprobs`, `seed` …) are dropped.
"""

from __future__ import annotations

from typing import Any

import msgspec

from contextstack.providers.errors import ProviderError

DEFAULT_MAX_TOKENS = 4096

Block = dict[str, Any]

_decode_arguments = msgspec.json.Decoder().decode


def _invalid(message: str, param: str) -> ProviderError:
    return ProviderError(400, message, code="invalid_value", param=param)


def _image_block(part: dict[str, Any], where: str) -> Block:
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else image
    if not isinstance(url, str):
        raise _invalid(f"{where}.image_url.url must be a string", f"{where}.image_url.url")
    if url.startswith("data:"):
        header, comma, data = url.partition(",")
        media_type, _, encoding = header[5:].partition(";")
        if not comma or encoding != "base64":
            raise _invalid(f"{where}: an image data URL must be base64-encoded", f"{where}.image_url.url")
        return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}
    return {"type": "image", "source": {"type": "url", "url": url}}


def _content_blocks(content: Any, where: str, *, images: bool) -> list[Block]:
    """A message's content (a string or a list of parts) as Anthropic blocks; empty text is left out."""
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    if not isinstance(content, list):
        raise _invalid(f"{where}.content must be a string or a list of parts", f"{where}.content")
    blocks: list[Block] = []
    for index, part in enumerate(content):
        at = f"{where}.content[{index}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("text", "refusal"):
            text = part.get(kind)
            if not isinstance(text, str):
                raise _invalid(f"{at}.{kind} must be a string", f"{at}.{kind}")
            if text:
                blocks.append({"type": "text", "text": text})
        elif kind == "image_url" and images:
            blocks.append(_image_block(part, at))
        else:
            raise _invalid(f"{at}: content parts of type {kind!r} cannot be sent to an Anthropic model", at)
    return blocks


def _tool_use_blocks(message: dict[str, Any], where: str) -> list[Block]:
    calls = message.get("tool_calls") or []
    if not isinstance(calls, list):
        raise _invalid(f"{where}.tool_calls must be a list", f"{where}.tool_calls")
    blocks: list[Block] = []
    for index, call in enumerate(calls):
        at = f"{where}.tool_calls[{index}]"
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise _invalid(f"{at} must have a function with a name", at)
        arguments = function.get("arguments") or "{}"
        try:
            tool_input = _decode_arguments(arguments)
        except (msgspec.DecodeError, TypeError):
            raise _invalid(f"{at}.function.arguments is not JSON", f"{at}.function.arguments") from None
        blocks.append({"type": "tool_use", "id": call.get("id"), "name": function["name"], "input": tool_input})
    return blocks


def _tool_result_block(message: dict[str, Any], where: str) -> Block:
    tool_call_id = message.get("tool_call_id")
    if not isinstance(tool_call_id, str):
        raise _invalid(f"{where}.tool_call_id is required on a tool message", f"{where}.tool_call_id")
    content = message.get("content")
    result = content if isinstance(content, str) else _content_blocks(content, where, images=True)
    return {"type": "tool_result", "tool_use_id": tool_call_id, "content": result}


def _turns(messages: Any) -> tuple[list[Block], list[dict[str, Any]]]:
    """The system blocks and the alternating user/assistant turns of an OpenAI message list."""
    if not isinstance(messages, list):
        raise _invalid("messages must be a list", "messages")
    system: list[Block] = []
    turns: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        role = message.get("role") if isinstance(message, dict) else None
        if role in ("system", "developer"):
            system.extend(_content_blocks(message.get("content"), where, images=False))
            continue
        if role == "user":
            turn_role, blocks = "user", _content_blocks(message.get("content"), where, images=True)
        elif role == "assistant":
            blocks = _content_blocks(message.get("content"), where, images=False) + _tool_use_blocks(message, where)
            turn_role = "assistant"
        elif role == "tool":
            turn_role, blocks = "user", [_tool_result_block(message, where)]
        else:
            raise _invalid(f"{where}.role {role!r} cannot be sent to an Anthropic model", f"{where}.role")
        if not blocks:
            continue
        if turns and turns[-1]["role"] == turn_role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": turn_role, "content": blocks})
    return system, turns


def _tools(tools: Any) -> list[Block]:
    if not isinstance(tools, list):
        raise _invalid("tools must be a list", "tools")
    translated: list[Block] = []
    for index, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, dict) and tool.get("type") == "function" else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise _invalid(f"tools[{index}] must be a function tool with a name", f"tools[{index}]")
        block: Block = {
            "name": function["name"],
            "input_schema": function.get("parameters") or {"type": "object", "properties": {}},
        }
        if function.get("description"):
            block["description"] = function["description"]
        translated.append(block)
    return translated


def _tool_choice(choice: Any, parallel: Any) -> Block | None:
    translated: Block | None
    if choice is None:
        translated = None
    elif choice in ("auto", "none"):
        translated = {"type": choice}
    elif choice == "required":
        translated = {"type": "any"}
    elif isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        translated = {"type": "tool", "name": choice["function"].get("name")}
    else:
        raise _invalid(f"tool_choice {choice!r} is not understood", "tool_choice")
    if parallel is False:
        translated = {**(translated or {"type": "auto"}), "disable_parallel_tool_use": True}
    return translated


def to_messages_request(request: dict[str, Any], model: str) -> dict[str, Any]:
    """An Anthropic Messages request for an OpenAI chat completion request."""
    n = request.get("n")
    if n not in (None, 1):
        raise _invalid("n > 1 is not supported by Anthropic models", "n")
    system, turns = _turns(request.get("messages"))
    translated: dict[str, Any] = {
        "model": model,
        "max_tokens": request.get("max_completion_tokens") or request.get("max_tokens") or DEFAULT_MAX_TOKENS,
        "messages": turns,
    }
    if system:
        translated["system"] = system
    for name in ("temperature", "top_p", "stream"):
        if request.get(name) is not None:
            translated[name] = request[name]
    stop = request.get("stop")
    if stop:
        translated["stop_sequences"] = [stop] if isinstance(stop, str) else stop
    if isinstance(request.get("user"), str):
        translated["metadata"] = {"user_id": request["user"]}
    if request.get("tools"):
        translated["tools"] = _tools(request["tools"])
    tool_choice = _tool_choice(request.get("tool_choice"), request.get("parallel_tool_calls"))
    if tool_choice is not None and request.get("tools"):
        translated["tool_choice"] = tool_choice
    return translated
