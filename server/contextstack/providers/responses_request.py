"""OpenAI Responses API requests as chat completion requests, for providers that serve only chat completions.

`instructions` and system or developer items become system messages; messages, function calls and their outputs
become chat turns; function tools and `tool_choice`, `text.format`, `max_output_tokens` and `reasoning.effort`
are translated. Reasoning items are left out (a chat model cannot take them back). What needs the provider's own
state or tools — `previous_response_id`, `conversation`, `background`, stored prompts, built-in tools and their
calls, file inputs — is refused with a 400 that names it. Fields the Responses API alone knows (`store`,
`include`, `truncation` …) are dropped; any other field passes through, as on the chat completions path.
"""

from __future__ import annotations

from typing import Any

from contextstack.providers.errors import ProviderError

Message = dict[str, Any]

# Responses fields with no chat completions counterpart that a chat server could take: left out.
_DROPPED = frozenset(
    {
        "store",
        "include",
        "truncation",
        "prompt_cache_key",
        "prompt_cache_retention",
        "safety_identifier",
        "service_tier",
        "metadata",
        "client_metadata",
        "top_logprobs",
        "max_tool_calls",
        "stream_options",
        "background",
    }
)
# Translated below, and not passed on as they are.
_TRANSLATED = frozenset(
    {
        "model",
        "input",
        "instructions",
        "tools",
        "tool_choice",
        "text",
        "max_output_tokens",
        "reasoning",
        "stream",
        "previous_response_id",
        "conversation",
        "prompt",
    }
)
_ROLES = {"user": "user", "assistant": "assistant", "system": "system", "developer": "system"}


def untranslatable(what: str, param: str, why: str) -> ProviderError:
    """The 400 for what a provider without the Responses API cannot be given."""
    return ProviderError(
        400, f"{what} cannot be translated to chat completions: {why}", code="unsupported_parameter", param=param
    )


def _invalid(message: str, param: str) -> ProviderError:
    return ProviderError(400, message, code="invalid_value", param=param)


def to_chat_request(request: dict[str, Any], provider: str) -> dict[str, Any]:
    """The chat completion request for a Responses request; raises a 400 for what has no translation."""
    stateful = "needs the provider's stored responses"
    hint = f"[providers.{provider}] serves only chat completions (set `responses = true` if it serves /responses)"
    for field, why in (("previous_response_id", stateful), ("conversation", stateful), ("prompt", "a stored prompt")):
        if request.get(field) is not None:
            raise untranslatable(f"`{field}`", field, f"it {why}, and {hint}.")
    if request.get("background") is True:
        raise untranslatable("`background: true`", "background", f"{hint}.")
    messages: list[Message] = []
    instructions = request.get("instructions")
    if isinstance(instructions, str) and instructions:
        messages.append({"role": "system", "content": instructions})
    elif instructions is not None and not isinstance(instructions, str):
        raise untranslatable("`instructions` as items", "instructions", "only a string is translated.")
    messages.extend(_messages(request.get("input")))
    chat: dict[str, Any] = {
        key: value for key, value in request.items() if key not in _DROPPED and key not in _TRANSLATED
    }
    chat["model"] = request.get("model")
    chat["messages"] = messages
    tools = request.get("tools")
    if tools:
        chat["tools"] = _tools(tools)
    tool_choice = request.get("tool_choice")
    if tool_choice is not None:
        chat["tool_choice"] = _tool_choice(tool_choice)
    if request.get("max_output_tokens") is not None:
        chat["max_tokens"] = request["max_output_tokens"]
    reasoning = request.get("reasoning")
    if isinstance(reasoning, dict) and reasoning.get("effort") is not None:
        chat["reasoning_effort"] = reasoning["effort"]
    response_format = _response_format(request.get("text"))
    if response_format is not None:
        chat["response_format"] = response_format
    if request.get("stream") is True:
        chat["stream"] = True
        chat["stream_options"] = {"include_usage": True}  # for the usage of `response.completed`
    return chat


