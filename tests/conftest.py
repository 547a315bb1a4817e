"""Shared fixtures: a temporary store, the real app in-process, and a real daemon process on a free port.

`--backend sqlite` (the default) puts each test's store in a fresh SQLite file; `--backend postgresql` in a fresh
PostgreSQL database (tests/backends.py: `CONTEXTSTACK_TEST_PG`, or a throwaway cluster the session starts), and
deselects the tests marked `sqlite_only` and those that touch no store (they run the same on both). `db_path` and
`Daemon.db` are the store's location either way: a Path to the SQLite file, or the database's URL.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import asyncpg
import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

import contextstack
from contextstack.app import create_app, create_asgi_app, runtime_state
from contextstack.guard import RequestGuard
from contextstack.runtime import Runtime
from contextstack.settings import Settings
from contextstack.storage import Database, open_database
from contextstack.storage.urls import is_postgres, without_password
from tests.backends import REQUIRE_ENV, NoServer, PostgresServer, database_name, server_available
from tests.fakes.server import ThreadedServer
from tests.forking import ForkedDaemon

SERVER_DIR = Path(contextstack.__file__).resolve().parent.parent

Backend = Literal["sqlite", "postgresql"]
BACKEND: Backend = "sqlite"
_server: PostgresServer | None = None
_server_failure: str | None = None
# Each SQLite path a test's store would have had → the PostgreSQL database standing in for it: a daemon started
# twice on one folder finds the store it left.
_stores: dict[Path, str] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="the store the tests run on: a SQLite file (default) or a PostgreSQL database, each test its own "
        "(CONTEXTSTACK_TEST_PG names a server; else a throwaway cluster is started with initdb)",
    )


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """What `-n auto` (the default, in pyproject.toml) means: one worker more than the cores this process may use,
    as a good part of the suite waits on processes it started (a daemon's start-up, a stream's keep-alive)."""
    return len(os.sched_getaffinity(0)) + 1


def pytest_configure(config: pytest.Config) -> None:
    global BACKEND
    BACKEND = config.getoption("--backend")
    if BACKEND == "postgresql":
        missing = server_available()
        if missing is not None:
            raise pytest.UsageError(f"--backend postgresql: {missing}")


# The fixtures that hand a test a store; a test that asks for none of them (nor for a fixture that starts a daemon,
# nor lives in a module that does) runs the same on either backend.
STORE_FIXTURES = frozenset({"db_path", "db", "settings", "client", "daemon", "postgres_url", "backend"})


def touches_a_store(item: pytest.Item) -> bool:
    """Whether `item` reaches a store: through the fixtures above, or by starting a daemon itself."""
    names = set(getattr(item, "fixturenames", ()))
    if names & STORE_FIXTURES:
        return True
    module = getattr(item, "module", None)
    if module is not None and "start_daemon" in vars(module):
        return True
    info = getattr(item, "_fixtureinfo", None)
    for name in names:
        defs = info.name2fixturedefs.get(name) if info is not None else None
        func = defs[-1].func if defs else None
        if func is not None and func.__module__ != __name__ and "start_daemon" in getattr(func, "__globals__", {}):
            return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With --backend postgresql: the tests about SQLite itself (sqlite_only) are left out, and so are the tests
    that touch no store, which the SQLite run has run already exactly as they would run here."""
    if BACKEND != "postgresql":
        return
    kept = [item for item in items if item.get_closest_marker("sqlite_only") is None and touches_a_store(item)]
    if len(kept) != len(items):
        chosen = {id(item) for item in kept}
        config.hook.pytest_deselected(items=[item for item in items if id(item) not in chosen])
        items[:] = kept


def pytest_unconfigure(config: pytest.Config) -> None:
    global _server
    if _server is not None:
        _server.close()
        _server = None


def postgres_server() -> PostgresServer:
    """This process's PostgreSQL server, started on first use; NoServer when none can be had."""
    global _server, _server_failure
    if _server is None:
        if _server_failure is not None:
            raise NoServer(_server_failure)
        missing = server_available()
        if missing is not None:
            raise NoServer(missing)
        try:
            _server = PostgresServer.start()
        except NoServer as exc:
            _server_failure = str(exc)  # not tried again by every test
            raise
    return _server


_template: Path | None = None


