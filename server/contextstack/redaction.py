"""Secrets out of what the daemon says: configured keys, and anything shaped like a bearer token or an API key.

Applied to every error relayed from a provider and, through a logging filter, to every log line: a provider that
echoes the request's Authorization header must not put the key in a client's answer or in the log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "[redacted]"

# Keys of the providers the daemon speaks to (OpenAI `sk-…`/`sk-proj-…`, Anthropic `sk-ant-…`, Groq `gsk_…`,
# xAI, Google, Hugging Face, OpenRouter `sk-or-…`), bearer credentials, and `api_key: …`-like pairs.
_SHAPES = re.compile(
    r"(?P<bearer>\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}"
    r"|(?P<pair>(?:api[_-]?key|x-api-key|authorization|access[_-]?token|secret)[\"']?\s*[:=]\s*[\"']?)"
    r"(?!bearer\b|basic\b)[^\s\"',;}]{8,}"
    r"|\b(?:sk|pk|rk)-[A-Za-z0-9_-]{8,}"
    r"|\b(?:gsk|xai|hf|ghp|github_pat)[_-][A-Za-z0-9_]{8,}"
    r"|\bAIza[0-9A-Za-z_-]{20,}",
    re.IGNORECASE,
)

# A configured secret shorter than this is not looked for: replacing every "abc" would garble the text.
_SHORTEST_SECRET = 6


def _keep_prefix(match: re.Match[str]) -> str:
    return (match.group("bearer") or match.group("pair") or "") + REDACTED


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every one of `secrets`, and every key- or token-shaped string, replaced by `[redacted]`."""
    for secret in secrets:
        if secret and len(secret) >= _SHORTEST_SECRET and secret in text:
            text = text.replace(secret, REDACTED)
    return _SHAPES.sub(_keep_prefix, text)


class RedactingFilter(logging.Filter):
    """A handler filter that redacts each record's message (arguments merged in) before it is written."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= _SHORTEST_SECRET]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def redact_logs(secrets: Iterable[str | None]) -> None:
    """Redact what every handler of the root logger writes, from now on (the daemon's handlers are set by then)."""
    log_filter = RedactingFilter(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(log_filter)
