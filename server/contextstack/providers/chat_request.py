"""Anthropic Messages requests as OpenAI chat completion requests, for OpenAI-compatible providers.

`system` (and a system message mid-conversation) becomes a system message; text, images, tool use and tool
results become OpenAI's messages, parts, tool calls and tool messages; tools and tool choice are translated, and
`output_config.effort` becomes `reasoning_effort`. `cache_control` is a hint to Anthropic's cache and is left
out (OpenAI-compatible servers cache prefixes by themselves), as are thinking blocks in the history (Anthropic
ignores earlier turns' thinking too) and, so, `context_management`'s clearing of them; `thinking` that leaves
the choice to the model (`adaptive`) or turns it off is left to the model. A field, block or beta with no
counterpart is a 400 that names it, rather than a request quietly changed.
"""

from __future__ import annotations

from typing import Any

import msgspec

from contextstack.providers.errors import ProviderError

Part = dict[str, Any]

_encode = msgspec.json.Encoder().encode

# Fields of a Messages request this translation carries over; any other is refused by name.
_TRANSLATED = frozenset(
    {"model", "messages", "system", "max_tokens", "metadata", "stop_sequences", "stream", "temperature", "top_p"}
    | {"tools", "tool_choice", "thinking", "output_config", "context_management"}
)
# Thinking the translation can leave to the model; a thinking budget it cannot honour.
_THINKING_LEFT_TO_THE_MODEL = ("adaptive", "disabled")
_EFFORTS = {"low": "low", "medium": "medium", "high": "high", "max": "high"}
# Betas that change nothing a translated request relies on: Claude Code's own, its OAuth login, finer tool input
# streaming, prompt caching and token counting (both of which the translation already accounts for).
_HARMLESS_BETAS = (
    "claude-code-",
    "oauth-",
    "fine-grained-tool-streaming-",
    "prompt-caching-",
    "token-counting-",
    "interleaved-thinking-",
    "token-efficient-tools-",
    # Betas of features whose fields the translation checks one by one (thinking, context management, effort,
    # mid-conversation system messages), or that only widen what Anthropic accepts (the 1M context window).
    "context-1m-",
    "context-management-",
    "effort-",
    "thinking-token-count-",
    "prompt-caching-scope-",
    "mid-conversation-system-",
)


def untranslatable(what: str, param: str) -> ProviderError:
    return ProviderError(
        400,
        f"{what} cannot be translated for an OpenAI-compatible provider; route this model to an Anthropic provider, "
        "or leave it out.",
        code="untranslatable",
        param=param,
    )


def _invalid(message: str, param: str) -> ProviderError:
    return ProviderError(400, message, code="invalid_value", param=param)


def check_betas(betas: str | None) -> None:
    """Refuse an `anthropic-beta` the translation cannot honour."""
    for beta in (betas or "").split(","):
        beta = beta.strip()
        if beta and not beta.startswith(_HARMLESS_BETAS):
            raise untranslatable(f"The beta {beta!r} (anthropic-beta)", "anthropic-beta")


def _text(block: dict[str, Any], at: str) -> str:
    text = block.get("text")
    if not isinstance(text, str):
        raise _invalid(f"{at}.text must be a string", f"{at}.text")
    if block.get("citations"):
        raise untranslatable(f"{at}.citations", f"{at}.citations")
    return text


def _image(block: dict[str, Any], at: str) -> Part:
    source = block.get("source")
    kind = source.get("type") if isinstance(source, dict) else None
    if kind == "base64" and isinstance(source, dict):
        url = f"data:{source.get('media_type')};base64,{source.get('data')}"
    elif kind == "url" and isinstance(source, dict) and isinstance(source.get("url"), str):
        url = source["url"]
    else:
        raise untranslatable(f"{at}.source of type {kind!r}", f"{at}.source")
    return {"type": "image_url", "image_url": {"url": url}}


def _blocks(content: Any, at: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list) or not all(isinstance(block, dict) for block in content):
        raise _invalid(f"{at} must be a string or a list of content blocks", at)
    return content


