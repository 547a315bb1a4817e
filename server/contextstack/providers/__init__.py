"""Upstream model providers: the registry, model routing and the two adapters (OpenAI-compatible, Anthropic)."""
