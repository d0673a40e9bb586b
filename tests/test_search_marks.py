"""Search finds a word whatever marks it is written with, on SQLite and PostgreSQL alike: an
Arabic headline written with harakat or tatweel by its bare words (as a phrase and in `title:`
too, which SQLite's index cut at each mark), a Spanish or English word by its letters without
accents (which PostgreSQL's `simple` and `english` configurations kept), French as before.

An article is folded so whatever its language: a Latin word quoted in an Arabic article without
its accents, an Arabic phrase quoted in a French one without its marks.

Each database is a real one filled through `veille import`'s path; PostgreSQL's is the SQLite
file copied by `veille db copy`. Databases made before the fix get it through their migration
(SQLite step 0031_unmarked_full_text_search, PostgreSQL 0008_search_unaccented and
0010_search_folded)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.storage import postgres_schema, schema, store, tables
from crawler.storage.importer import ImportRecord, import_records
from monitors.cli import cli
from monitors.web.search import search

from .conftest import database_from

# url -> (language, title, text). The press seldom writes harakat, but a headline pasted from a
# wire or a quotation carries them, and tatweel stretches a word for the eye.
ARTICLES = {
    "https://example.ma/ar-harakat": (
        "ar",
        "السِّيَادَةُ الرَّقْمِيَّةُ على طاولة البرلمان",
        "ناقش النواب مشروع قانون جديد حول حماية المعطيات الشخصية وتخزينها داخل البلاد.",
    ),
    "https://example.ma/ar-tatweel": (
        "ar",
        "برنامج وطني للحوسبة",
        "أكد وزير الاقتصاد أن المغـــرب يستعد لإطلاق برنامج وطني للحوسبة السحابية قريبا.",
    ),
    "https://example.ma/ar-other": (
        "ar",
        "السيادة الوطنية والأمن الغذائي",
        "تحدث الخبراء عن الأمن الغذائي والسيادة الوطنية في ندوة بالرباط.",
    ),
    "https://example.ma/es": (
        "es",
        "La soberanía digital de Marruecos",
        "El gobierno presentó una estrategia de tecnología y datos para el año 2030.",
    ),
    "https://example.ma/en": (
        "en",
        "Rabat's café scene",
        "A naïve résumé of the startup programme, written by the organisers themselves.",
    ),
    "https://example.ma/fr": (
        "fr",
        "La souveraineté numérique au Maroc",
        "Le ministère a présenté sa stratégie pour les données publiques.",
    ),
    # Each language quotes the other: a forum's French name in an Arabic article, an Arabic
    # phrase written with harakat and tatweel in a French one.
    "https://example.ma/ar-latin": (
        "ar",
        "منتدى دولي بالعاصمة",
        "افتتح اليوم منتدى Sécurité et Défense بحضور خبراء من عدة دول.",
    ),
    "https://example.ma/fr-arabic": (
        "fr",
        "Un colloque à l'université",
        "Le ministre a parlé de « التَّحَوُّلُ الرَّقْمِـــيُّ » devant les étudiants.",
    ),
}

# query -> the articles (by URL's last part) it finds, on either engine.
EXPECTED = {
    'title:"السيادة الرقمية"': {"ar-harakat"},
    '"السيادة الرقمية"': {"ar-harakat"},
    '"السيادة الوطنية"': {"ar-other"},
    "السيادة NEAR/2 الرقمية": {"ar-harakat"},
    "الغذائي NEAR/2 السيادة": {"ar-other"},
    "المغرب": {"ar-tatweel"},
    '"المغرب يستعد"': {"ar-tatweel"},
    "soberania": {"es"},
    "soberanía": {"es"},
    '"soberania digital"': {"es"},
    "title:soberania": {"es"},
    "tecnologia": {"es"},
    "naive AND resume": {"en"},
    "title:cafe": {"en"},
    "café": {"en"},
    '"souverainete numerique"': {"fr"},
    "strategie": {"fr"},
    # Folded whatever the article's language (PostgreSQL's step 0010_search_folded).
    "securite": {"ar-latin"},
    "Sécurité": {"ar-latin"},
    '"securite et defense"': {"ar-latin"},
    '"التحول الرقمي"': {"fr-arabic"},
    '"التَّحَوُّلُ الرَّقْمِيُّ"': {"fr-arabic"},
    "التحول": {"fr-arabic"},
}


def _records() -> list[ImportRecord]:
    return [
        ImportRecord(
            line=i + 1,
            url=url,
            title=title,
            text=text,
            published=f"2026-10-{10 + i:02d}T10:00:00+01:00",
            source="exemple",
            language=language,
        )
        for i, (url, (language, title, text)) in enumerate(ARTICLES.items())
    ]


def _filled(path: Path) -> Path:
    db = store.open_database(path)
    import_records(db, _records(), alerts=False)
    db.close()
    return path


def _found(db, query: str) -> set[str]:
    return {hit.url.rsplit("/", 1)[1] for hit in search(db, query, limit=50)}


@pytest.fixture
def marked(engine, tmp_path, request) -> str:
    """The articles above, stored on the engine under test, for a test that changes them."""
    return database_from(request, engine, _filled(tmp_path / "v.db"))


@pytest.fixture(scope="module")
def marked_once(engine, tmp_path_factory, request) -> str:
    """The same database, stored once per engine for the tests that only search it: each
    query's test filled and copied one of its own."""
    return database_from(request, engine, _filled(tmp_path_factory.mktemp("marks") / "v.db"))


