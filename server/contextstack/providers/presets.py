"""The providers Contextstack knows without configuration."""

from __future__ import annotations

from typing import Literal, NamedTuple

Kind = Literal["openai", "anthropic"]


class Preset(NamedTuple):
    kind: Kind
    base_url: str
    api_key_env: str | None
    """None: a local server that needs no key."""
    responses: bool = False
    """Whether it serves OpenAI's Responses API (`/responses`) besides chat completions."""


PRESETS: dict[str, Preset] = {
    "openai": Preset("openai", "https://api.openai.com/v1", "OPENAI_API_KEY", responses=True),
    "anthropic": Preset("anthropic", "https://api.anthropic.com/v1", "ANTHROPIC_API_KEY"),
    "groq": Preset("openai", "https://api.groq.com/openai/v1", "GROQ_API_KEY"),
    "ollama": Preset("openai", "http://127.0.0.1:11434/v1", None),
    "lmstudio": Preset("openai", "http://127.0.0.1:1234/v1", None),
    "openrouter": Preset("openai", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
    "mistral": Preset("openai", "https://api.mistral.ai/v1", "MISTRAL_API_KEY"),
    "gemini": Preset("openai", "https://generativelanguage.googleapis.com/v1beta/openai", "GEMINI_API_KEY"),
    "deepseek": Preset("openai", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY"),
}
