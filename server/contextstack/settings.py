"""Settings: defaults < TOML config file < CONTEXTSTACK_* environment < CLI flags."""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
import platformdirs
import snowballstemmer

from contextstack.errors import ConfigError

APP_NAME = "contextstack"
# The largest request body the daemon reads: imports and proxied chats with images fit, runaway uploads do not.
MAX_BODY_BYTES = 16 * 1024 * 1024
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# What the server reads of a request before any of the app sees it: a request line (method, target, version) and
# a head of header lines past these are refused (414, 431) before they can grow.
MAX_REQUEST_LINE_BYTES = 8 * 1024
MAX_HEADER_BYTES = 64 * 1024
MAX_HEADERS = 100

Port = Annotated[int, msgspec.Meta(ge=0, le=65535)]
# Where the proxy puts a project's context: a new system message first, the end of the first system message, or nowhere.
InjectMode = Literal["prepend", "append", "off"]
# The context window assumed of a model no setting describes: small enough for local models' usual defaults.
DEFAULT_CONTEXT_WINDOW = 8192


def default_db_path() -> str:
    """The SQLite file in the user's data directory."""
    return str(Path(platformdirs.user_data_dir(APP_NAME)) / "contextstack.db")


def default_config_path() -> Path:
    """`config.toml` in the user's config directory."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


class ProviderConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One `[providers.NAME]` table: an upstream model provider; unset fields take the built-in preset's."""

    kind: Literal["openai", "anthropic"] | None = None
    base_url: str | None = None
    api_key: str | None = None
    api_key_env: str | None = None
    headers: dict[str, str] = {}
    models: list[str] = []
    connect_timeout: float = 5.0
    read_timeout: float = 600.0
    context_window: Annotated[int, msgspec.Meta(ge=256)] | None = None
    # Whether the server answers OpenAI's Responses API at `base_url + /responses` (the openai preset does);
    # otherwise /v1/responses requests are translated to its chat completions.
    responses: bool | None = None


class ProjectProxyConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One `[projects.SLUG]` table: how the proxy treats that project."""

    inject: InjectMode | None = None
    context_budget: Annotated[int, msgspec.Meta(ge=0)] | None = None


class MemoryConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """The `[memory]` table: how knowledge is searched, store-wide."""

    language: str = "english"  # the stemmer's (Snowball's) language for knowledge search and ranking

    def __post_init__(self) -> None:
        languages = sorted(snowballstemmer.algorithms())
        if self.language not in languages:
            raise ValueError(f"memory.language {self.language!r} is not one the stemmer knows: {', '.join(languages)}")


class Settings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Everything the daemon can be told; field names are the config file's keys."""

    host: str = "127.0.0.1"
    port: Port = 8765
    db: str = msgspec.field(default_factory=default_db_path)
    token: str | None = None
    allowed_hosts: list[str] = []
    allowed_origins: list[str] = []
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    readers: Annotated[int, msgspec.Meta(ge=1, le=32)] = 4
    default_model: str | None = None
    context_budget: Annotated[int, msgspec.Meta(ge=0)] = 4000
    sse_keepalive: Annotated[float, msgspec.Meta(gt=0, le=3600)] = 15.0
    sse_queue_size: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)] = 1000
    providers: dict[str, ProviderConfig] = {}
    aliases: dict[str, str | list[str]] = {}
    inject: InjectMode = "prepend"
    projects: dict[str, ProjectProxyConfig] = {}
    context_window: Annotated[int, msgspec.Meta(ge=256)] = DEFAULT_CONTEXT_WINDOW
    context_windows: dict[str, Annotated[int, msgspec.Meta(ge=256)]] = {}

    # Checkpoints: automatic ones kept per project, and the quiet time (seconds) that ends an AI's burst.
    checkpoint_keep: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 20
    ai_burst_quiet: Annotated[float, msgspec.Meta(gt=0, le=86_400)] = 300.0

    memory: MemoryConfig = msgspec.field(default_factory=MemoryConfig)


def context_window(settings: Settings, provider: str, model: str) -> int:
    """The tokens `provider/model` can take: its `[context_windows]` entry, else its provider's, else the default."""
    configured = settings.providers.get(provider)
    return (
        settings.context_windows.get(f"{provider}/{model}")
        or (configured.context_window if configured is not None else None)
        or settings.context_window
    )


# Environment variables that map to settings: CONTEXTSTACK_<FIELD>; lists are comma-separated.
ENV_PREFIX = "CONTEXTSTACK_"
ENV_FIELDS = (
    "host",
    "port",
    "db",
    "token",
    "allowed_hosts",
    "allowed_origins",
    "log_level",
    "readers",
    "default_model",
    "context_budget",
    "sse_keepalive",
    "sse_queue_size",
    "inject",
    "context_window",
    "checkpoint_keep",
    "ai_burst_quiet",
)
_LIST_FIELDS = {"allowed_hosts", "allowed_origins"}


def config_file_path(explicit: str | os.PathLike[str] | None, environ: Mapping[str, str]) -> Path | None:
    """The config file to read: `--config`, else `CONTEXTSTACK_CONFIG`, else the default if it exists."""
    if explicit:
        return Path(explicit)
    if environ.get(ENV_PREFIX + "CONFIG"):
        return Path(environ[ENV_PREFIX + "CONFIG"])
    default = default_config_path()
    return default if default.exists() else None


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in ENV_FIELDS:
        raw = environ.get(ENV_PREFIX + name.upper())
        if raw is None or raw == "":
            continue
        values[name] = [item.strip() for item in raw.split(",") if item.strip()] if name in _LIST_FIELDS else raw
    return values


def load_settings(
    config: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    **flags: Any,
) -> Settings:
    """Build the settings from the config file, the environment and explicit flags (None flags are unset)."""
    environ = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    path = config_file_path(config, environ)
    if path is not None:
        merged.update(_read_config_file(path))
    merged.update(_from_environment(environ))
    merged.update({key: value for key, value in flags.items() if value is not None})
    try:
        # Environment values are strings: strict=False lets "8765" become a port.
        return msgspec.convert(merged, Settings, strict=False)
    except msgspec.ValidationError as exc:
        where = f" (config file {path})" if path else ""
        raise ConfigError(f"invalid setting{where}: {exc}") from None


def is_loopback(host: str) -> bool:
    """Whether a bind address or Host name stays on this machine: a loopback address (127.0.0.0/8, ::1), or localhost.

    A name is not resolved: `127.0.0.1.attacker.example` is a name like any other, and not loopback.
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.removeprefix("[").removesuffix("]")).is_loopback
    except ValueError:
        return False
