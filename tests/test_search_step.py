"""PostgreSQL's step 0011_search_primary_language computes again only the vectors it changes:
those of the articles whose language has a region (« fr-MA », « en-GB »), where it first built
the search column again for every article (164-166 s at 100,000 articles, the articles table
locked). A database the step before it left, copied twice, the step as first written run on one
copy and the step as it is on the other: every article's vector is the same, the articles
without a region are not written at all, and articles stored or changed afterwards get the same
vectors on both."""

from __future__ import annotations

import urllib.parse

import psycopg
import pytest

from crawler.storage.store import open_database

from .search_step import FIRST_WRITTEN, before_the_step, clone, vectors

pytestmark = pytest.mark.slow

# The step after these, which computes every French and English vector again (its own test is
# tests/test_search_stop_words.py).
NEXT_STEP = "0013_search_every_word"

# (language, title, text): every configuration, with and without a region, none, an unknown
# one, Arabic marks and accents the vectors fold.
ARTICLES = [
    ("fr", "Les ministres réunis à Rabat", "Le ministre a présidé la réunion des ministres."),
    ("fr-MA", "Les ministres réunis à Rabat", "Le ministre a présidé la réunion des ministres."),
    ("fr-FR", "Élections régionales", "Les électeurs votent dimanche dans les régions."),
    ("en", "Ministers meet in Rabat", "The minister chaired the ministers' meeting."),
    ("en-GB", "Ministers meet in Rabat", "The minister chaired the ministers' meeting."),
    ("ar", "الوزراء يجتمعون في الرباط", "ترأس الوزيرُ اجتماعَ الوزراء الأسبوعي."),
    ("ar-MA", "الوزراء يجتمعون في الرباط", "ترأس الوزيرُ اجتماعَ الوزراء الأسبوعي."),
    ("es", "Los ministros se reúnen", "El ministro presidió la reunión de la soberanía."),
    ("es-ES", "Los ministros se reúnen", "El ministro presidió la reunión de la soberanía."),
    (None, "Sans langue détectée", "Un texte dont la langue est inconnue, résumé."),
    ("zgh", "ⵜⴰⵎⴰⵣⵉⵖⵜ", "Texte en tamazight et en français."),
]


def insert(conn, number: int, language: str | None, title: str, text: str) -> None:
    conn.execute(
        "INSERT INTO articles (source, url, url_key, title, text, language, content_hash, "
        "fetched_at) VALUES ('exemple', %s, %s, %s, %s, %s, %s, '2026-12-01T10:00:00Z')",
        (
            f"https://example.ma/{number}",
            f"example.ma/{number}",
            title,
            text,
            language,
            f"h{number}",
        ),
    )


def name_of(location: str) -> str:
    return urllib.parse.urlsplit(location).path.lstrip("/")


def filled_before_the_step(postgres_cluster) -> str:
    """A new database the step before 0011 left, holding ARTICLES; its location."""
    base = postgres_cluster.empty_database()
    with before_the_step():
        open_database(base).close()
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute("INSERT INTO sources (name) VALUES ('exemple')")
        for number, article in enumerate(ARTICLES):
            insert(conn, number, *article)
    return base


def test_the_step_computes_again_only_the_articles_with_a_region(postgres_cluster):
    base = filled_before_the_step(postgres_cluster)
    with psycopg.connect(base, autocommit=True) as conn:
        written = dict(conn.execute("SELECT id, xmin::text FROM articles").fetchall())
        regions = {
            id
            for id, language in conn.execute("SELECT id, language FROM articles")
            if language and "-" in language
        }
    first, now = name_of(base) + "_first", name_of(base) + "_now"
    with postgres_cluster.admin() as admin:
        clone(admin, name_of(base), first)
        clone(admin, name_of(base), now)
    with psycopg.connect(postgres_cluster.url(first), autocommit=True) as conn:
        with conn.transaction():
            conn.execute(FIRST_WRITTEN)
        expected = vectors(conn)
    with before_the_step(NEXT_STEP):  # the step as it is, by the migrations, and no later one
        open_database(postgres_cluster.url(now)).close()
    with psycopg.connect(postgres_cluster.url(now), autocommit=True) as conn:
        assert vectors(conn) == expected
        kept = dict(conn.execute("SELECT id, xmin::text FROM articles").fetchall())
    assert len(regions) == 5
    assert {id for id in written if kept[id] != written[id]} == regions
    assert "'ministr':2A" in expected[min(regions)]  # « fr-MA » stemmed as French

    # Stored and changed afterwards: the trigger computes what the generated column does.
    for name in (first, now):
        with psycopg.connect(postgres_cluster.url(name), autocommit=True) as conn:
            insert(conn, 100, "fr-MA", "Nouvelles ministres", "Les ministres ont parlé.")
            insert(conn, 101, "en", "New ministers", "The ministers spoke.")
            conn.execute("UPDATE articles SET title = 'Ministres en réunion' WHERE language = 'fr'")
            conn.execute("UPDATE articles SET language = 'en-GB' WHERE language = 'es'")
            conn.execute("UPDATE articles SET text = 'الوزراء' WHERE language = 'ar'")
            conn.execute("UPDATE articles SET published = '2026-12-02' WHERE language = 'en'")
            if name == first:
                expected = vectors(conn)
            else:
                assert vectors(conn) == expected


def _shape(conn) -> tuple[str, int]:
    generated = conn.execute(
        "SELECT attgenerated FROM pg_attribute "
        "WHERE attrelid = 'articles'::regclass AND attname = 'search'"
    ).fetchone()[0]
    triggers = conn.execute(
        "SELECT count(*) FROM pg_trigger WHERE tgname = 'articles_search_kept'"
    ).fetchone()[0]
    return generated, triggers


def test_a_database_that_ran_the_step_as_first_written_gets_the_trigger(postgres_cluster):
    """A database that ran 0011 as 710b048 wrote it has a generated search column where every
    other has a plain one kept by a trigger: 0012 gives it the trigger, its vectors kept, so
    that the steps to come meet one shape of the column."""
    base = filled_before_the_step(postgres_cluster)
    with psycopg.connect(base, autocommit=True) as conn:
        with conn.transaction():
            conn.execute(FIRST_WRITTEN)
            conn.execute(
                "INSERT INTO veille_migrations (owner, name, applied_at) "
                "SELECT owner, %s, '2026-12-06T12:00:00Z' FROM veille_migrations "
                "WHERE name = '0010_search_folded'",
                ("0011_search_primary_language",),
            )
        assert _shape(conn) == ("s", 0)
        before = vectors(conn)
    with before_the_step(NEXT_STEP):  # the steps after 0011 up to the next, by the migrations
        open_database(base).close()
    with psycopg.connect(base, autocommit=True) as conn:
        assert _shape(conn) == ("", 1)
        assert vectors(conn) == before
        insert(conn, 100, "fr-MA", "Nouvelles ministres", "Les ministres ont parlé.")
        stored = conn.execute(
            "SELECT search::text FROM articles WHERE id = (SELECT max(id) FROM articles)"
        ).fetchone()[0]
        assert "'ministr':2A" in stored  # computed by the trigger, « fr-MA » as French
    # a database migrated since has the same shape, and 0012 leaves it as it is
    fresh = postgres_cluster.empty_database()
    open_database(fresh).close()
    with psycopg.connect(fresh, autocommit=True) as conn:
        assert _shape(conn) == ("", 1)