def _migrated_template() -> Path:
    """A SQLite store at the newest schema with nothing in it, made once a process (as `Database.open` makes one)."""
    global _template
    if _template is None:
        path = Path(tempfile.mkdtemp(prefix="contextstack-template-")) / "template.db"

        async def make() -> None:
            db = open_database(str(path), readers=1)
            await db.open()
            await db.close()

        # On a thread of its own: the caller may be inside a running event loop (an async test starting a daemon).
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, make()).result()
        assert not path.with_name(path.name + "-wal").exists(), "the template's WAL was not checkpointed on close"
        atexit.register(shutil.rmtree, path.parent, ignore_errors=True)
        _template = path
    return _template


def fresh_store(path: Path) -> Path:
    """`path` made a copy of a migrated, empty store unless it exists: what opening a new file would make of it,
    without running every migration again for each test."""
    if not path.exists():
        shutil.copyfile(_migrated_template(), path)
        path.chmod(0o600)
    return path


def store_for(path: Path) -> Path | str:
    """The store a test would keep in the SQLite file `path`: that path, or with `--backend postgresql` the URL
    of a fresh database at the newest schema (the same one each time for one path)."""
    if BACKEND == "sqlite":
        return path
    if path not in _stores:
        _stores[path] = postgres_server().store()
    return _stores[path]


def _numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's `$1 … $n` (the tests' own statements put no `?` in a literal)."""
    count = 0

    def number(_: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return f"${count}"

    return re.sub(r"\?", number, sql)


def query(store: Path | str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows straight from a store, past the daemon: its SQLite file (a path), or its PostgreSQL database (a URL);
    `?` placeholders on both."""
    if not is_postgres(str(store)):
        with sqlite3.connect(store) as conn:
            return conn.execute(sql, tuple(params)).fetchall()

    async def fetch(url: str) -> list[tuple[Any, ...]]:
        conn = await asyncpg.connect(url)
        try:
            return [tuple(row) for row in await conn.fetch(_numbered(sql), *params)]
        finally:
            await conn.close()

    return postgres_server().run(fetch(str(store)))


def execute(store: Path | str, sql: str, params: Sequence[Any] = ()) -> None:
    """One statement run straight on a store, past the daemon (`?` placeholders), committed."""
    if not is_postgres(str(store)):
        with sqlite3.connect(store) as conn:
            conn.execute(sql, tuple(params))
        return

    async def run(url: str) -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(_numbered(sql), *params)
        finally:
            await conn.close()

    postgres_server().run(run(str(store)))


