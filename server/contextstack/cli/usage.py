"""The command line's own error: a request it cannot make sense of."""

from __future__ import annotations


class UsageError(Exception):
    """The command line asks for something it cannot mean (exit status 2); the message says what to give."""
