"""Knowledge search: ranking, prefixes, filters, highlights, and that any text is searched safely as words."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient

from contextstack.memory.models import KnowledgeBulkCreate, KnowledgeCreate
from contextstack.memory.search import Highlighter, query_terms, text_words
from contextstack.memory.service import create_knowledge, create_knowledge_bulk, search_knowledge
from contextstack.memory.stemming import stem
from contextstack.storage import Database

Client = AsyncTestClient[object]


async def add(client: Client, title: str, body: str = "", **extra: object) -> str:
    response = await client.post("/api/knowledge", json={"kind": "note", "title": title, "body": body, **extra})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def search(client: Client, q: str, **params: object) -> list[dict[str, Any]]:
    response = await client.get("/api/knowledge/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def found(client: Client, q: str, **params: object) -> list[str]:
    return [hit["entry"]["id"] for hit in await search(client, q, **params)]


async def test_a_title_match_ranks_above_a_tag_match_above_a_body_match(client: Client) -> None:
    in_body = await add(client, "Deployment notes", "We retry webhooks three times.")
    in_title = await add(client, "Webhooks are retried", "Three times, then dropped.")
    in_tags = await add(client, "Delivery policy", "Three attempts.", tags=["webhooks"])
    await add(client, "Unrelated", "Nothing to see.")
    hits = await search(client, "webhooks")
    assert [hit["entry"]["id"] for hit in hits] == [in_title, in_tags, in_body]
    assert hits[0]["score"] > hits[1]["score"] > hits[2]["score"] > 0


async def test_hits_carry_a_highlighted_title_and_body_snippet(client: Client) -> None:
    await add(client, "Use SQLite in WAL mode", "Readers never wait: WAL lets them read while one writer writes.")
    [hit] = await search(client, "wal")
    assert hit["title_highlight"] == "Use SQLite in <mark>WAL</mark> mode"
    assert "<mark>WAL</mark> lets them read" in hit["snippet"]


async def test_with_match_all_every_word_must_match(client: Client) -> None:
    both = await add(client, "Postgres connection pool", "")
    await add(client, "Postgres backups", "")
    assert await found(client, "postgres pool ", match="all") == [both]


async def test_by_default_any_word_matches_and_more_words_rank_higher(client: Client) -> None:
    one = await add(client, "Caroline went hiking", "")
    both = await add(client, "Caroline researched adoption agencies", "")
    await add(client, "Melanie paints", "")
    hits = await search(client, "What did Caroline research?")
    assert [hit["entry"]["id"] for hit in hits] == [both, one]
    assert [hit["matched"] for hit in hits] == [["Caroline", "research"], ["Caroline"]]
    assert await found(client, "What did Caroline research?", match="all") == []


async def test_an_unknown_match_is_a_400(client: Client) -> None:
    response = await client.get("/api/knowledge/search", params={"q": "x", "match": "some"})
    assert response.status_code == 400


async def test_the_last_word_is_a_prefix_unless_the_text_ends_in_whitespace(client: Client) -> None:
    entry = await add(client, "Architecture overview", "")
    assert await found(client, "archi") == [entry]
    assert await found(client, "overview arch") == [entry]
    assert await found(client, "archi ") == []
    assert await found(client, "arch overview", match="all") == []


async def test_case_and_diacritics_do_not_matter(client: Client) -> None:
    entry = await add(client, "Café naïve Über", "")
    for q in ("cafe", "CAFÉ", "naive uber", "ÜBER NAÏVE "):
        assert await found(client, q) == [entry], q


async def test_words_in_any_script_are_found(client: Client) -> None:
    entry = await add(client, "東京 の 設定", "Ελληνικά κείμενα")
    assert await found(client, "東京") == [entry]
    assert await found(client, "ΕΛΛΗΝΙΚΆ") == [entry]


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '""',
        "(",
        ")",
        "AND",
        "OR",
        "NOT",
        "a OR b",
        "NOT a",
        "*",
        "a*",
        "title:a",
        ":",
        "-a",
        "^a",
        "NEAR(a b)",
        "a AND",
        "{title}: a",
        "+",
        "'",
        "\\",
        "",
        "   ",
        "!!!",
        "\x00",
        "🚀",
        "e\u0301",
    ],
)
async def test_query_syntax_is_searched_as_words_never_an_error(client: Client, q: str) -> None:
    await add(client, "a AND b OR c", "NOT near title")
    assert isinstance(await search(client, q), list)


async def test_syntax_words_are_plain_words(client: Client) -> None:
    entry = await add(client, "Errors are NOT retried", "")
    await add(client, "Errors are retried", "")
    assert await found(client, "not retried", match="all") == [entry]
    assert await found(client, "NEAR(") == []


async def test_text_without_words_finds_nothing(client: Client) -> None:
    await add(client, "Anything", "")
    for q in ("", "   ", "?!", '"*"', "🚀🚀"):
        assert await found(client, q) == []


async def test_search_in_a_project_includes_global_entries(client: Client) -> None:
    for slug in ("one", "two"):
        assert (await client.post("/api/projects", json={"name": slug, "slug": slug})).status_code == 201
    mine = await add(client, "Retry policy", "", project="one")
    await add(client, "Retry policy", "", project="two")
    shared = await add(client, "Retry policy", "")
    assert set(await found(client, "retry", project="one")) == {mine, shared}
    assert len(await found(client, "retry")) == 3
    response = await client.get("/api/knowledge/search", params={"q": "retry", "project": "nope"})
    assert response.status_code == 404
    assert response.json()["errors"][0]["field"] == "query.project"


async def test_search_filters_by_kind_and_leaves_out_superseded_entries(client: Client) -> None:
    old = await add(client, "Retry twice", "")
    new = await add(client, "Retry three times", "", supersedes=old)
    constraint = await add(client, "Retry budget", "", kind="constraint")
    assert set(await found(client, "retry")) == {new, constraint}
    assert set(await found(client, "retry", include_superseded="true")) == {old, new, constraint}
    assert await found(client, "retry", kind="constraint") == [constraint]


async def test_limit_bounds_the_hits(client: Client) -> None:
    for i in range(5):
        await add(client, f"Note {i}", "")
    assert len(await found(client, "note", limit=2)) == 2
    for bad in (0, 101, "many"):
        response = await client.get("/api/knowledge/search", params={"q": "note", "limit": bad})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "query.limit"


async def test_edits_and_deletes_are_searchable_at_once(client: Client) -> None:
    entry = await add(client, "Old wording", "")
    await client.patch(f"/api/knowledge/{entry}", json={"title": "New wording", "tags": ["fresh"]})
    assert await found(client, "old") == []
    assert await found(client, "new") == await found(client, "fresh") == [entry]
    await client.delete(f"/api/knowledge/{entry}")
    assert await found(client, "wording") == []


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=120))
def test_ascii_text_is_cut_into_words_as_any_text_is(text: str) -> None:
    # ASCII text takes a faster path; with a non-ASCII word after it, the same text takes the general one. (Compared
    # as words: as query terms, a last word that repeats an earlier one is a prefix of its own only at the end.)
    assert text_words(text + " é") == [*text_words(text), "é"]


def test_query_terms_quote_words_and_mark_the_last_as_prefix() -> None:
    assert [tuple(t) for t in query_terms('say "AND" (or) NOT-this')] == [
        ("say", False),
        ("AND", False),
        ("or", False),
        ("NOT", False),
        ("this", True),
    ]
    assert query_terms("one two ") == [("one", False), ("two", False)]
    assert query_terms("one a") == [("one", False), ("a", False)]
    assert query_terms("…") == []


@settings(max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=60))
async def test_any_text_is_answered_with_200(client: Client, q: str) -> None:
    response = await client.get("/api/knowledge/search", params={"q": q})
    assert response.status_code == 200, response.text


# Words whose case and diacritics fold the same way in Python (NFKD, then casefold) as in the index's tokenizer.
VOCABULARY = [
    "Café",
    "cafe",
    "CAFÉS",
    "naïve",
    "Über",
    "uber",
    "résumé",
    "Ångström",
    "data",
    "database",
    "dat",
    "datum",
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "東京",
    "東",
    "Ελληνικά",
    "x",
    "x86",
    "42",
    "c++",
    "foo-bar",
    "e\u0301t",
    "ünïcödé",
]
SEPARATORS = [" ", "  ", "-", ".", '"', "(", ")", "*", ":", "^", "+", "\t", "\n", ", "]


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", fold(text))


@pytest.fixture
async def corpus(db: Database) -> Database:
    items = [
        KnowledgeCreate(
            kind="note",
            title=" ".join(VOCABULARY[(i * 7 + k) % len(VOCABULARY)] for k in range(3)),
            body=" ".join(VOCABULARY[(i * 5 + k * 3) % len(VOCABULARY)] for k in range(6)),
            tags=[VOCABULARY[(i * 11) % len(VOCABULARY)]],
        )
        for i in range(60)
    ]
    await create_knowledge_bulk(db, KnowledgeBulkCreate(items=items), "api")
    await create_knowledge(db, KnowledgeCreate(kind="note", title="Dates and data", body=""), "api")
    return db


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(
        st.one_of(st.sampled_from(VOCABULARY), st.sampled_from(VOCABULARY).map(lambda w: w[:2])), min_size=1, max_size=4
    ),
    separators=st.lists(st.sampled_from(SEPARATORS), min_size=5, max_size=5),
    trailing=st.sampled_from(["", " ", ".", "*"]),
)
async def test_every_hit_contains_the_searched_words_or_their_stems(
    corpus: Database, parts: list[str], separators: list[str], trailing: str
) -> None:
    q = "".join(part + separator for part, separator in zip(parts, separators, strict=False)).rstrip() + trailing
    searched = words(q)
    last_is_prefix = bool(q) and not q[-1].isspace()

    def matches(n: int, word: str, text: list[str]) -> bool:
        if last_is_prefix and n == len(searched) - 1:
            return any(token.startswith(word) for token in text)
        return stem(word) in {stem(token) for token in text}  # a whole word matches a word of the same stem

    for hit in await search_knowledge(corpus, q, limit=100, match="all"):
        text = words(" ".join([hit.entry.title, hit.entry.body, *hit.entry.tags]))
        assert all(matches(n, word, text) for n, word in enumerate(searched)), (q, hit.entry.title)
    for hit in await search_knowledge(corpus, q, limit=100, match="any"):
        text = words(" ".join([hit.entry.title, hit.entry.body, *hit.entry.tags]))
        assert any(matches(n, word, text) for n, word in enumerate(searched)), (q, hit.entry.title)
        assert hit.matched, (q, hit.entry.title)


_MARKED_WORDS = ["wal", "WAL", "Wal", "walrus", "mode", "modes", "read", "reader", "café", "cafe", "x"]
_HELD_WORDS = [*_MARKED_WORDS, "sqlite", "the", "writer", "ünïcode", "42", "a-b", "don't"]


@settings(max_examples=150, deadline=None)
@given(
    text=st.lists(st.sampled_from(_HELD_WORDS), max_size=60).flatmap(
        lambda words: st.lists(
            st.sampled_from([" ", ", ", ". ", "\n", " — "]), min_size=len(words), max_size=len(words)
        ).map(lambda gaps: "".join(w + g for w, g in zip(words, gaps, strict=True)).strip())
    ),
    query=st.lists(st.sampled_from(_MARKED_WORDS), min_size=1, max_size=3).map(" ".join),
    typing=st.booleans(),
)
def test_highlights_and_snippets_made_in_python_are_fts5s(text: str, query: str, typing: bool) -> None:
    """The page of hits is highlighted in Python: title highlights are FTS5's highlight(), and a snippet is the
    passage FTS5's snippet() would cut where one window holds the most matches (checked on a real FTS5 table)."""
    import sqlite3

    from contextstack.memory.search import SNIPPET_TOKENS, Highlighter, match_expression, text_words

    terms = query_terms(query + ("" if typing else " "))
    marks = Highlighter(terms)
    with sqlite3.connect(":memory:") as conn:
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')")
        conn.execute("INSERT INTO t (rowid, title, body) VALUES (1, ?, ?)", (text, text))
        row = conn.execute(
            "SELECT highlight(t, 0, '<mark>', '</mark>') FROM t WHERE t MATCH ?",
            (match_expression(terms, any_term=True),),
        ).fetchone()
    if row is None:  # FTS5 finds no word of the query in the text: nothing is marked, and none matched
        assert marks.highlight(text) == text
        assert marks.matched([text]) == []
        return
    assert marks.highlight(text) == row[0]
    snippet = marks.snippet(text)
    plain = snippet.replace("<mark>", "").replace("</mark>", "")
    assert len(text_words(plain)) == min(SNIPPET_TOKENS, len(text_words(text)))
    assert plain.strip("…") in text
    if len(text_words(text)) > SNIPPET_TOKENS:
        assert snippet.startswith("…") or text.startswith(plain.removesuffix("…"))
    assert "<mark>" in snippet  # the window chosen holds a match
    assert set(marks.matched([text])) <= set(query.split())
    assert marks.matched([text])