def table_names(store: Path | str) -> list[str]:
    """The store's tables, sorted by name (SQLite's FTS5 shadow tables included on SQLite)."""
    if not is_postgres(str(store)):
        rows = query(store, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    else:
        rows = query(store, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    return [row[0] for row in rows]


@pytest.fixture(autouse=True)
def _drop_test_databases() -> Iterator[None]:
    """With --backend postgresql, drop the databases made for a test once it is done (daemons stopped)."""
    if BACKEND == "sqlite":
        yield
        return
    before = set(_stores)
    yield
    made = [path for path in _stores if path not in before]
    if made and _server is not None:
        _server.drop([database_name(_stores.pop(path)) for path in made])


@pytest.fixture
def backend() -> Backend:
    """The backend the tests run on: `sqlite` or `postgresql` (`--backend`)."""
    return BACKEND


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """The URL of an empty PostgreSQL database, on either backend: for tests about PostgreSQL itself (its schema).

    Without a server the test is skipped, except in CI (CI_REQUIRE_POSTGRES=1), where it fails.
    """
    try:
        server = postgres_server()
        url = server.empty_database()
    except NoServer as exc:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1, and {exc}")
        pytest.skip(str(exc))
    yield url
    server.drop([database_name(url)])


@pytest.fixture
def db_path(tmp_path: Path) -> Path | str:
    """The test's store: a SQLite file's Path, or (--backend postgresql) a fresh database's URL."""
    return store_for(tmp_path / "contextstack.db")


@pytest.fixture
def settings(db_path: Path | str) -> Settings:
    return Settings(db=str(db_path), readers=2)


@pytest.fixture
async def db(db_path: Path | str) -> AsyncIterator[Database]:
    """An open store on a fresh SQLite file, or a fresh PostgreSQL database."""
    store = open_database(str(db_path if is_postgres(str(db_path)) else fresh_store(Path(db_path))), readers=2)
    await store.open()
    yield store
    await store.close()


# Apps of this process not serving at the moment. An app's routes are the same for every store (building them is
# most of what making an app costs), and all it serves from is its state: a test's app is one of these, given a
# runtime over the test's settings (what create_app does on a new one), or else a new one.
_idle_apps: list[Litestar] = []


@contextmanager
def app_for(settings: Settings) -> Iterator[RequestGuard]:
    """The app as the daemon serves it over `settings` (guard included), its store made fresh if it is a new SQLite
    file. It goes back to the idle apps when the block ends, unless the block failed (it may still be serving)."""
    store = Path(settings.db)
    if not is_postgres(settings.db) and settings.db != ":memory:" and store.parent.is_dir():
        fresh_store(store)
    app = _idle_apps.pop() if _idle_apps else create_app(settings)
    app.state = runtime_state(Runtime(settings))
    yield create_asgi_app(settings, app)
    _idle_apps.append(app)


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """The app over `settings` served over real HTTP by uvicorn in a thread of this process; its base URL."""
    with app_for(settings) as app:
        server = ThreadedServer(app, lifespan="on").start()
        try:
            yield server.url
        finally:
            server.stop()
        if server.running:
            raise RuntimeError("the app's server did not stop")


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[object]]:
    """The real app, in-process, as the daemon serves it (guard included), over a fresh store."""
    with app_for(settings) as app:
        async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8765") as test_client:
            yield test_client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Daemon:
    """A `contextstack serve` process started for a test."""

    url: str
    db: Path | str  # the SQLite file, or the PostgreSQL database's URL
    process: subprocess.Popen[bytes] | ForkedDaemon
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


# Set, every daemon is started as `python -m contextstack serve` rather than forked (tests/forking.py).
EXEC_ENV = "CONTEXTSTACK_TEST_EXEC"

# How long a daemon may take to answer: a guard against a hang (on a loaded machine startup takes a while).
STARTUP_PATIENCE = 60


def start_daemon(
    tmp_path: Path,
    *,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    db: Path | str | None = None,
) -> Daemon:
    """A daemon on a free port over `db`, by default the store of `tmp_path` (the same one each time for a folder:
    `tmp_path/daemon.db`, or its PostgreSQL database); give two daemons one `db` to have them share a store."""
    port = free_port()
    if db is None:
        db = store_for(tmp_path / "daemon.db")
        if not is_postgres(str(db)):
            fresh_store(Path(db))
    log = tmp_path / f"daemon-{port}.log"
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CONTEXTSTACK_")},
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SERVER_DIR), os.environ.get("PYTHONPATH")])),
        "CONTEXTSTACK_CONFIG": str(tmp_path / "no-config.toml"),
        **(env or {}),
    }
    if not Path(environment["CONTEXTSTACK_CONFIG"]).exists():
        Path(environment["CONTEXTSTACK_CONFIG"]).write_text("")
    argv = ["serve", "--port", str(port), "--db", str(db), *args]
    process: subprocess.Popen[bytes] | ForkedDaemon
    if any(name.startswith("PYTHON") for name in env or {}) or os.environ.get(EXEC_ENV):
        # The interpreter's own settings (another tree's code on PYTHONPATH, for one) need an interpreter of its own.
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "contextstack", *argv], env=environment, stdout=out, stderr=subprocess.STDOUT
            )
    else:
        log.write_bytes(b"")
        process = ForkedDaemon(argv, environment, str(log))
    daemon = Daemon(url=f"http://127.0.0.1:{port}", db=db, process=process, log=log)
    token = environment.get("CONTEXTSTACK_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    deadline = time.monotonic() + STARTUP_PATIENCE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if "address already in use" in daemon.output().lower():
                # The port was free when picked, but another test's daemon took it first: pick another.
                return start_daemon(tmp_path, env=env, args=args, db=db)
            raise RuntimeError(f"daemon exited with {process.returncode}:\n{daemon.output()}")
        try:
            # Whoever holds the port answers /health: it is this daemon when it names this daemon's store.
            response = httpx.get(daemon.url + "/health", headers=headers, timeout=1)
            if response.status_code == 200 and _serves(response.json(), db):
                return daemon
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    stop_daemon(daemon)
    raise RuntimeError(f"daemon did not answer within {STARTUP_PATIENCE} s:\n{daemon.output()}")


def _serves(health: dict[str, Any], db: Path | str) -> bool:
    """Whether a daemon's /health answer names `db` as its store."""
    location = health.get("database")
    if not isinstance(location, str):
        return False
    if is_postgres(str(db)):
        return location == without_password(str(db))
    return Path(location).resolve() == Path(db).resolve()


def stop_daemon(daemon: Daemon) -> int:
    if daemon.process.poll() is None:
        daemon.process.terminate()
        try:
            daemon.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            daemon.process.kill()
            daemon.process.wait()
    return daemon.process.returncode


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    """A real daemon process on a free port over a fresh store; stopped (SIGTERM) afterwards."""
    running = start_daemon(tmp_path)
    yield running
    stop_daemon(running)
