"""The `.contextstack` file: the project a directory tree works on, written by `contextstack use`."""

from __future__ import annotations

import tomllib
from pathlib import Path

FILE_NAME = ".contextstack"


def repository_root(start: Path) -> Path:
    """The nearest directory holding `.git` (a repository's root or a worktree's), else `start` itself."""
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def find_file(start: Path) -> Path | None:
    """The nearest `.contextstack` from `start` upwards."""
    for directory in (start, *start.parents):
        candidate = directory / FILE_NAME
        if candidate.is_file():
            return candidate
    return None


def read_project(path: Path) -> str:
    """The project slug a `.contextstack` file names; ValueError saying how to mend a file that names none."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read {path} ({exc}); run `contextstack use SLUG` to rewrite it") from None
    project = data.get("project")
    if not isinstance(project, str) or not project:
        raise ValueError(f"{path} names no project; run `contextstack use SLUG` to rewrite it")
    return project


def write_project(directory: Path, slug: str) -> Path:
    path = directory / FILE_NAME
    path.write_text(
        "# The Contextstack project this directory tree works on; `contextstack use SLUG` changes it.\n"
        f'project = "{slug}"\n',
        encoding="utf-8",
    )
    return path
