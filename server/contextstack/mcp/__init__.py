"""The Model Context Protocol server: the same services as the REST API, as MCP tools and resources.

`endpoint.McpEndpoint` is what the daemon mounts at `/mcp` (Streamable HTTP); `contextstack mcp` (cli/mcp.py) bridges
stdio to it. This package imports the `mcp` SDK by absolute imports; its own name never shadows the SDK's.
"""
