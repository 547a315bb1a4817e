"""Regenerate openapi/openapi.json from the app, then client/ from it: `python openapi/regenerate.py`.

Run it with the Python of an environment that has the `test` extra (openapi-python-client and ruff): the
generator formats its output with the ruff installed next to that Python, so every machine makes the same files.
The drift tests (tests/test_openapi_drift.py) use the same two functions.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "openapi" / "openapi.json"
CONFIG = ROOT / "openapi" / "config.yaml"
CLIENT = ROOT / "client"
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


def main() -> int:
    write_document()
    try:
        generate_client()
    except GenerationFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"wrote {DOCUMENT.relative_to(ROOT)} and {CLIENT.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
