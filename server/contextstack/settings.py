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
# Where the proxy puts a project's context: the whole of it once per conversation and then only what is new, in
# the user's messages (delta); the whole of it every turn, in a new system message first or at the end of the first
# system message; or nowhere.
InjectMode = Literal["delta", "prepend", "append", "off"]
# The context window assumed of a model no setting describes: small enough for local models' usual defaults.
DEFAULT_CONTEXT_WINDOW = 8192


def default_db_path() -> str:
    """The SQLite file in the user's data directory."""
    return str(Path(platformdirs.user_data_dir(APP_NAME)) / "contextstack.db")


def default_config_path() -> Path:
    """`config.toml` in the user's config directory."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def _doc(description: str, default: str | None = None) -> msgspec.Meta:
    """A setting's meaning (and, where the value itself would not say it, its default) for docs/configuration.md."""
    return msgspec.Meta(description=description, extra={"default": default} if default is not None else {})


class ProviderConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One `[providers.NAME]` table: an upstream model provider; unset fields take the built-in preset's."""

    kind: Annotated[
        Literal["openai", "anthropic"] | None,
        _doc("The adapter: `openai` (any OpenAI-compatible server) or `anthropic` (the Messages API).", "the preset's"),
    ] = None
    base_url: Annotated[
        str | None, _doc("The provider's API root, e.g. `http://127.0.0.1:11434/v1`.", "the preset's")
    ] = None
    api_key: Annotated[str | None, _doc("The key itself; prefer `api_key_env`, which keeps it out of the file.")] = None
    api_key_env: Annotated[str | None, _doc("The environment variable that holds the key.", "the preset's")] = None
    headers: Annotated[dict[str, str], _doc("Extra headers sent with every request to this provider.")] = {}
    models: Annotated[
        list[str], _doc("Models `GET /v1/models` lists for this provider, even when the server cannot list its own.")
    ] = []
    connect_timeout: Annotated[
        float, _doc("Seconds to wait for a connection to the provider; past it, the next model of an alias is tried.")
    ] = 5.0
    read_timeout: Annotated[
        float, _doc("Seconds without a byte from the provider, at any point of the answer, before it is a 504.")
    ] = 600.0
    context_window: Annotated[
        Annotated[int, msgspec.Meta(ge=256)] | None,
        _doc("Tokens every model of this provider can take; a `[context_windows]` entry for one model wins."),
    ] = None
    forward_client_key: Annotated[
        bool,
        _doc(
            "Send the client's own credential (`x-api-key` or `Authorization`) to this provider instead of `api_key`: "
            "for a Claude Code on a subscription, or a tool that keeps its own key. The daemon's token is never sent "
            "(see [proxy.md](proxy.md#credentials))."
        ),
    ] = False
    responses: Annotated[
        bool | None,
        _doc(
            "Whether the server serves OpenAI's Responses API at `base_url` + `/responses`: `/v1/responses` requests "
            'pass through to it; otherwise they are translated to its chat completions. Only for `kind = "openai"`.',
            "on for the `openai` preset, off elsewhere",
        ),
    ] = None


class ModelProxyConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One `[models."PATTERN"]` table: how the proxy treats requests for the models PATTERN (a glob) matches."""

    inject: Annotated[
        InjectMode | None,
        _doc(
            "Where the proxy puts the context for these models; wins over the project's and the global `inject`.",
            "the project's or the top-level `inject`",
        ),
    ] = None


class ProjectProxyConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One `[projects.SLUG]` table: how the proxy treats that project."""

    inject: Annotated[
        InjectMode | None, _doc("Where the proxy puts this project's context.", "the top-level `inject`")
    ] = None
    context_budget: Annotated[
        Annotated[int, msgspec.Meta(ge=0)] | None,
        _doc("Token budget of this project's context.", "the top-level `context_budget`"),
    ] = None
    record: Annotated[
        bool | None,
        _doc(
            "Whether the proxy records this project's exchanges as conversations (see "
            "[proxy.md](proxy.md#recording)); `X-Contextstack-Record` wins per request.",
            "the top-level `record`",
        ),
    ] = None


class MemoryConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """The `[memory]` table: how knowledge is searched, store-wide: by words, and by meaning with embeddings."""

    language: Annotated[
        str,
        _doc(
            "The stemmer's language for knowledge search and ranking (Snowball: `english`, `french`, `german`, "
            "`spanish` … 30-odd); an unknown one stops start-up with the list. The index keeps words as written, so "
            "changing it needs no rebuild (see [knowledge.md](knowledge.md#search))."
        ),
    ] = "english"
    embedding_model: Annotated[
        str | None,
        _doc(
            "`provider/model` of an OpenAI-compatible provider's embeddings (`ollama/nomic-embed-text`, "
            "`openai/text-embedding-3-small` …): knowledge and conversation messages are found by meaning as well "
            "as by words. Unset: by words alone (see [knowledge.md](knowledge.md#search-by-meaning))."
        ),
    ] = None
    embedding_time_limit: Annotated[
        float,
        msgspec.Meta(gt=0, le=60),
        _doc(
            "Seconds context assembly waits for a new question's embedding before it goes on with words alone "
            "(the embedding, once it comes, serves the next time the question is asked)."
        ),
    ] = 0.15
    embedding_batch: Annotated[
        int,
        msgspec.Meta(ge=1, le=2048),
        _doc("Entries the embedding worker sends to the provider in one request."),
    ] = 64

    def __post_init__(self) -> None:
        languages = sorted(snowballstemmer.algorithms())
        if self.language not in languages:
            raise ValueError(f"memory.language {self.language!r} is not one the stemmer knows: {', '.join(languages)}")
        if self.embedding_model is not None:
            provider, slash, model = self.embedding_model.partition("/")
            if not (provider and slash and model):
                raise ValueError(f"memory.embedding_model {self.embedding_model!r} is not `provider/model`")


