"""docs/configuration.md's tables of settings, made from the settings Structs (with cog: `cog -r docs/*.md`).

Each field's `msgspec.Meta(description=…)` is its meaning; its default is the Struct's own, unless the field's
Meta says in words what a default made at start-up is (the user data dir, the built-in presets).
"""

from __future__ import annotations

from typing import Any

import msgspec
import msgspec.inspect

from contextstack.settings import (
    ENV_FIELDS,
    ENV_PREFIX,
    MemoryConfig,
    ModelProxyConfig,
    ProjectProxyConfig,
    ProviderConfig,
    Settings,
)

TABLES: dict[str, type[msgspec.Struct]] = {
    "settings": Settings,
    "providers": ProviderConfig,
    "projects": ProjectProxyConfig,
    "models": ModelProxyConfig,
    "memory": MemoryConfig,
}


def settings_table(table: str = "settings") -> str:
    """The Markdown table of one Struct's settings: the top level's has a column for its environment variable."""
    struct = TABLES[table]
    top = struct is Settings
    header = ["setting", "environment", "default", "meaning"] if top else ["key", "default", "meaning"]
    rows = [_row(field, top) for field in msgspec.inspect.type_info(struct).fields]  # type: ignore[attr-defined]
    lines = [_line(header), _line(["---"] * len(header)), *(_line(row) for row in rows)]
    return "\n".join(lines) + "\n"


def _row(field: msgspec.inspect.Field, top: bool) -> list[str]:
    meta = field.type
    if not isinstance(meta, msgspec.inspect.Metadata) or not (meta.extra_json_schema or {}).get("description"):
        raise ValueError(f"setting `{field.name}` has no description: give it one with _doc(…) in settings.py")
    described = (meta.extra or {}).get("default")
    default = described if described is not None else _default(field)
    row = [f"`{field.name}`", default, meta.extra_json_schema["description"]]  # type: ignore[index]
    if top:
        environment = f"`{ENV_PREFIX}{field.name.upper()}`" if field.name in ENV_FIELDS else "—"
        row.insert(1, environment)
    return row


def _default(field: msgspec.inspect.Field) -> str:
    if field.default is not msgspec.NODEFAULT:
        return _toml(field.default)
    if field.default_factory in (list, dict):  # how msgspec keeps a `[]` or `{}` default
        return _toml(field.default_factory())
    raise ValueError(f"setting `{field.name}` is made at start-up: say its default in words (_doc's default)")


def _toml(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    if isinstance(value, int | float | str):
        return f"`{value}`"
    return f"`{msgspec.json.encode(value).decode()}`"


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"
