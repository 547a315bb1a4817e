"""The PostgreSQL server the tests use with `--backend postgresql` (and the `postgres_url` fixture on SQLite).

The server is `CONTEXTSTACK_TEST_PG` (a server URL whose user may create databases, e.g.
`postgresql://postgres@/postgres?host=/tmp/pg&port=5432`) or else a throwaway cluster this process starts itself:
initdb and pg_ctl from Debian's `postgresql` package (or whatever `pg_config --bindir` names) under a folder in
/tmp, reached on a unix socket only, durability off (nothing in it outlives the session), stopped and deleted at the
end. Each pytest process (each xdist worker) has its own; as root, the cluster runs as the `postgres` account,
since PostgreSQL refuses to run as root.

Every test that asks for a store gets a fresh database, `CREATE DATABASE … TEMPLATE` of one the session migrated
once with the real `PostgresDatabase.open()`, and the database is dropped after the test.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

SERVER_ENV = "CONTEXTSTACK_TEST_PG"
# In CI a test that needs PostgreSQL fails, never skips, when there is no server.
REQUIRE_ENV = "CI_REQUIRE_POSTGRES"
# How long the admin connection's statements (CREATE DATABASE of the template) may take on a crowded machine.
ADMIN_TIMEOUT = 120
STARTUP_TIMEOUT = 90

T = TypeVar("T")


class NoServer(Exception):
    """No PostgreSQL server can be had: the message says what was looked for and how to give one."""


def postgres_bindir() -> Path | None:
    """The folder of initdb and pg_ctl: the newest of Debian's /usr/lib/postgresql/*/bin, else pg_config's, else PATH's."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if found:

        def version(path: str) -> tuple[int, ...]:
            return tuple(int(part) for part in re.findall(r"\d+", Path(path).parent.parent.name))

        return Path(max(found, key=version)).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
        except subprocess.CalledProcessError:
            bindir = ""
        if bindir and (Path(bindir) / "initdb").exists():
            return Path(bindir)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def server_available() -> str | None:
    """None when a server can be had (CONTEXTSTACK_TEST_PG, or initdb to start one), else why not."""
    if os.environ.get(SERVER_ENV):
        return None
    if postgres_bindir() is None:
        return (
            f"no PostgreSQL server: set {SERVER_ENV} to a server URL, or install PostgreSQL "
            "(`apt-get install postgresql`) so the tests can start a throwaway one with initdb"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return (
                "no PostgreSQL server: initdb cannot run as root and there is no `postgres` account to run it as; "
                f"set {SERVER_ENV} to a server URL"
            )
    return None


def database_url(server: str, name: str) -> str:
    """`server`'s URL with its database replaced by `name` (host, port, user and query kept)."""
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def database_name(url: str) -> str:
    """The database a URL names."""
    return urlsplit(url).path.lstrip("/")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Cluster:
    """A throwaway PostgreSQL cluster: initdb in a fresh folder, listening on a unix socket in that folder only."""

    def __init__(self) -> None:
        bindir = postgres_bindir()
        if bindir is None:
            raise NoServer(server_available() or "no initdb")
        self.bindir = bindir
        self.user: str | None = "postgres" if os.geteuid() == 0 else None
        self.folder = Path(tempfile.mkdtemp(prefix="contextstack-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = _free_port()
        self.running = False
        if self.user is not None:
            account = pwd.getpwnam(self.user)
            os.chown(self.folder, account.pw_uid, account.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@/postgres?host={self.folder}&port={self.port}"

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            [str(self.bindir / command[0]), *command[1:]],
            capture_output=True,
            text=True,
            user=self.user,
            cwd=self.folder,
            timeout=STARTUP_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise NoServer(f"{' '.join(command[:1])} failed ({done.returncode}):\n{done.stdout}{done.stderr}{log}")

    def start(self) -> None:
        # The C locale compares text byte by byte, as SQLite does: ORDER BY answers in the same order on both.
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "-N")
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=300 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.running = False
            with contextlib.suppress(NoServer, subprocess.TimeoutExpired):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


class PostgresServer:
    """A server the tests make databases on, through one admin connection on a thread of its own.

    The thread's event loop lets sync fixtures and plain functions (start_daemon) make and drop databases while a
    test's own loop runs, or with none running.
    """

    def __init__(self, url: str, cluster: Cluster | None = None) -> None:
        self.url = url
        self.cluster = cluster
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="postgres-admin", daemon=True)
        self.thread.start()
        self.admin: asyncpg.Connection[Any] | None = None
        self.prefix = f"cs_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
        self.template: str | None = None
        self.created: list[str] = []
        self._count = 0

    @classmethod
    def start(cls) -> PostgresServer:
        given = os.environ.get(SERVER_ENV)
        if given:
            server = cls(given)
        else:
            cluster = Cluster()
            try:
                cluster.start()
            except BaseException:
                cluster.stop()
                raise
            server = cls(cluster.url, cluster)
        try:
            server.admin = server.run(asyncpg.connect(server.url, timeout=60))
        except BaseException as exc:
            server.close()
            raise NoServer(f"cannot connect to the PostgreSQL server {server.url}: {exc}") from exc
        atexit.register(server.close)
        return server

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(ADMIN_TIMEOUT)

    def _execute(self, sql: str) -> None:
        assert self.admin is not None
        self.run(self.admin.execute(sql, timeout=ADMIN_TIMEOUT))

    def _name(self, kind: str) -> str:
        self._count += 1
        return f"{self.prefix}_{kind}{self._count}"

    def url_of(self, name: str) -> str:
        return database_url(self.url, name)

    def tcp_url(self, url: str) -> str | None:
        """`url` (a database on this server) reached over TCP on loopback rather than a unix socket; None when the
        server is known by a socket alone (a given CONTEXTSTACK_TEST_PG on a socket)."""
        parts = urlsplit(url)
        if self.cluster is not None:
            return f"postgresql://postgres@127.0.0.1:{self.cluster.port}{parts.path}"
        return url if parts.hostname and "host=" not in parts.query else None

    def empty_database(self) -> str:
        """The URL of a new database with nothing in it (dropped at the end of the test, or of the session)."""
        name = self._name("empty")
        self._execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'")
        self.created.append(name)
        return self.url_of(name)

    def store(self) -> str:
        """The URL of a new database at the newest schema: a copy of the session's migrated template."""
        if self.template is None:
            self.template = self._migrated_template()
        name = self._name("t")
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        return self.url_of(name)

    def _migrated_template(self) -> str:
        from contextstack.storage import open_database

        name = f"{self.prefix}_template"
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C'")

        async def migrate() -> None:
            db = open_database(self.url_of(name), readers=1)
            await db.open()
            await db.close()

        try:
            self.run(migrate())
        except BaseException:
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            raise
        return name

    def drop(self, names: list[str]) -> None:
        for name in names:
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if name in self.created:
                self.created.remove(name)

    def close(self) -> None:
        """Drop what this session made, close the admin connection, stop the cluster if it is ours."""
        if not self.thread.is_alive():
            return
        try:
            if self.admin is not None and self.cluster is None:
                # On a server of its own the cluster goes whole; on a given one, this session's databases go.
                self.drop([*self.created, *([self.template] if self.template else [])])
            if self.admin is not None:
                self.run(self.admin.close(timeout=10))
        except Exception:
            pass
        finally:
            self.admin = None
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            if self.cluster is not None:
                self.cluster.stop()