class Settings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Everything the daemon can be told; field names are the config file's keys.

    Each field's description is its row in docs/configuration.md, which is generated from them.
    """

    host: Annotated[str, _doc("Address to bind. A non-loopback address is refused unless `token` is set.")] = (
        "127.0.0.1"
    )
    port: Annotated[Port, _doc("Port to listen on.")] = 8765
    db: Annotated[
        str,
        _doc(
            "The store: a SQLite file, created with its folder on first start; or a PostgreSQL database's URL, "
            "`postgresql://user@host/dbname` (or `postgres://`; TLS as its `sslmode` says; the password from the "
            "URL, `PGPASSWORD` or `~/.pgpass`), one store every daemon given it shares (see "
            "[postgres.md](postgres.md)). Any other `scheme://` stops start-up.",
            "`contextstack.db` in the user data dir",
        ),
    ] = msgspec.field(default_factory=default_db_path)
    token: Annotated[
        str | None,
        _doc("Access token; when set, every request but `/health` needs `Authorization: Bearer <token>`."),
    ] = None
    allowed_hosts: Annotated[
        list[str],
        _doc("Host names accepted in the `Host` header besides the loopback names (DNS-rebinding guard)."),
    ] = []
    allowed_origins: Annotated[
        list[str],
        _doc(
            "Browser origins (`https://app.example`) allowed to call the API and the proxy, with CORS; besides them "
            "only the daemon's own pages may (docs/security.md)."
        ),
    ] = []
    log_level: Annotated[
        Literal["debug", "info", "warning", "error"],
        _doc(
            "`debug`, `info`, `warning` or `error`. At `info`, one line per request: method, path, status, "
            "milliseconds."
        ),
    ] = "info"
    readers: Annotated[
        int,
        msgspec.Meta(ge=1, le=32),
        _doc("Read-only connections in the pool: SQLite's reader threads, or PostgreSQL connections for reads."),
    ] = 4
    default_model: Annotated[str | None, _doc("Model used by the proxy when a request names none it can route.")] = None
    context_budget: Annotated[
        int, msgspec.Meta(ge=0), _doc("Default token budget of the context the proxy injects.")
    ] = 4000
    sse_keepalive: Annotated[
        float,
        msgspec.Meta(gt=0, le=3600),
        _doc("Seconds between keep-alive comments on an idle `/api/events` stream (see [events.md](events.md))."),
    ] = 15.0
    sse_queue_size: Annotated[
        int,
        msgspec.Meta(ge=1, le=1_000_000),
        _doc("Events a live `/api/events` subscriber may fall behind before it is told to reconnect and disconnected."),
    ] = 1000
    max_connections: Annotated[
        int,
        msgspec.Meta(ge=1, le=1_000_000),
        _doc(
            "Connections open at once; a request on one past them is answered 503 with `Retry-After` and the "
            "connection closed (see [operations.md](operations.md#limits))."
        ),
    ] = 1000
    max_streams: Annotated[
        int,
        msgspec.Meta(ge=1, le=1_000_000),
        _doc(
            "Streams open at once, `/api/events` subscribers, proxied streams of every dialect, streamed conversation "
            "turns and MCP's Streamable HTTP streams together; one past them is answered 429 with `Retry-After`, "
            "before anything is stored or goes upstream."
        ),
    ] = 500
    stream_write_timeout: Annotated[
        float,
        msgspec.Meta(gt=0, le=86_400),
        _doc("Seconds a connection's send buffers may stay full (a client that stopped reading) before it is closed."),
    ] = 30.0
    providers: Annotated[
        dict[str, ProviderConfig],
        _doc(
            "`[providers.NAME]` tables: upstream model providers (below, and [proxy.md](proxy.md)).", "built-in presets"
        ),
    ] = {}
    aliases: Annotated[
        dict[str, str | list[str]], _doc("`[aliases]`: short model names, each a model or a list tried in order.")
    ] = {}
    inject: Annotated[
        InjectMode,
        _doc(
            "How the proxy puts a project's context in: `delta` (the whole context with a conversation's first "
            "message, then only what is new, near each new message, so providers' prompt caches keep hitting; see "
            "[proxy.md](proxy.md#injecting-only-what-is-new)), `prepend` (the whole context every turn, a system "
            "message before the client's own), `append` (the same, at the end of the first system message) or `off`."
        ),
    ] = "delta"
    turn_states: Annotated[
        int,
        msgspec.Meta(ge=1, le=10_000_000),
        _doc(
            "Turns of conversations the proxy remembers (in memory) for `delta`: what it put into each and where; "
            "past them the least recently used go, and a conversation whose last turn went is told the whole "
            "context again."
        ),
    ] = 4096
    record: Annotated[
        bool,
        _doc(
            "Whether the proxy records what passes through it as conversations: off unless a project's `record` or "
            "a request's `X-Contextstack-Record: on` says so (see [proxy.md](proxy.md#recording))."
        ),
    ] = False
    record_max_message_bytes: Annotated[
        int,
        msgspec.Meta(ge=1024, le=MAX_BODY_BYTES),
        _doc(
            "Bytes of a recorded message's content kept: a longer one is stored cut, with a note saying so and how "
            "long it was."
        ),
    ] = 256 * 1024
    record_retention_days: Annotated[
        Annotated[int, msgspec.Meta(ge=1, le=36_500)] | None,
        _doc(
            "Days a recorded conversation is kept after its last exchange; older ones are deleted at start-up and "
            "hourly after. Unset: kept until deleted. Conversations made through the API are never purged.",
            "unset",
        ),
    ] = None
    projects: Annotated[
        dict[str, ProjectProxyConfig],
        _doc("`[projects.SLUG]` tables: a project's own proxy settings (below, and [proxy.md](proxy.md))."),
    ] = {}
    models: Annotated[
        dict[str, ModelProxyConfig],
        _doc(
            '`[models."PATTERN"]` tables: `inject` for the models a glob matches, as the request names them '
            "(`claude-*haiku*`) or as `provider/model` (below, and [proxy.md](proxy.md#per-model-injection))."
        ),
    ] = {}
    context_window: Annotated[
        int,
        msgspec.Meta(ge=256),
        _doc(
            "Tokens a model can take, for models no `[context_windows]` entry or provider's `context_window` "
            "describes: a conversation's stored history is trimmed, oldest turns first, to fit (see "
            "[conversations.md](conversations.md))."
        ),
    ] = DEFAULT_CONTEXT_WINDOW
    context_windows: Annotated[
        dict[str, Annotated[int, msgspec.Meta(ge=256)]],
        _doc(
            '`[context_windows]`: the window of individual models, `"provider/model" = tokens`; a '
            "`[providers.NAME]` table's own `context_window` covers all of its models."
        ),
    ] = {}
    checkpoint_keep: Annotated[
        int,
        msgspec.Meta(ge=1, le=10_000),
        _doc(
            "Automatic checkpoints kept per project; older ones go, labelled ones stay until deleted (see "
            "[checkpoints.md](checkpoints.md))."
        ),
    ] = 20
    ai_burst_quiet: Annotated[
        float,
        msgspec.Meta(gt=0, le=86_400),
        _doc(
            "Seconds without a change by an `ai:*` actor that end its burst: the next change takes a new automatic "
            "checkpoint first."
        ),
    ] = 300.0
    memory: Annotated[MemoryConfig, _doc("`[memory]`: how knowledge is searched (below).", "below")] = msgspec.field(
        default_factory=MemoryConfig
    )


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
    "max_connections",
    "max_streams",
    "stream_write_timeout",
    "inject",
    "turn_states",
    "record",
    "record_max_message_bytes",
    "record_retention_days",
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
