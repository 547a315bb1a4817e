"""Tool input schemas, generated from the msgspec Structs the REST API decodes, with every `$ref` inlined."""

from __future__ import annotations

from typing import Any

import msgspec

# Set by the daemon from the client's own name, never by the caller.
SERVER_SET = frozenset({"actor"})


def _inline(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.removeprefix("#/$defs/")
            rest = {key: value for key, value in node.items() if key != "$ref"}
            return {**_inline(definitions[name], definitions), **_inline(rest, definitions)}
        return {key: _inline(value, definitions) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    return node


def input_schema(arguments: type[msgspec.Struct], *, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """The JSON Schema of a tool's arguments: the Struct's, self-contained, without the fields the server sets."""
    schema = msgspec.json.schema(arguments)
    definitions = schema.pop("$defs", {})
    inlined: dict[str, Any] = _inline(schema, definitions)
    inlined["properties"] = {
        name: value for name, value in inlined.get("properties", {}).items() if name not in SERVER_SET
    }
    needed = [*inlined.get("required", []), *(name for name in required if name not in inlined.get("required", []))]
    if needed:
        inlined["required"] = needed
    else:
        inlined.pop("required", None)
    inlined.pop("title", None)
    return inlined
