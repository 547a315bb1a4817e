"""What assembly answers: the document, its size, and a manifest of what went in and what was left out."""

from __future__ import annotations

from typing import Literal

import msgspec

Tokenizer = Literal["cl100k_base", "estimate"]
Reason = Literal["included", "summarised", "budget", "superseded"]


class SectionTokens(msgspec.Struct, frozen=True):
    name: str
    tokens: int


class ManifestItem(msgspec.Struct, frozen=True, kw_only=True):
    """One step, knowledge entry or past message that assembly considered, and what became of it."""

    kind: Literal["step", "knowledge", "message"]
    id: str
    title: str
    section: str
    included: bool
    reason: Reason


class AssembledContext(msgspec.Struct, frozen=True, kw_only=True):
    """A project's context document within a token budget."""

    project_id: str
    project_slug: str
    document: str
    tokens: int
    budget: int
    tokenizer: Tokenizer
    sections: list[SectionTokens]
    manifest: list[ManifestItem]