@pytest.mark.parametrize("query", list(EXPECTED))
def test_a_word_is_found_whatever_its_marks(marked_once, query):
    db = store.open_database(marked_once)
    assert _found(db, query) == EXPECTED[query], query


def test_both_engines_find_the_same_articles(tmp_path, request):
    """The same queries on the same articles, SQLite's file and its PostgreSQL copy."""
    path = _filled(tmp_path / "v.db")
    lite = store.open_database(path)
    pg = store.open_database(database_from(request, "postgresql", path))
    for query in [*EXPECTED, "السيادة", "الرقمية OR soberania", "cafe NOT naive"]:
        assert _found(pg, query) == _found(lite, query), query


def test_veille_search_finds_a_headline_written_with_harakat(marked_once):
    result = CliRunner().invoke(
        cli, ["search", 'title:"السيادة الرقمية"', "--json"], env={"VEILLE_DB": marked_once}
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert [hit["url"] for hit in hits] == ["https://example.ma/ar-harakat"]
    assert "**" in hits[0]["snippet"]


def test_a_phrase_quoted_in_another_language_is_highlighted(marked_once):
    """The snippet shows the words found, as indexed: without their harakat and tatweel."""
    db = store.open_database(marked_once)
    (hit,) = search(db, '"التحول الرقمي"')
    assert "**التحول" in hit.snippet and "الرقمي**" in hit.snippet, hit.snippet
    (hit,) = search(db, "securite")
    assert "**Sécurité**" in hit.snippet, hit.snippet


def _as_before(location: str, engine: str) -> None:
    """The database as the version before the fixes left it: SQLite's index of the words as
    written (step 0013's table and triggers), PostgreSQL's vector without unaccent for English
    and other languages and with every Arabic mark; the new steps not recorded (PostgreSQL's
    0008_search_unaccented then 0010_search_folded run again, in their order)."""
    db = store.open_database(location)
    if engine == "sqlite":
        conn = db.conn
        conn.executescript(
            """
            DROP TRIGGER IF EXISTS articles_ai; DROP TRIGGER IF EXISTS articles_ad;
            DROP TRIGGER IF EXISTS articles_au; DROP TABLE IF EXISTS articles_fts;
            DROP VIEW IF EXISTS articles_fts_unmarked;
            """
        )
        tables.full_text_search(db)
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0031_unmarked_full_text_search'")
        conn.execute(f"PRAGMA user_version = {schema.schema_version() - 1}")
        conn.commit()
    else:
        configuration = (
            "CASE language WHEN 'fr' THEN 'french_unaccent'::regconfig "
            "WHEN 'ar' THEN 'arabic'::regconfig WHEN 'en' THEN 'english'::regconfig "
            "ELSE 'simple'::regconfig END"
        )
        with db.transaction():
            db.execute("ALTER TABLE articles DROP COLUMN search")
            db.execute(
                "DROP TEXT SEARCH CONFIGURATION IF EXISTS "
                "english_unaccent, simple_unaccent, arabic_unaccent"
            )
            db.execute(
                "ALTER TABLE articles ADD COLUMN search tsvector GENERATED ALWAYS AS ("
                f"setweight(to_tsvector({configuration}, coalesce(title, '')), 'A') || "
                f"setweight(to_tsvector({configuration}, left(text, 200000)), 'B')) STORED"
            )
            db.execute("CREATE INDEX articles_search ON articles USING GIN (search)")
            db.execute(
                f"DELETE FROM {postgres_schema.MIGRATIONS_TABLE} "
                "WHERE owner = 'crawler.storage' "
                "AND name IN ('0008_search_unaccented', '0010_search_folded')"
            )
    db.close()


def test_an_existing_database_gets_the_fixed_index_by_its_migration(engine, marked):
    _as_before(marked, engine)
    if engine == "sqlite":  # read as it is, not migrated: the index of words as written
        import sqlite3

        from crawler.storage.engine import SQLiteDatabase

        before = SQLiteDatabase(sqlite3.connect(marked))
        assert _found(before, 'title:"السيادة الرقمية"') == set()
        before.close()
    db = store.open_database(marked)  # migrates, as every veille command's open does
    for query, expected in EXPECTED.items():
        assert _found(db, query) == expected, query
    # New and changed articles are indexed as the migrated index holds them.
    with db.transaction():
        db.execute(
            "UPDATE articles SET title = ? WHERE url = ?",
            ("السِّيَادَةُ الرَّقْمِيَّةُ تعود", "https://example.ma/ar-other"),
        )
    assert _found(db, 'title:"السيادة الرقمية"') == {"ar-harakat", "ar-other"}
    assert _found(db, 'title:"السيادة الوطنية"') == set()
