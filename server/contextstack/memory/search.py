"""Ranked full-text search over knowledge: from user text to the words searched for, and how hits are ranked.

The query is user text, never FTS5 or tsquery syntax: it is cut into words (runs of letters, digits and marks, in
any script), each word is quoted as an FTS5 string (on PostgreSQL a tsquery lexeme, matched against the words the
store wrote with each entry: `lexemes`, `tsquery`), and the words must all match (AND) or any of them (OR). A whole
word matches every indexed word of the same stem (stemming.py): its variants, found by the store. The last word
also matches as a prefix (search-as-you-type) unless the text ends in whitespace or the word is one character (a
one-character prefix has no index and would scan every term). Text without words finds nothing.

Ranking is BM25 with the title weighted above the tags above the body, over every matching entry: the ranking
index (index.py) scores them all. Until the index has caught up with the store (a large store just opened, a
bulk import), the store's full-text index ranks instead (FTS5's bm25(), or on PostgreSQL the same BM25 worked out
over the tsvector's matches), and since it scores every row it ranks, that work is bounded: the
newest `RANKED_CANDIDATES` matching entries (after the filters) are ranked, and, when any word may match
(search's default, and context assembly), every entry holding a rare word, however old. The statements are in
store.py.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple

MAX_TERMS = 32
RANKED_CANDIDATES = 200
# bm25() weights, in the order of the index's columns: title, body, tags.
WEIGHTS = "10.0, 1.0, 4.0"
MARK, UNMARK, ELLIPSIS = "<mark>", "</mark>", "…"
SNIPPET_TOKENS = 24


class Term(NamedTuple):
    word: str
    prefix: bool


def _is_word_character(char: str) -> bool:
    # Letters, numbers and marks (accents, combining signs) of every script, and private-use characters:
    # at least what the index's unicode61 tokenizer keeps, so no word the index holds is cut apart.
    category = unicodedata.category(char)
    return category[0] in "LNM" or category == "Co"


# A last word typed this long or longer is searched as a prefix (a shorter one would range over too many words).
SHORTEST_PREFIX = 2


def query_terms(text: str) -> list[Term]:
    """The words of `text` to search for, in order and without repeats; the last may be a prefix."""
    words = text_words(text)
    if not words:
        return []
    last_is_prefix = not text[-1].isspace() and len(words[-1]) >= SHORTEST_PREFIX
    terms = [Term(word, last_is_prefix and n == len(words) - 1) for n, word in enumerate(words)]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


# In ASCII, the word characters (letters, numbers, marks, private use) are the letters and digits: a regular
# expression finds them far faster than a loop over the characters (the proxy does this on every request).
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")


def text_words(text: str) -> list[str]:
    """The words of `text`: runs of letters, digits and marks, in any script."""
    if text.isascii():
        return _ASCII_WORD.findall(text)
    words: list[str] = []
    start = None
    for index, char in enumerate(text):
        if _is_word_character(char):
            if start is None:
                start = index
        elif start is not None:
            words.append(text[start:index])
            start = None
    if start is not None:
        words.append(text[start:])
    return words


def fold(word: str) -> str:
    """The word as the index's tokenizer (unicode61, remove_diacritics 2) keeps it: lower case, no diacritics."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def tokens(text: str) -> list[str]:
    """The words of `text`, folded: what the index holds of it."""
    if text.isascii():
        return text_words(text.lower())
    return [fold(word) for word in text_words(text)]


def matched_words(
    terms: Sequence[Term], texts: Iterable[str], variants: Mapping[str, Sequence[str]] | None = None
) -> list[str]:
    """The words of `terms` that `texts` match: a whole word as itself or one of its `variants` (the indexed words
    of its stem, as the search matched them), the prefix by the start of a word."""
    folded = {word for text in texts for word in tokens(text)}
    matched = []
    for term in terms:
        word = fold(term.word)
        if term.prefix:
            found = any(held.startswith(word) for held in folded)
        else:
            found = word in folded or not folded.isdisjoint((variants or {}).get(term.word, ()))
        if found:
            matched.append(term.word)
    return matched


