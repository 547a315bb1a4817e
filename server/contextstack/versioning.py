"""Optimistic concurrency: entity versions as ETags, and `If-Match` checks."""

from __future__ import annotations

from contextstack.errors import PreconditionFailed


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(if_match: str | None, current: int, what: str) -> None:
    """Raise PreconditionFailed unless `If-Match` is absent, `*`, or names the current version."""
    if if_match is None or if_match.strip() == "*":
        return
    accepted = {tag.strip().removeprefix("W/").strip('"') for tag in if_match.split(",")}
    if str(current) not in accepted:
        raise PreconditionFailed(
            f"{what} is at version {current}, not {if_match.strip()}: it changed since you read it. "
            "Read it again and reapply your change."
        )
