"""The test harness itself: a test that needs PostgreSQL skips without a server on a developer's machine, fails in CI
(CI_REQUIRE_POSTGRES=1), and fails too with --backend postgresql; it never passes by not running."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
# A test that asks for `postgres_url`, and one that asks for a store.
NEEDS_POSTGRES = "tests/storage/test_postgres_schema.py::test_postgres_triggers_keep_the_derived_tables"
NEEDS_A_STORE = "tests/test_daemon.py::test_daemon_answers_health_with_version_and_store"


def _pytest(*args: str, require: bool) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("CI_REQUIRE_POSTGRES", "PYTEST_XDIST_WORKER")}
    # A server no one answers at: as good as none.
    environment["CONTEXTSTACK_TEST_PG"] = f"postgresql://nobody@127.0.0.1:{free_port()}/postgres"
    if require:
        environment["CI_REQUIRE_POSTGRES"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "-q", "-rs", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.parametrize("require", [False, True])
def test_a_postgres_test_without_a_server_skips_but_fails_in_ci(require: bool) -> None:
    result = _pytest(NEEDS_POSTGRES, require=require)
    if require:
        assert result.returncode == 1, result.stdout + result.stderr
        assert "1 error" in result.stdout or "1 failed" in result.stdout, result.stdout
        assert "CI_REQUIRE_POSTGRES=1" in result.stdout
    else:
        assert result.returncode == 0, result.stdout + result.stderr
        assert "1 skipped" in result.stdout, result.stdout
    assert "cannot connect to the PostgreSQL server" in result.stdout


def test_the_postgresql_backend_without_a_server_fails_every_test_it_runs() -> None:
    result = _pytest("--backend", "postgresql", NEEDS_A_STORE, require=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "skipped" not in result.stdout
    assert "cannot connect to the PostgreSQL server" in result.stdout