def _word_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where the words of `text` are (as `text_words` cuts them): (start, end) of each."""
    if text.isascii():
        # In C from the match to its span: a snippet skips the words before its window without a Python step each.
        return map(_SPAN, _ASCII_WORD.finditer(text))
    return _unicode_word_spans(text)


_SPAN = re.Match.span


def _unicode_word_spans(text: str) -> Iterator[tuple[int, int]]:
    start = None
    for index, char in enumerate(text):
        if _is_word_character(char):
            if start is None:
                start = index
        elif start is not None:
            yield start, index
            start = None
    if start is not None:
        yield start, len(text)


class Highlighter:
    """Where a hit matched, worked out in Python for the page of hits returned: the title with its matching words
    in `<mark>` (as FTS5's highlight() marks them), a snippet of the body (as its snippet() cuts one), and which of
    the query's words the entry holds. A whole word matches itself and its `variants` (the indexed words of its
    stem), the prefix of search-as-you-type every word it begins."""

    def __init__(self, terms: Sequence[Term], variants: Mapping[str, Sequence[str]] | None = None) -> None:
        self._terms = terms
        self._whole: dict[str, int] = {}  # folded word: the term it matches, by place
        prefixes: list[tuple[str, int]] = []
        for place, term in enumerate(terms):
            word = fold(term.word)
            if term.prefix:
                prefixes.append((word, place))
                continue
            for held in (word, *(variants or {}).get(term.word, ())):
                self._whole.setdefault(held, place)
        self._prefixes = prefixes
        self._starts = tuple(word for word, _ in prefixes)
        self._begins = operator.methodcaller("startswith", self._starts)

    def _term_of(self, folded: str) -> int | None:
        place = self._whole.get(folded)
        if place is None and self._starts and folded.startswith(self._starts):
            place = next(p for prefix, p in self._prefixes if folded.startswith(prefix))
        return place

    @staticmethod
    def _folded(text: str) -> tuple[str | None, list[str]]:
        """`text` folded whole if it is ASCII (lower case keeps its length, so its words are at the text's places;
        else None: each word is folded alone), and its words, folded."""
        if text.isascii():
            lower = text.lower()
            return lower, _ASCII_WORD.findall(lower)
        return None, [fold(text[start:end]) for start, end in _word_spans(text)]

    def _hits(self, words: Iterable[str]) -> set[str]:
        """Those of `words` (folded) that match."""
        held = set(words)
        found = held & self._whole.keys()
        if self._starts:
            found.update(filter(self._begins, held))
        return found

    def matched(self, texts: Iterable[str]) -> list[str]:
        """The words of the query that `texts` hold, in the query's order."""
        found: set[str] = set()
        for text in texts:
            found |= self._hits(self._folded(text)[1])
        return self._terms_of(found)

    def _terms_of(self, hits: Iterable[str]) -> list[str]:
        """The words of the query that these matching words (folded) match, in the query's order."""
        places = {self._term_of(word) for word in hits}
        return [term.word for place, term in enumerate(self._terms) if place in places]

    def describe(self, title: str, body: str, tags: Iterable[str]) -> tuple[str, str, list[str]]:
        """`highlight(title)`, `snippet(body)` and `matched((title, body, *tags))` at once, each text folded once."""
        tags = list(tags)
        tag_text = " ".join(tags)
        if title.isascii() and body.isascii() and tag_text.isascii():
            return self._describe_ascii(title, body, tag_text)
        title_folded, title_words = self._folded(title)
        title_hits = self._hits(title_words)
        body_folded, body_words = self._folded(body)
        body_hits = self._hits(body_words)
        found = title_hits | body_hits
        for tag in tags:
            found |= self._hits(self._folded(tag)[1])
        marked = (
            self._marked(title, title_folded, list(_word_spans(title)), title_hits, 0, len(title))
            if title_hits
            else title
        )
        return marked, self._snippet(body, body_folded, body_words, body_hits, SNIPPET_TOKENS), self._terms_of(found)

    @functools.cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        """`_matching_words` of the query's words, made when first used."""
        return _matching_words(self._whole, self._starts)

    def _describe_ascii(self, title: str, body: str, tags: str) -> tuple[str, str, list[str]]:
        """`describe` of ASCII texts: the matching words found in C by one regular expression over each text in
        lower case (`_matching_words`), not word by word in Python; the same marks, snippet and matched words."""
        pattern = self._pattern
        if pattern is None:
            # No word of the query can match an ASCII text.
            return title, self._ascii_snippet(body, [], SNIPPET_TOKENS), []
        title_hits = list(pattern.finditer(title.lower()))
        body_hits = list(pattern.finditer(body.lower()))
        found = {hit.group() for hit in title_hits}
        found.update(hit.group() for hit in body_hits)
        found.update(pattern.findall(tags.lower()))
        marked = _marked_at(title, title_hits, 0, len(title)) if title_hits else title
        return marked, self._ascii_snippet(body, body_hits, SNIPPET_TOKENS), self._terms_of(found)

    @staticmethod
    def _ascii_snippet(text: str, hits: Sequence[re.Match[str]], size: int) -> str:
        """`_snippet` of an ASCII text, its matching words (`hits`, in its lower case: at the same places) found
        by `_pattern`."""
        # The text with every character that is not of a word made a space: its words are what bytes.split cuts,
        # at the text's places. Each hit's place among the words: the words between one hit and the next counted.
        spaced = text.encode().translate(_SPACED_WORDS)
        places, at, place = [], 0, -1
        for hit in hits:
            place += 1 + len(spaced[at : hit.start()].split())
            places.append(place)
            at = hit.end()
        total = place + 1 + len(spaced[at:].split())
        if total <= size:
            return _marked_at(text, hits, 0, len(text)) if hits else text
        first_word = 0
        if places:
            # The hit that starts the window holding the most hits; those hits centred in it (as `_snippet` does).
            first = max(range(len(places)), key=lambda n: (bisect.bisect_left(places, places[n] + size) - n, -n))
            last = places[bisect.bisect_left(places, places[first] + size) - 1]
            first_word = max(0, min(places[first] - (size - (last - places[first] + 1)) // 2, total - size))
        end_word = first_word + size
        begin = len(spaced) - len(spaced.split(None, first_word)[-1]) if first_word else 0
        # The end of the window's last word: the spaces before the first word past it are not in it.
        finish = (
            len(spaced[: len(spaced) - len(spaced.split(None, end_word)[-1])].rstrip())
            if end_word < total
            else len(text)
        )
        before, after = ELLIPSIS if first_word else "", ELLIPSIS if end_word < total else ""
        inside = [hit for hit in hits if hit.start() >= begin and hit.end() <= finish]
        return before + (_marked_at(text, inside, begin, finish) if inside else text[begin:finish]) + after

    def highlight(self, text: str) -> str:
        """`text` with each matching word in `<mark>`."""
        folded, words = self._folded(text)
        hits = self._hits(words)
        if not hits:
            return text
        return self._marked(text, folded, list(_word_spans(text)), hits, 0, len(text))

    @staticmethod
    def _marked(
        text: str, folded: str | None, spans: Sequence[tuple[int, int]], hits: set[str], begin: int, finish: int
    ) -> str:
        out, at = [], begin
        for start, end in spans:
            if (fold(text[start:end]) if folded is None else folded[start:end]) in hits:
                out += [text[at:start], MARK, text[start:end], UNMARK]
                at = end
        out.append(text[at:finish])
        return "".join(out)

    def snippet(self, text: str, size: int = SNIPPET_TOKENS) -> str:
        """The `size` words of `text` holding the most matches (the earliest such window, its matches centred),
        matches in `<mark>`, an ellipsis where text was cut; the start of the text when nothing in it matches."""
        folded, words = self._folded(text)
        return self._snippet(text, folded, words, self._hits(words), size)

    def _snippet(self, text: str, folded: str | None, words: Sequence[str], hits: set[str], size: int) -> str:
        if len(words) <= size:
            return self._marked(text, folded, list(_word_spans(text)), hits, 0, len(text)) if hits else text
        first_word = 0
        if hits:
            places = [n for n, word in enumerate(words) if word in hits]
            # The hit that starts the window holding the most hits; those hits centred in it.
            first = max(range(len(places)), key=lambda n: (bisect.bisect_left(places, places[n] + size) - n, -n))
            last = places[bisect.bisect_left(places, places[first] + size) - 1]
            first_word = max(0, min(places[first] - (size - (last - places[first] + 1)) // 2, len(words) - size))
        end_word = first_word + size
        window = list(itertools.islice(_word_spans(text), first_word, end_word + 1))
        begin = window[0][0] if first_word else 0
        finish = window[size - 1][1] if end_word < len(words) else len(text)
        before, after = ELLIPSIS if first_word else "", ELLIPSIS if end_word < len(words) else ""
        if not hits:
            return before + text[begin:finish] + after
        return before + self._marked(text, folded, window[:size], hits, begin, finish) + after


def _marked_at(text: str, hits: Iterable[re.Match[str]], begin: int, finish: int) -> str:
    """`text` from `begin` to `finish` with the words at the places of `hits` in `<mark>`."""
    out, at = [], begin
    for hit in hits:
        start, end = hit.span()
        out += [text[at:start], MARK, text[start:end], UNMARK]
        at = end
    out.append(text[at:finish])
    return "".join(out)


def _matching_words(whole: Iterable[str], prefixes: Iterable[str]) -> re.Pattern[str] | None:
    """A regular expression finding, in an ASCII text in lower case, each word that matches: a whole word that is
    one of `whole` (folded), or one that begins with one of `prefixes`; None if none of them is ASCII (no word of
    an ASCII text can match then).

    Each alternative starts with its first letter, and only then looks back for the start of a word: the regular
    expression engine finds the places where a match could start by those letters, in C, and tries no other.
    """
    alternatives = []
    for word in sorted((word for word in whole if word.isascii()), key=lambda word: (-len(word), word)):
        alternatives.append(_starting_word(word) + re.escape(word[1:]) + _WORD_ENDS)
    for prefix in prefixes:
        if prefix.isascii():
            alternatives.append(_starting_word(prefix) + re.escape(prefix[1:]) + "[a-z0-9]*")
    if not alternatives:
        return None
    return re.compile("|".join(alternatives), re.ASCII)


_WORD_ENDS = "(?![a-z0-9])"
# bytes.translate's table keeping the ASCII letters and digits and making every other byte a space.
_SPACED_WORDS = bytes(code if chr(code).isascii() and chr(code).isalnum() else ord(" ") for code in range(256))


def _starting_word(word: str) -> str:
    """The first letter of `word`, matched only where a word starts (nothing of a word before it)."""
    first = re.escape(word[0])
    return f"{first}(?<![a-z0-9]{first})"


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def match_expression(
    terms: Sequence[Term], variants: Mapping[str, Sequence[str]] | None = None, *, any_term: bool = False
) -> str:
    """The FTS5 query for these terms: each a quoted string (so nothing in it is syntax), all (or any) required.

    `variants` gives, by term word, the indexed words a whole word also matches (those of the same stem).
    """
    groups = []
    for term in terms:
        if term.prefix:
            groups.append(_quoted(term.word) + "*")
            continue
        words = list(dict.fromkeys([term.word, *(variants or {}).get(term.word, ())]))
        groups.append(" OR ".join(map(_quoted, words)) if len(words) == 1 else f"({' OR '.join(map(_quoted, words))})")
    return (" OR " if any_term else " AND ").join(groups)


# PostgreSQL's tsvector (the full-text columns of the PostgreSQL migrations) holds a word of at most this many bytes,
# and at most this many bytes of words in all; a longer word is left out (no query can name it in a tsquery either).
_LONGEST_LEXEME = 2047
_LEXEME_BYTES = (1 << 20) - 1


def lexemes(texts: Iterable[str]) -> list[str]:
    """The distinct words of `texts` as a PostgreSQL search_vector holds them (`array_to_tsvector(?)`): the words
    the FTS5 index holds of the same texts (`tokens`), but for words a tsvector cannot hold."""
    words: dict[str, None] = {}
    size = 0
    for text in texts:
        for word in tokens(text):
            if not word or word in words:
                continue
            length = len(word.encode())
            if length > _LONGEST_LEXEME or size + length > _LEXEME_BYTES:
                continue
            words[word] = None
            size += length
    return list(words)


def _lexeme(word: str) -> str | None:
    """`word` (folded) as a quoted tsquery lexeme; None if no search_vector can hold it."""
    if not word or len(word.encode()) > _LONGEST_LEXEME:
        return None
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(
    terms: Sequence[Term], variants: Mapping[str, Sequence[str]] | None = None, *, any_term: bool = False
) -> str | None:
    """The PostgreSQL tsquery (text for `?::tsquery`) that matches what `match_expression` matches in FTS5: each
    word quoted and folded, a whole word or any of its `variants`, a prefix with `:*`, all (or any) required.

    None when nothing can match (no words; with all required, a word no search_vector can hold).
    """
    groups = []
    for term in terms:
        word = fold(term.word)
        if term.prefix:
            quoted = _lexeme(word)
            words = [] if quoted is None else [quoted + ":*"]
        else:
            held = dict.fromkeys([word, *(fold(variant) for variant in (variants or {}).get(term.word, ()))])
            words = [quoted for quoted in map(_lexeme, held) if quoted is not None]
        if not words:
            if any_term:
                continue
            return None
        groups.append(words[0] if len(words) == 1 else f"({' | '.join(words)})")
    if not groups:
        return None
    return (" | " if any_term else " & ").join(groups)
