"""`contextstack init`: a commented config file (mode 0600) with the providers this machine already has."""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from contextstack.providers.presets import PRESETS
from contextstack.settings import ENV_PREFIX, default_config_path

PROBE_TIMEOUT = httpx.Timeout(0.5)
"""Local servers answer in milliseconds: one that takes longer is taken for absent rather than waited for."""
SUGGESTED_MODELS = {
    "openai": "openai/gpt-4.1-mini",
    "anthropic": "anthropic/claude-sonnet-4-5",
    "groq": "groq/llama-3.1-8b-instant",
}


@dataclass(frozen=True)
class Detected:
    """A provider this machine can use: `how` says why we think so."""

    name: str
    how: str
    base_url: str | None = None
    """Set where it differs from the built-in preset's."""
    models: tuple[str, ...] = ()


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = commands.add_parser(
        "init",
        help="write a config file with the providers this machine has",
        description=(
            "Write a commented config file (readable only by you) naming the providers found here: API keys in the "
            "environment, Ollama (OLLAMA_HOST, else 127.0.0.1:11434) and LM Studio (127.0.0.1:1234) answering."
        ),
    )
    init.add_argument(
        "--config",
        help="the file to write (default: CONTEXTSTACK_CONFIG, else config.toml in the user config dir)",
    )
    init.add_argument("--force", action="store_true", help="overwrite the file if it exists")
    init.set_defaults(local=init_command)


def init_command(args: argparse.Namespace) -> int:
    path = Path(args.config or os.environ.get(ENV_PREFIX + "CONFIG") or default_config_path())
    if path.exists() and not args.force:
        print(f"contextstack: {path} exists; edit it, or pass --force to write it anew", file=sys.stderr)
        return 1
    found = detect_providers()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(config_text(found))
    os.chmod(path, 0o600)  # an existing file keeps its mode through O_CREAT
    print(f"wrote {path}")
    for provider in found:
        print(f"  found {provider.name}: {provider.how}")
    if not found:
        print("  found no provider: set a key such as OPENAI_API_KEY, or start Ollama, then run init --force")
    return 0


def detect_providers() -> list[Detected]:
    """Presets whose key is in the environment, then the local servers that answer."""
    found = [
        Detected(name, f"{preset.api_key_env} is set")
        for name, preset in PRESETS.items()
        if preset.api_key_env and os.environ.get(preset.api_key_env)
    ]
    ollama = os.environ.get("OLLAMA_HOST", "127.0.0.1:11434")
    ollama_url = (ollama if "://" in ollama else f"http://{ollama}").rstrip("/") + "/v1"
    local = {"ollama": ollama_url, "lmstudio": PRESETS["lmstudio"].base_url}
    with ThreadPoolExecutor(max_workers=len(local)) as pool:
        answers = dict(zip(local, pool.map(list_models, local.values()), strict=True))
    for name, base_url in local.items():
        models = answers[name]
        if models is not None:
            differs = base_url != PRESETS[name].base_url
            found.append(Detected(name, f"answers at {base_url}", base_url if differs else None, tuple(models)))
    return found


def list_models(base_url: str) -> list[str] | None:
    """The models an OpenAI-compatible server lists, or None if nothing answers there."""
    try:
        response = httpx.get(base_url + "/models", timeout=PROBE_TIMEOUT)
        response.raise_for_status()
        return [str(model["id"]) for model in response.json().get("data", [])]
    except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError):
        return None


def config_text(found: list[Detected]) -> str:
    """The config file: what was found, set; everything else, shown commented out."""
    lines = [
        "# Contextstack configuration, written by `contextstack init`. Reference: docs/configuration.md.",
        "# CONTEXTSTACK_* environment variables override what is here, and `serve` flags override both.",
        "",
        "# The daemon's address (these are the defaults):",
        '# host = "127.0.0.1"',
        "# port = 8765",
        "",
    ]
    default = next((_suggested_model(provider) for provider in found if _suggested_model(provider)), None)
    if found:
        lines.append("# Found on this machine: " + "; ".join(f"{p.name} ({p.how})" for p in found) + ".")
    lines.append("# The model a request without one goes to:")
    lines.append(f"default_model = {_toml_string(default)}" if default else '# default_model = "openai/gpt-4.1-mini"')
    lines.extend(["", "# Built-in providers need no table: " + ", ".join(PRESETS) + "."])
    lines.append(
        "# Their keys come from the environment: "
        + ", ".join(p.api_key_env for p in PRESETS.values() if p.api_key_env)
        + "."
    )
    for provider in found:
        if provider.base_url:
            lines.extend(
                ["", f"[providers.{provider.name}]", 'kind = "openai"', f"base_url = {_toml_string(provider.base_url)}"]
            )
    lines.extend(
        [
            "",
            "# Any other OpenAI-compatible server, under a name of your choice:",
            "# [providers.work]",
            '# kind = "openai"',
            '# base_url = "http://127.0.0.1:9000/v1"',
            '# api_key_env = "WORK_API_KEY"',
            "",
            "# Names for models, tried in order until one answers:",
            "# [aliases]",
            '# fast = ["groq/llama-3.1-8b-instant", "ollama/llama3.2"]',
            "",
        ]
    )
    return "\n".join(lines)


def _toml_string(text: str) -> str:
    # A JSON string is a TOML basic string: the same quotes and backslash escapes.
    return json.dumps(text)


def _suggested_model(provider: Detected) -> str | None:
    if provider.models:
        return f"{provider.name}/{provider.models[0]}"
    return SUGGESTED_MODELS.get(provider.name)