def _system_text(system: Any, at: str = "system") -> str:
    if system is None:
        return ""
    texts = []
    for index, block in enumerate(_blocks(system, at)):
        if block.get("type") != "text":
            raise untranslatable(f"{at}[{index}] of type {block.get('type')!r}", f"{at}[{index}]")
        texts.append(_text(block, f"{at}[{index}]"))
    return "\n\n".join(text for text in texts if text)


def _tool_result(block: dict[str, Any], at: str) -> Part:
    tool_use_id = block.get("tool_use_id")
    if not isinstance(tool_use_id, str):
        raise _invalid(f"{at}.tool_use_id must be a string", f"{at}.tool_use_id")
    content = block.get("content")
    texts = []
    for index, part in enumerate(_blocks(content if content is not None else "", f"{at}.content")):
        if part.get("type") != "text":
            raise untranslatable(f"{at}.content[{index}] of type {part.get('type')!r}", f"{at}.content[{index}]")
        texts.append(_text(part, f"{at}.content[{index}]"))
    text = "\n".join(texts)
    if block.get("is_error") is True:
        text = f"Error: {text}"
    return {"role": "tool", "tool_call_id": tool_use_id, "content": text}


def _user(content: Any, at: str) -> list[Part]:
    """A user turn: its tool results as tool messages first (OpenAI wants them right after the calls), then
    what the user said."""
    results: list[Part] = []
    parts: list[Part] = []
    for index, block in enumerate(_blocks(content, f"{at}.content")):
        where = f"{at}.content[{index}]"
        kind = block.get("type")
        if kind == "text":
            parts.append({"type": "text", "text": _text(block, where)})
        elif kind == "image":
            parts.append(_image(block, where))
        elif kind == "tool_result":
            results.append(_tool_result(block, where))
        else:
            raise untranslatable(f"{where} of type {kind!r}", where)
    if not parts:
        return results
    if all(part["type"] == "text" for part in parts):
        return [*results, {"role": "user", "content": "\n\n".join(part["text"] for part in parts)}]
    return [*results, {"role": "user", "content": parts}]


def _assistant(content: Any, at: str) -> Part:
    texts: list[str] = []
    calls: list[Part] = []
    for index, block in enumerate(_blocks(content, f"{at}.content")):
        where = f"{at}.content[{index}]"
        kind = block.get("type")
        if kind == "text":
            texts.append(_text(block, where))
        elif kind == "tool_use":
            if not isinstance(block.get("id"), str) or not isinstance(block.get("name"), str):
                raise _invalid(f"{where} needs an id and a name", where)
            arguments = _encode(block.get("input") or {}).decode()
            calls.append(
                {"id": block["id"], "type": "function", "function": {"name": block["name"], "arguments": arguments}}
            )
        elif kind in ("thinking", "redacted_thinking"):
            continue
        else:
            raise untranslatable(f"{where} of type {kind!r}", where)
    message: Part = {"role": "assistant", "content": "".join(texts) or None}
    if calls:
        message["tool_calls"] = calls
    return message


def _messages(messages: Any) -> list[Part]:
    if not isinstance(messages, list):
        raise _invalid("messages must be a list", "messages")
    translated: list[Part] = []
    for index, message in enumerate(messages):
        at = f"messages[{index}]"
        role = message.get("role") if isinstance(message, dict) else None
        if role == "user":
            translated.extend(_user(message.get("content"), at))
        elif role == "system":
            translated.append({"role": "system", "content": _system_text(message.get("content"), f"{at}.content")})
        elif role == "assistant":
            translated.append(_assistant(message.get("content"), at))
        else:
            raise _invalid(f"{at}.role must be user, assistant or system", f"{at}.role")
    return translated