_ASCII_WORDS = [
    "wal",
    "WAL",
    "Wal",
    "walrus",
    "mode",
    "modes",
    "MODE",
    "read",
    "reader",
    "x",
    "a",
    "42",
    "4x2",
    "sqlite",
]


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(
        st.lists(
            st.sampled_from([*_ASCII_WORDS, "the", "don't", "a_b", "wal_mode", "cafe", "x1"]), max_size=50
        ).flatmap(
            lambda words: st.lists(
                st.sampled_from([" ", ", ", ". ", "\n", " - ", "_", "  ", "\t", "\x1f"]),
                min_size=len(words),
                max_size=len(words),
            ).map(lambda gaps: "".join(w + g for w, g in zip(words, gaps, strict=True)))
        ),
        min_size=2,
        max_size=5,
    ),
    query=st.lists(st.sampled_from([*_ASCII_WORDS, "café", "ünï"]), min_size=1, max_size=4).map(" ".join),
    typing=st.booleans(),
    variants=st.lists(st.sampled_from(["walrus", "modes", "reader", "x1", "ünïcode"]), max_size=3),
)
def test_a_page_of_ascii_hits_is_described_as_word_by_word(
    texts: list[str], query: str, typing: bool, variants: list[str]
) -> None:
    """A hit's title highlight, snippet and matched words are found at once by a regular expression when its
    texts are ASCII: the same as the highlighter's word-by-word way (which any text takes), whatever the text."""
    title, body, *tags = texts
    terms = query_terms(query + ("" if typing else " "))
    marks = Highlighter(terms, {term.word: variants for term in terms if not term.prefix})
    assert marks.describe(title, body, tags) == (
        marks.highlight(title),
        marks.snippet(body),
        marks.matched([title, body, *tags]),
    )


