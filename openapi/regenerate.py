"""Regenerate openapi/openapi.json from the app, then client/ and docs/endpoints.md from it:
`python openapi/regenerate.py`.

Run it with the Python of an environment that has the `test` extra (openapi-python-client and ruff): the
generator formats its output with the ruff installed next to that Python, so every machine makes the same files.
The drift tests (tests/test_openapi_drift.py) use the same two functions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "openapi" / "openapi.json"
CONFIG = ROOT / "openapi" / "config.yaml"
CLIENT = ROOT / "client"
ENDPOINTS = ROOT / "docs" / "endpoints.md"
COMMAND = "python openapi/regenerate.py"


class GenerationFailed(Exception):
    """The generator failed or warned: a warning means a part of the API would be missing from the client."""


def write_document(path: Path = DOCUMENT) -> None:
    """Write the app's OpenAPI document with `contextstack openapi`, from this checkout's server/."""
    pythonpath = [str(ROOT / "server"), os.environ.get("PYTHONPATH", "")]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, pythonpath))}
    subprocess.run(
        [sys.executable, "-m", "contextstack", "openapi", "-o", str(path)], env=environment, check=True, cwd=ROOT
    )


def generate_client(document: Path = DOCUMENT, output: Path = CLIENT) -> None:
    """Generate the client package from `document` into `output`, replacing what is there."""
    scripts = sysconfig.get_path("scripts")
    environment = {**os.environ, "PATH": os.pathsep.join([scripts, os.environ.get("PATH", "")])}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(document),
            "--config",
            str(CONFIG),
            "--output-path",
            str(output),
            "--overwrite",
            "--fail-on-warning",
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        report = (result.stdout + result.stderr).strip()
        raise GenerationFailed(f"openapi-python-client failed or warned (exit {result.returncode}):\n{report}")


def endpoints_page(document: Path = DOCUMENT) -> str:
    """docs/endpoints.md: every operation of the API document, by tag, with its summary."""
    spec = json.loads(document.read_text())
    by_tag: dict[str, list[tuple[str, str, str]]] = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                tag = (operation.get("tags") or ["other"])[0]
                by_tag.setdefault(tag, []).append((method.upper(), path, operation.get("summary", "")))
    lines = [
        "# Endpoints",
        "",
        "Every operation of the REST API, from [openapi/openapi.json](../openapi/openapi.json) (written by",
        f"`{COMMAND}`; a test fails when this page and the document differ). The proxy's `/v1` paths are in",
        "[proxy.md](proxy.md).",
    ]
    for tag in sorted(by_tag):
        lines += ["", f"## {tag}", "", "| method | path | what it does |", "| --- | --- | --- |"]
        lines += [f"| {method} | `{path}` | {summary} |" for method, path, summary in by_tag[tag]]
    return "\n".join(lines) + "\n"


def main() -> int:
    write_document()
    ENDPOINTS.write_text(endpoints_page())
    try:
        generate_client()
    except GenerationFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"wrote {DOCUMENT.relative_to(ROOT)}, {ENDPOINTS.relative_to(ROOT)} and {CLIENT.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
