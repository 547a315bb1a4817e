"""`contextstack serve` in a process forked from one that has imported the daemon already.

A daemon's start-up is mostly importing the daemon (its framework, the providers' HTTP client, the MCP SDK), and
the tests start hundreds of daemons. Each test process keeps a fork server (multiprocessing's `forkserver`: a
process of its own, single-threaded, which imports the daemon's modules once) and each daemon is a fork of it: a
process of its own, with its own environment, output and pid, running the same `contextstack serve` as the
command line does, from its argument list on. Only the interpreter's start and the imports are shared.

This module is what the fork server imports to run a daemon: it imports nothing of the tests.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from multiprocessing.context import ForkServerContext
from typing import Any

# What a daemon imports before it answers: imported once by the fork server, so that its forks need not.
PRELOAD = ["tests.forking", "contextstack.cli", "contextstack.cli.serve", "contextstack.app"]

_context: ForkServerContext | None = None


def _forkserver() -> ForkServerContext:
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    return _context


def _run(argv: list[str], environment: dict[str, str], log: str) -> None:
    """In the fork: output to `log`, the environment `environment`, then the command line's main."""
    out = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    os.environ.clear()
    os.environ.update(environment)
    from contextstack.cli import main

    code = main(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(code)


class ForkedDaemon:
    """A forked daemon process, with the part of `subprocess.Popen`'s interface the tests use."""

    def __init__(self, argv: Sequence[str], environment: dict[str, str], log: str) -> None:
        self._process: Any = _forkserver().Process(target=_run, args=(list(argv), environment, log), daemon=False)
        self._process.start()
        self.args = list(argv)

    @property
    def pid(self) -> int:
        pid: int = self._process.pid
        return pid

    @property
    def returncode(self) -> int | None:
        code: int | None = self._process.exitcode
        return code

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)