def _tools(tools: Any) -> list[Part]:
    if not isinstance(tools, list):
        raise _invalid("tools must be a list", "tools")
    translated: list[Part] = []
    for index, tool in enumerate(tools):
        at = f"tools[{index}]"
        if not isinstance(tool, dict) or not isinstance(tool.get("name"), str):
            raise _invalid(f"{at} must be a tool with a name", at)
        if tool.get("type") not in (None, "custom"):
            raise untranslatable(f"{at}, the built-in tool {tool.get('type')!r},", at)
        function: Part = {"name": tool["name"], "parameters": tool.get("input_schema") or {"type": "object"}}
        if tool.get("description"):
            function["description"] = tool["description"]
        translated.append({"type": "function", "function": function})
    return translated


def _tool_choice(choice: Any) -> tuple[Any, bool | None]:
    """OpenAI's `tool_choice` and `parallel_tool_calls` for Anthropic's `tool_choice`."""
    if not isinstance(choice, dict):
        raise _invalid("tool_choice must be an object", "tool_choice")
    kind = choice.get("type")
    translated: Any
    if kind in ("auto", "none"):
        translated = kind
    elif kind == "any":
        translated = "required"
    elif kind == "tool" and isinstance(choice.get("name"), str):
        translated = {"type": "function", "function": {"name": choice["name"]}}
    else:
        raise _invalid(f"tool_choice {choice!r} is not understood", "tool_choice")
    parallel = False if choice.get("disable_parallel_tool_use") is True else None
    return translated, parallel


def _check_context_management(management: Any) -> None:
    """Clearing thinking from the history is what the translation does anyway; other edits are refused."""
    if management is None:
        return
    edits = management.get("edits") if isinstance(management, dict) else None
    if not isinstance(edits, list):
        raise _invalid("context_management.edits must be a list", "context_management.edits")
    for index, edit in enumerate(edits):
        kind = edit.get("type") if isinstance(edit, dict) else None
        if not (isinstance(kind, str) and kind.startswith("clear_thinking_")):
            raise untranslatable(
                f"context_management.edits[{index}] of type {kind!r}", f"context_management.edits[{index}]"
            )


def _effort(config: Any) -> str | None:
    if config is None:
        return None
    if not isinstance(config, dict):
        raise _invalid("output_config must be an object", "output_config")
    for name in config:
        if name != "effort":
            raise untranslatable(f"output_config.{name}", f"output_config.{name}")
    effort = config.get("effort")
    if effort is None:
        return None
    if effort not in _EFFORTS:
        raise _invalid(f"output_config.effort {effort!r} is not one of {', '.join(_EFFORTS)}", "output_config.effort")
    return _EFFORTS[effort]


def to_chat_request(request: dict[str, Any], model: str, betas: str | None) -> dict[str, Any]:
    """An OpenAI chat completion request for an Anthropic Messages request."""
    check_betas(betas)
    for name in request:
        if name not in _TRANSLATED:
            raise untranslatable(f"The field {name!r}", name)
    thinking = request.get("thinking")
    if thinking is not None and not (
        isinstance(thinking, dict) and thinking.get("type") in _THINKING_LEFT_TO_THE_MODEL
    ):
        raise untranslatable("`thinking` with a budget (extended thinking)", "thinking")
    _check_context_management(request.get("context_management"))
    messages = _messages(request.get("messages"))
    system = _system_text(request.get("system"))
    translated: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "system", "content": system}, *messages] if system else messages,
    }
    if request.get("max_tokens") is not None:
        translated["max_tokens"] = request["max_tokens"]
    for name in ("temperature", "top_p"):
        if request.get(name) is not None:
            translated[name] = request[name]
    if request.get("stop_sequences"):
        translated["stop"] = request["stop_sequences"]
    metadata = request.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("user_id"), str):
        translated["user"] = metadata["user_id"]
    if request.get("tools"):
        translated["tools"] = _tools(request["tools"])
    if request.get("tool_choice") is not None:
        choice, parallel = _tool_choice(request["tool_choice"])
        if request.get("tools"):
            translated["tool_choice"] = choice
            if parallel is not None:
                translated["parallel_tool_calls"] = parallel
    effort = _effort(request.get("output_config"))
    if effort is not None:
        translated["reasoning_effort"] = effort
    if request.get("stream") is True:
        translated["stream"] = True
        translated["stream_options"] = {"include_usage": True}
    return translated
