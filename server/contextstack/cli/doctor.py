"""`contextstack doctor`: the config, the daemon and its store, and each provider in use; what to fix, one line each."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import msgspec

from contextstack.cli.output import Output
from contextstack.errors import ContextstackError
from contextstack.remote import DEFAULT_URL, RemoteError, answer, connect, daemon_url
from contextstack.settings import config_file_path, load_settings
from contextstack_client.api.providers import list_providers
from contextstack_client.api.system import get_health
from contextstack_client.models import ProviderInfo

PROBE_TIMEOUT = httpx.Timeout(2.0)


@dataclass(frozen=True)
class Check:
    """One finding: `fix` says what to do when something is wrong, else it is fine as it is."""

    subject: str
    finding: str
    fix: str = ""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    doctor = commands.add_parser(
        "doctor",
        parents=[common],
        help="check the daemon, the store, the config and the providers",
        description="Check the config file, the daemon and its store, and each provider in use; say what to fix.",
    )
    doctor.add_argument("--config", help="the config file to check (default: as `serve` finds it)")
    doctor.set_defaults(local=doctor_command)


def doctor_command(args: argparse.Namespace) -> int:
    checks = [command_check(), config_check(args.config), *daemon_checks(daemon_url(args.url))]
    out = Output(as_json=args.json)
    if out.as_json:
        out.json(
            msgspec.json.encode([{"subject": c.subject, "finding": c.finding, "fix": c.fix or None} for c in checks])
        )
    else:
        out.table(
            ["", "what", "finding"],
            [["fix" if check.fix else "ok", check.subject, check.fix or check.finding] for check in checks],
            styles=["red" if check.fix else "green" for check in checks],
        )
    return 1 if any(check.fix for check in checks) else 0


def command_check(search: str | None = None) -> Check:
    """Whether a new shell finds this installation's `contextstack` on its PATH (`search`: a PATH of its own)."""
    ours = Path(sys.executable).parent / "contextstack"
    found = shutil.which("contextstack", path=search)
    link = f"ln -sf {ours} ~/.local/bin/contextstack"
    if found is None:
        return Check("command", "not on PATH", f"`contextstack` is not on your PATH: {link}, with ~/.local/bin on PATH")
    if ours.exists() and Path(found).resolve() != ours.resolve():
        return Check("command", found, f"{found} is another installation than this one ({ours}): {link}")
    return Check("command", found)


def config_check(explicit: str | None) -> Check:
    path = config_file_path(explicit, os.environ)
    if path is None:
        return Check("config", "none: the defaults apply (`contextstack init` writes one)")
    if not path.is_file():
        return Check("config", f"{path} is missing", f"{path} does not exist; run `contextstack init`")
    try:
        load_settings(path)
    except ContextstackError as exc:
        return Check("config", str(path), exc.detail)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        return Check("config", str(path), f"{path} is readable by others (mode {mode:o}); chmod 600 {path}")
    return Check("config", str(path))


_STORE_KINDS = {"sqlite": "SQLite, schema", "postgresql": "PostgreSQL, schema"}


def daemon_checks(url: str) -> list[Check]:
    try:
        with connect(url) as daemon:
            health = get_health.sync_detailed(client=daemon).parsed
            providers = answer(list_providers.sync_detailed(client=daemon)).items
    except (httpx.UnsupportedProtocol, httpx.InvalidURL):
        return [Check("daemon", url, f"{url} is not a daemon address; give one like {DEFAULT_URL}")]
    except httpx.TransportError:
        return [Check("daemon", url, f"no daemon answers at {url}; start one with `contextstack serve`")]
    except RemoteError as exc:
        return [Check("daemon", url, str(exc))]
    if health is None:
        return [Check("daemon", url, f"{url} does not answer /health like a Contextstack daemon; check --url")]
    checks = [
        Check("daemon", f"{url}: contextstack {health.version}, {health.status}"),
        Check("store", f"{health.database} ({_STORE_KINDS.get(str(health.store), 'schema')} {health.schema_version})"),
    ]
    in_use = [provider for provider in providers if _in_use(provider)]
    with ThreadPoolExecutor(max_workers=max(1, len(in_use))) as pool:
        checks.extend(pool.map(provider_check, in_use))
    unused = [provider.name for provider in providers if not _in_use(provider)]
    if unused:
        checks.append(Check("providers", "not set up (no key, not configured): " + ", ".join(unused)))
    return checks


def _in_use(provider: ProviderInfo) -> bool:
    """Configured by hand, or with its key set, or a local server that needs none."""
    return not provider.builtin or provider.key_set or not provider.needs_key


def provider_check(provider: ProviderInfo) -> Check:
    subject = f"provider {provider.name}"
    if provider.needs_key and not provider.key_set:
        variable = provider.key_env if isinstance(provider.key_env, str) else "its api_key"
        return Check(subject, "no key", f"set {variable} where the daemon runs")
    try:
        response = httpx.get(provider.base_url.rstrip("/") + "/models", timeout=PROBE_TIMEOUT)
    except httpx.HTTPError:
        if provider.builtin and not provider.needs_key:
            return Check(subject, f"not running at {provider.base_url} (start it to use it)")
        return Check(subject, "unreachable", f"nothing answers at {provider.base_url}; check base_url")
    if response.status_code >= 500:
        return Check(subject, "failing", f"{provider.base_url} answers HTTP {response.status_code}")
    listed = _listed_models(response)
    if listed is None:
        return Check(subject, f"{provider.base_url} answers (HTTP {response.status_code}; the daemon holds the key)")
    if not listed:
        return Check(subject, "no models", f"{provider.base_url} lists no models; pull or load one")
    return Check(subject, f"{provider.base_url}: {len(listed)} models listed")


def _listed_models(response: httpx.Response) -> list[object] | None:
    """The `data` of an OpenAI-style model list, or None when the answer is not one (a refusal without a key)."""
    if response.status_code != 200:
        return None
    try:
        data = response.json().get("data")
    except (ValueError, AttributeError):
        return None
    return data if isinstance(data, list) else None