async def _searched_by(db: Database, q: str, *, any_term: bool, by_index: bool) -> set[str]:
    """The ids `q` finds: ranked by the ranking index, or (as while the index is behind) by the store's own
    full-text index, FTS5 or PostgreSQL's tsvector column."""
    from contextstack.memory import store
    from contextstack.memory.index import knowledge_index

    terms = query_terms(q)
    if not terms:
        return set()
    hits = await db.read(
        lambda view: store.search(
            view,
            terms,
            project_id=None,
            kind=None,
            limit=100,
            include_superseded=False,
            any_term=any_term,
            index=knowledge_index(db) if by_index else None,
        )
    )
    return {hit.entry.id for hit in hits}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(
        st.one_of(st.sampled_from(VOCABULARY), st.sampled_from(VOCABULARY).map(lambda w: w[:2])), min_size=1, max_size=3
    ),
    trailing=st.sampled_from(["", " "]),
    any_term=st.booleans(),
)
async def test_the_stores_full_text_index_finds_what_the_ranking_index_finds(
    corpus: Database, parts: list[str], trailing: str, any_term: bool
) -> None:
    q = " ".join(parts) + trailing
    assert await _searched_by(corpus, q, any_term=any_term, by_index=False) == await _searched_by(
        corpus, q, any_term=any_term, by_index=True
    ), q


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=60), any_term=st.booleans())
async def test_any_text_is_safe_in_the_stores_full_text_index(corpus: Database, q: str, any_term: bool) -> None:
    await _searched_by(corpus, q, any_term=any_term, by_index=False)
