"""docs/mcp.md's table of tools, made from the tools as a client lists them (with cog: `cog -r docs/*.md`)."""

from __future__ import annotations

from contextstack.mcp.tools import TOOLS


def tools_table() -> str:
    """Each tool: its name, the description a client shows, its arguments (required ones first, bold) and the
    REST call it equals."""
    lines = ["| tool | what it does | arguments | REST equivalent |", "| --- | --- | --- | --- |"]
    for tool in TOOLS:
        schema = tool.schema
        required = schema.get("required", [])
        optional = [name for name in schema.get("properties", {}) if name not in required]
        arguments = ", ".join([*(f"**`{name}`**" for name in required), *(f"`{name}`" for name in optional)])
        rest = tool.rest if "`" in tool.rest else f"`{tool.rest}`"
        cells = [f"`{tool.name}`", tool.description, arguments or "none", rest]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