def _messages(items: Any) -> list[Message]:
    if items is None:
        return []
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    messages: list[Message] = []
    for index, item in enumerate(items):
        where = f"input[{index}]"
        kind = item.get("type", "message")
        if kind == "message":
            messages.append(_message(item, where))
        elif kind == "function_call":
            call = {
                "id": item.get("call_id") or item.get("id"),
                "type": "function",
                "function": {"name": item.get("name"), "arguments": item.get("arguments", "")},
            }
            previous = messages[-1] if messages else None
            if previous is not None and previous["role"] == "assistant":
                previous.setdefault("tool_calls", []).append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            content = output if isinstance(output, str) else _joined_text(output, f"{where}.output")
            messages.append({"role": "tool", "tool_call_id": item.get("call_id"), "content": content})
        elif kind == "reasoning":
            continue
        else:
            raise untranslatable(
                f"The input item {where} of type {kind!r}",
                f"{where}.type",
                "only messages, function calls and their outputs are.",
            )
    return messages


def _message(item: dict[str, Any], where: str) -> Message:
    role = _ROLES.get(item.get("role", ""))
    if role is None:
        raise _invalid(f"{where}.role must be user, assistant, system or developer", f"{where}.role")
    content = item.get("content")
    if isinstance(content, str):
        return {"role": role, "content": content}
    if not isinstance(content, list):
        raise _invalid(f"{where}.content must be a string or a list of parts", f"{where}.content")
    parts = [_part(part, f"{where}.content[{index}]") for index, part in enumerate(content)]
    if all(part["type"] == "text" for part in parts):
        # A string: what every chat server takes, in every role (some refuse parts outside user turns).
        return {"role": role, "content": "\n\n".join(part["text"] for part in parts)}
    return {"role": role, "content": parts}


def _part(part: Any, where: str) -> dict[str, Any]:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind in ("input_text", "output_text", "summary_text", "reasoning_text"):
        text = part.get("text")
        if not isinstance(text, str):
            raise _invalid(f"{where}.text must be a string", f"{where}.text")
        return {"type": "text", "text": text}
    if kind == "refusal":
        return {"type": "text", "text": str(part.get("refusal", ""))}
    if kind == "input_image":
        url = part.get("image_url")
        if not isinstance(url, str):
            raise untranslatable(
                f"The image {where} without an image_url", f"{where}.image_url", "file ids need the provider's files."
            )
        image: dict[str, Any] = {"url": url}
        if part.get("detail") is not None:
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    if kind == "input_audio":
        return {"type": "input_audio", "input_audio": part.get("input_audio")}
    raise untranslatable(
        f"The content part {where} of type {kind!r}", f"{where}.type", "only text, images and audio are."
    )


def _joined_text(output: Any, where: str) -> str:
    if not isinstance(output, list):
        raise _invalid(f"{where} must be a string or a list of parts", where)
    return "\n\n".join(_part(part, f"{where}[{index}]").get("text", "") for index, part in enumerate(output))


def _tools(tools: Any) -> list[dict[str, Any]]:
    if not isinstance(tools, list):
        raise _invalid("`tools` must be a list", "tools")
    translated = []
    for index, tool in enumerate(tools):
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind != "function":
            raise untranslatable(
                f"The tool tools[{index}] of type {kind!r}",
                f"tools[{index}].type",
                "only function tools are (built-in tools and namespaces of tools are the Responses API's own).",
            )
        function = {key: tool[key] for key in ("name", "description", "parameters", "strict") if key in tool}
        translated.append({"type": "function", "function": function})
    return translated


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, str):
        return choice
    if isinstance(choice, dict) and choice.get("type") == "function":
        return {"type": "function", "function": {"name": choice.get("name")}}
    kind = choice.get("type") if isinstance(choice, dict) else choice
    raise untranslatable(
        f"`tool_choice` of type {kind!r}", "tool_choice", "only auto, none, required and a function are."
    )


def _response_format(text: Any) -> dict[str, Any] | None:
    if not isinstance(text, dict):
        return None
    format = text.get("format")
    if not isinstance(format, dict) or format.get("type") in (None, "text"):
        return None
    if format.get("type") == "json_object":
        return {"type": "json_object"}
    if format.get("type") == "json_schema":
        schema = {key: format[key] for key in ("name", "description", "schema", "strict") if key in format}
        return {"type": "json_schema", "json_schema": schema}
    raise untranslatable(
        f"`text.format` of type {format.get('type')!r}", "text.format", "only text, json_object and json_schema are."
    )
