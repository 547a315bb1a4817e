"""openapi/openapi.json is what the app documents now, and client/ is what the generator makes of it."""

from __future__ import annotations

import difflib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from contextstack.cli import openapi_document

ROOT = Path(__file__).resolve().parent.parent


def _regenerate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("regenerate", ROOT / "openapi" / "regenerate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


regenerate = _regenerate()
STALE = f"run `{regenerate.COMMAND}` and commit openapi/openapi.json and client/"


def _files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_openapi_document_is_what_the_app_documents() -> None:
    committed, current = regenerate.DOCUMENT.read_text(), openapi_document().decode()
    if current == committed:
        return
    # A plain `assert current == committed` would have pytest diff two long strings character by character.
    diff = difflib.unified_diff(committed.splitlines(), current.splitlines(), "openapi.json", "the app", lineterm="")
    pytest.fail(
        f"openapi/openapi.json differs from the app's API: {STALE}\n"
        + "\n".join(line[:200] for line in list(diff)[:60])
    )


def test_openapi_document_is_the_same_in_every_process() -> None:
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "server")}
    elsewhere = subprocess.run(
        [sys.executable, "-m", "contextstack", "openapi"], env=environment, capture_output=True, check=True, timeout=120
    ).stdout
    same = elsewhere == openapi_document()
    assert same, (
        "the document differs from one run to the next: a ResponseSpec without generate_examples=False "
        "makes up random examples"
    )


def test_client_is_what_the_generator_makes_of_the_document(tmp_path: Path) -> None:
    fresh = tmp_path / "client"
    regenerate.generate_client(regenerate.DOCUMENT, fresh)
    expected, committed = _files(fresh), _files(regenerate.CLIENT)
    differing = sorted(name for name in expected.keys() | committed.keys() if expected.get(name) != committed.get(name))
    assert not differing, f"client/ differs from what openapi-python-client makes of openapi.json: {differing}; {STALE}"


def test_the_endpoints_page_lists_every_operation_of_the_document() -> None:
    page = regenerate.ENDPOINTS.read_text()
    assert page == regenerate.endpoints_page(), f"docs/endpoints.md is stale: {STALE}"
