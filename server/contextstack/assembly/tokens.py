"""Token counts: tiktoken's cl100k_base when its encoding file is on this machine, else a conservative estimate.

The estimate counts each newline as a token, each punctuation or symbol character as a token, and each word
as one token per started 4 characters (per started 3 bytes outside ASCII). Real tokenizers merge more than
that, so the estimate over-counts: a budget it keeps is kept. It is also additive over text split at line
ends, which lets assembly add up the cost of the lines it chooses.

The counter that `token_counter` gives remembers its last few thousand answers: the same entries and steps come back
in one assembly after another, and their text need not be counted again.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path

from contextstack.assembly.models import Tokenizer

_PIECES = re.compile(r"\w+|[^\w\s]|\n")
# The ASCII characters that are whitespace (str.isspace, as `\s` and str.split take them; bytes' `\s` leaves out
# \x1c-\x1f).
_ASCII_SPACES = bytes(code for code in range(128) if chr(code).isspace())
# The same pieces of ASCII text, matched on its bytes (twice as fast), a word cut into pieces of 4 characters: as
# many pieces as the estimate counts.
_ASCII_PIECES = re.compile(rb"\w{1,4}|[^\w" + re.escape(_ASCII_SPACES) + rb"]|\n")
# What the counter remembers: up to 4,096 texts of up to 4,096 characters (16 MB at most); longer ones are rare
# and are counted each time.
_MEMO_ENTRIES = 4096
_MEMO_LONGEST = 4096
_CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"


def estimate_tokens(text: str) -> int:
    """The conservative estimate (see the module's docstring)."""
    if text.isascii():
        return len(_ASCII_PIECES.findall(text.encode()))  # ceil(len / 4) a word; 1 for a mark or a line break
    pieces: list[str] = _PIECES.findall(text)
    total = 0
    for piece in pieces:
        if len(piece) == 1:
            total += 1
        elif piece.isascii():
            total += math.ceil(len(piece) / 4)
        else:
            total += math.ceil(len(piece.encode()) / 3)
    return total


def estimate_at_least(text: str) -> int:
    """At most what `estimate_tokens` counts, for far less work: every character but whitespace is in a piece
    that counts at least a token per 4 of its characters, and each line break is a token."""
    return (marks_and_letters(text) + 3) // 4 + text.count("\n")


def marks_and_letters(text: str) -> int:
    """How many characters of `text` are not whitespace (str.isspace)."""
    if text.isascii():
        return len(text.encode().translate(None, _ASCII_SPACES))
    return sum(map(len, text.split()))


def _offline_encoding_file() -> Path | None:
    folder = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR")
    base = Path(folder) if folder else Path(tempfile.gettempdir()) / "data-gym-cache"
    path = base / hashlib.sha1(_CL100K_URL.encode()).hexdigest()
    return path if path.is_file() else None


@cache
def token_counter() -> tuple[Tokenizer, Callable[[str], int]]:
    """The counter to use, decided once: tiktoken only if it is installed and needs no download."""
    try:
        import tiktoken
    except ImportError:
        return "estimate", _remembering(estimate_tokens)
    if _offline_encoding_file() is None:
        return "estimate", _remembering(estimate_tokens)
    encoding = tiktoken.get_encoding("cl100k_base")

    def count(text: str) -> int:
        return len(encoding.encode(text, disallowed_special=()))

    return "cl100k_base", _remembering(count)


def _remembering(count: Callable[[str], int]) -> Callable[[str], int]:
    """`count`, remembering its answers for texts up to _MEMO_LONGEST characters."""
    remembered = lru_cache(maxsize=_MEMO_ENTRIES)(count)

    def counted(text: str) -> int:
        return remembered(text) if len(text) <= _MEMO_LONGEST else count(text)

    return counted
