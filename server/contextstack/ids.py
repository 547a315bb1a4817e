"""Time-sortable, prefixed ids: `prj_` + 26 Crockford base32 characters (48-bit ms time, 80 random bits).

Ids made by one process are strictly increasing, even within one millisecond, so sorting by id is sorting
by creation.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Literal

Prefix = Literal["prj", "trk", "phs", "stp", "kno", "cnv", "msg", "chk", "evt"]
PREFIXES: tuple[Prefix, ...] = ("prj", "trk", "phs", "stp", "kno", "cnv", "msg", "chk", "evt")

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM_BITS = 80
_lock = threading.Lock()
_last = 0


def _encode(value: int) -> str:
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(prefix: Prefix) -> str:
    """A new id such as `stp_01JD3XK5V0Q6X4T3N8W2ZC9RBE`, greater than every id made before it here."""
    global _last
    with _lock:
        candidate = (time.time_ns() // 1_000_000) << _RANDOM_BITS | int.from_bytes(os.urandom(10), "big")
        _last = candidate if candidate > _last else _last + 1
        value = _last
    return f"{prefix}_{_encode(value)}"


def id_prefix(value: str) -> str:
    """The prefix of an id (`stp` for `stp_…`), or "" when it has none."""
    head, sep, _ = value.partition("_")
    return head if sep else ""


def is_id(value: str, prefix: Prefix) -> bool:
    """Whether `value` looks like an id with this prefix."""
    body = value[len(prefix) + 1 :]
    return value.startswith(prefix + "_") and len(body) == 26 and all(c in _ALPHABET for c in body)
