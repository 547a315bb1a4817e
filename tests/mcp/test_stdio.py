"""`contextstack mcp` over stdio: bridged to the daemon, which it starts when none answers; one daemon a store."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import mcp_types
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from contextstack.storage.lock import lock_path
from tests.conftest import SERVER_DIR, Daemon, free_port
from tests.mcp.test_http import AGENT, INITIALIZE, answer_of

pytestmark = pytest.mark.e2e


@dataclass
class Setup:
    """A config file naming a port and a store no daemon serves yet."""

    config: Path
    db: Path
    url: str
    env: dict[str, str]

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "contextstack", "mcp", "--config", str(self.config), *args]

    def daemon_pid(self) -> int:
        path = lock_path(str(self.db))
        assert path is not None
        return int(path.read_text())


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    port = free_port()
    db = tmp_path / "data" / "contextstack.db"
    config = tmp_path / "config.toml"
    config.write_text(f'port = {port}\ndb = "{db}"\n')
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CONTEXTSTACK_")},
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SERVER_DIR), os.environ.get("PYTHONPATH")])),
    }
    ready = Setup(config=config, db=db, url=f"http://127.0.0.1:{port}", env=env)
    yield ready
    path = lock_path(str(db))
    if path is not None and path.exists() and path.read_text().strip():
        with contextlib.suppress(ProcessLookupError):
            os.kill(ready.daemon_pid(), signal.SIGTERM)


async def test_contextstack_mcp_starts_a_daemon_and_bridges_to_it(setup: Setup) -> None:
    server = StdioServerParameters(command=sys.executable, args=setup.command("--project", "shop")[1:], env=setup.env)
    async with Client(server, client_info=AGENT, cache=None) as client:
        async with httpx.AsyncClient(base_url=setup.url) as api:
            assert (await api.get("/health")).status_code == 200  # the daemon it started
            assert (await api.post("/api/projects", json={"name": "Shop"})).status_code == 201
        track = answer_of(await client.call_tool("create_track", {"name": "Bridged"}))
        listed = {str(resource.uri) for resource in (await client.list_resources()).resources}
        plan = (await client.read_resource("contextstack://projects/shop/plan")).contents[0]
    assert "contextstack://projects/shop/status" in listed
    assert isinstance(plan, mcp_types.TextResourceContents)
    assert [track["name"] for track in json.loads(plan.text)["tracks"]] == ["Bridged"]
    async with httpx.AsyncClient(base_url=setup.url) as api:
        activity = (await api.get("/api/projects/shop/activity")).json()["items"]
    assert [(event["type"], event["actor"]) for event in activity if event["entity_id"] == track["id"]] == [
        ("track.created", "ai:Test-Agent")
    ]


def test_two_clients_starting_at_once_end_with_one_daemon_and_stdout_carries_only_protocol(setup: Setup) -> None:
    bridges = [
        subprocess.Popen(
            setup.command(), env=setup.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    try:
        for bridge in bridges:
            assert bridge.stdin is not None
            bridge.stdin.write(json.dumps(INITIALIZE).encode() + b"\n")
            bridge.stdin.flush()
        for bridge in bridges:
            assert bridge.stdout is not None
            reply = json.loads(bridge.stdout.readline())
            assert reply["id"] == 1
            assert reply["result"]["serverInfo"]["name"] == "contextstack"
    finally:
        for bridge in bridges:
            assert bridge.stdin is not None
            bridge.stdin.close()
    try:
        leftovers = []
        for bridge in bridges:
            assert bridge.stdout is not None
            leftovers.append(bridge.stdout.read())
            assert bridge.wait(timeout=30) == 0  # the client closed stdin: the bridge ends
    finally:
        for bridge in bridges:
            if bridge.poll() is None:
                bridge.kill()
                bridge.wait()
    assert leftovers == [b"", b""]  # nothing but the protocol's own lines, ever
    log = (setup.db.parent / "contextstack-daemon.log").read_text()
    assert log.count("Application startup complete") == 1, log


@pytest.mark.sqlite_only  # SQLite's store lock: a PostgreSQL database is shared
def test_a_second_daemon_on_a_store_in_use_says_so_and_exits_1(daemon: Daemon, tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CONTEXTSTACK_")},
        "PYTHONPATH": str(SERVER_DIR),
        "CONTEXTSTACK_CONFIG": str(tmp_path / "no-config.toml"),
    }
    second = subprocess.run(
        [sys.executable, "-m", "contextstack", "serve", "--port", str(free_port()), "--db", str(daemon.db)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert f"the store {daemon.db} is in use by another daemon (pid {daemon.process.pid})" in second.stderr
    assert httpx.get(daemon.url + "/health").status_code == 200
