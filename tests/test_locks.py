"""The locks README's commands install from cover every dependency pyproject.toml names, each pinned with hashes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
OUR_OWN = {"contextstack", "contextstack-client"}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pins(lock: str) -> dict[str, str]:
    """Each pinned package of a lock, with the text of its entry (up to the next pin)."""
    entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "requirements" / lock).read_text())
    pins = {}
    for entry in entries:
        if match := re.match(r"([A-Za-z0-9_.-]+)==\S+", entry):
            pins[match.group(1).lower().replace("_", "-")] = entry
    return pins


def _wanted(*extras: str) -> set[str]:
    names = {_name(item) for item in PROJECT["dependencies"]}
    for extra in extras:
        names |= {_name(item) for item in PROJECT["optional-dependencies"][extra]}
    return names - OUR_OWN


@pytest.mark.parametrize(("lock", "extras"), [("daemon.lock", ()), ("test.lock", ("test", "dev"))])
def test_every_dependency_is_pinned_with_hashes(lock: str, extras: tuple[str, ...]) -> None:
    pins = _pins(lock)
    missing = sorted(_wanted(*extras) - set(pins))
    assert not missing, f"requirements/{lock} lacks {missing}: run `bash requirements/lock.sh` and commit the lock"
    unhashed = sorted(name for name, entry in pins.items() if "--hash=sha256:" not in entry)
    assert not unhashed, f"pinned without a hash in requirements/{lock}: {unhashed}"


def test_our_own_projects_are_not_in_the_locks() -> None:
    for lock in ("daemon.lock", "test.lock"):
        assert not OUR_OWN & set(_pins(lock)), "the locks pin third-party packages only"
