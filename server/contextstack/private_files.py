"""Files the daemon and its CLI write with what a person knows (exports, backups, config): their owner's alone."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_FILE = 0o600


def write_private(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path`, readable and writable by its owner only (an existing file is tightened too)."""
    fd = os.open(Path(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
        with os.fdopen(fd, "wb", closefd=False) as out:
            out.write(data)
    finally:
        os.close(fd)
