"""Words matched by their stem: `research`, `researched` and `researching` are one word to search and ranking.

The stemmer is Snowball's (snowballstemmer, which uses PyStemmer's C code, installed with the daemon: the same
stems as its own pure Python, 12 times faster), in one language for the whole store: `[memory] language` in the
settings, English by default, chosen once at start-up (`use_language`). The index keeps words as they are
written, so a change of language needs no rebuild: a query word is matched by every indexed word of the same stem
(see store.py), and the in-memory ranking compares stems directly.
"""

from __future__ import annotations

import threading

import snowballstemmer

DEFAULT_LANGUAGE = "english"
LANGUAGES = tuple(sorted(snowballstemmer.algorithms()))
# Stems remembered per language; past this many the memory starts again.
REMEMBERED_STEMS = 200_000


class Stemmer:
    """One language's stemmer, remembering the stems it worked out; safe to share between threads."""

    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unknown stemming language {language!r}: choose one of {', '.join(LANGUAGES)}")
        self.language = language
        self._stemmer = snowballstemmer.stemmer(language)
        self._stems: dict[str, str] = {}
        self._lock = threading.Lock()  # a Snowball stemmer keeps its word in itself while it works

    def stem(self, word: str) -> str:
        """The stem of `word`, a folded (lower-case, no diacritics) word."""
        stem = self._stems.get(word)
        if stem is None:
            with self._lock:
                stem = self._stemmer.stemWord(word)
            if len(self._stems) >= REMEMBERED_STEMS:
                self._stems.clear()
            self._stems[word] = stem
        return stem


_stemmer = Stemmer(DEFAULT_LANGUAGE)


def use_language(language: str) -> None:
    """Stem in `language` from now on (one of LANGUAGES): the store-wide setting, applied at start-up."""
    global _stemmer
    if language != _stemmer.language:
        _stemmer = Stemmer(language)


def stem(word: str) -> str:
    """The stem of a folded word in the store's language."""
    return _stemmer.stem(word)


def stem_prefix(stemmed: str) -> str:
    """What every word of this stem begins with, near enough: the stem less its last letter, which stemming may
    have changed (`stories` and `story` both stem to `stori`, and `story` starts with `stor`)."""
    return stemmed[:-1] if len(stemmed) > 3 else stemmed
