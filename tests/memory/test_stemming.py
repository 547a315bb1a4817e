"""Words are matched by their stem, in search and in assembly alike; the language is one setting, checked at start."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite
import pytest

from contextstack.assembly.cache import ContextCache
from contextstack.assembly.service import RANKED_IN_MEMORY, assemble_context
from contextstack.errors import ConfigError
from contextstack.memory.models import KnowledgeBulkCreate, KnowledgeCreate, KnowledgeUpdate
from contextstack.memory.service import create_knowledge, create_knowledge_bulk, search_knowledge, update_knowledge
from contextstack.memory.stemming import Stemmer, stem
from contextstack.plan.models import ProjectCreate
from contextstack.plan.service import create_project
from contextstack.settings import load_settings
from contextstack.storage import Database, SQLiteDatabase
from contextstack.storage.migrations import available_migrations, migrate


def note(title: str, body: str = "", project: str | None = None) -> KnowledgeCreate:
    return KnowledgeCreate(kind="note", title=title, body=body, project=project)


async def test_a_word_finds_the_other_forms_of_its_stem(db: Database) -> None:
    await create_knowledge(db, note("Caroline is researching adoption agencies"), "api")
    await create_knowledge(db, note("Stories about a camping trip", "The story of the tent"), "api")
    assert [hit.entry.title for hit in await search_knowledge(db, "research ")] == [
        "Caroline is researching adoption agencies"
    ]
    hits = await search_knowledge(db, "story ")
    assert [hit.entry.title for hit in hits] == ["Stories about a camping trip"]
    assert "<mark>Stories</mark>" in hits[0].title_highlight


async def test_an_edited_entry_is_found_by_the_stems_of_its_new_words(db: Database) -> None:
    entry = await create_knowledge(db, note("Plain title"), "api")
    await update_knowledge(db, entry.id, KnowledgeUpdate(body="We migrated the invoices"), "api")
    assert [hit.entry.id for hit in await search_knowledge(db, "migrate invoice ")] == [entry.id]


@pytest.mark.parametrize("many", [False, True], ids=["ranked in memory", "ranked by the index"])
async def test_assembly_matches_stems_whatever_the_size_of_the_project(db: Database, many: bool) -> None:
    project = await create_project(db, ProjectCreate(name="Shop"), "api")
    filler = [note(f"Filler {n}", "nothing to see", project.id) for n in range(RANKED_IN_MEMORY + 1 if many else 3)]
    await create_knowledge_bulk(db, KnowledgeBulkCreate(items=filler), "api")
    wanted = await create_knowledge(db, note("Melanie painted a sunrise", "", project.id), "api")
    context = await assemble_context(db, ContextCache(), project.id, query="When did Melanie paint?", budget=4000)
    assert any(item.id == wanted.id and item.included for item in context.manifest)


def test_the_stemmer_speaks_the_configured_language() -> None:
    assert stem("researching") == "research"
    assert Stemmer("german").stem("katzen") == Stemmer("german").stem("katze")


def test_an_unknown_language_stops_start_up_with_a_message(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[memory]\nlanguage = "klingon"\n')
    with pytest.raises(ConfigError, match=r"memory.language 'klingon' is not one the stemmer knows: .*english"):
        load_settings(config, environ={})
    config.write_text('[memory]\nlanguage = "french"\n')
    assert load_settings(config, environ={}).memory.language == "french"


@pytest.mark.sqlite_only
async def test_a_schema_7_store_is_upgraded_with_its_words_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    async with aiosqlite.connect(path) as conn:
        await migrate(conn, str(path), available_migrations()[:7])
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO knowledge (id, kind, title, body, created_at, updated_at)"
            " VALUES ('kno_1', 'note', 'Researching agencies', 'She painted it', '2026-01-01', '2026-01-01')"
        )
    db = SQLiteDatabase(path, readers=1)
    await db.open()
    try:
        assert [hit.entry.id for hit in await search_knowledge(db, "research paint ")] == ["kno_1"]
    finally:
        await db.close()


def test_the_stemmer_is_snowballs_c_code_and_stems_as_its_pure_python_does() -> None:
    """PyStemmer (installed with the daemon) is what snowballstemmer runs; its stems are those of the pure Python
    stemmer of the same algorithms, in every language."""
    import snowballstemmer
    import Stemmer as pystemmer
    from snowballstemmer import english_stemmer, french_stemmer, german_stemmer

    words = (
        "research researched researching researcher stories story camping camped generously agencies adoption "
        "running ran runs happily happiness relational conditional sensibilities painting paintings painted"
    ).split()
    assert isinstance(snowballstemmer.stemmer("english"), pystemmer.Stemmer)
    for language, pure in (
        ("english", english_stemmer.EnglishStemmer()),
        ("french", french_stemmer.FrenchStemmer()),
        ("german", german_stemmer.GermanStemmer()),
    ):
        stemmer = Stemmer(language)
        for word in [*words, "maisons", "chanteuse", "häuser", "laufende", "überlegungen"]:
            assert stemmer.stem(word) == pure.stemWord(word), (language, word)
