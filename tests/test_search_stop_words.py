"""Stop words are searched alike on both engines: every word is indexed, as SQLite's FTS5 indexes
every word. PostgreSQL's `french_unaccent` dropped the French stop words only partly (`unaccent`
ran before the stop list, written with accents, so « à » and « été » were indexed as « a » and
« ete »; the list lacks « les » and « a »), `english_unaccent` dropped « it » and « the », and
`arabic` has no stop list: `IT` found the English articles about IT on SQLite and none on
PostgreSQL, and the phrase « conseil de gouvernement » also found « conseil du gouvernement »
there (both stop words, counted as any word between the two). Step 0013_search_every_word
indexes every word, and computes again the vectors of the French and English articles a
database holds."""

from __future__ import annotations

import json

import psycopg
import pytest
from click.testing import CliRunner

from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records
from monitors.cli import cli

from .conftest import database_from
from .search_step import before_the_step, vectors

STEP = "0013_search_every_word"

# (language, title, text), each text its own (no two are copies of one another).
ARTICLES = [
    (
        "fr",
        "Conseil de gouvernement à Rabat",
        "Le conseil de gouvernement a adopté jeudi un projet de décret sur la santé.",
    ),
    (
        "fr",
        "Réunion du conseil du gouvernement",
        "Réuni à Fès au siège du conseil du gouvernement, le comité examine un rapport.",
    ),
    (
        "en",
        "IT budgets rise in Morocco",
        "The ministry said it will spend more on IT and cloud services next year.",
    ),
    (
        "en",
        "Ministers meet in Casablanca",
        "Ministers met on Monday to discuss water; no statement followed that meeting.",
    ),
    ("ar", "الوزير في الرباط", "قال الوزير من الرباط إن المشروع سينطلق قريبا في المدن الكبرى."),
]
TITLES = [title for _, title, _ in ARTICLES]

# A query of stop words, and the articles it finds on either engine.
FOUND = {
    "IT": {TITLES[2]},
    "the": {TITLES[2]},
    "de": {TITLES[0]},
    "la": {TITLES[0]},
    "à": {TITLES[0], TITLES[1]},  # « a » folded, on both
    "a": {TITLES[0], TITLES[1]},
    "été": set(),
    "في": {TITLES[4]},
    '"conseil de gouvernement"': {TITLES[0]},
    '"conseil du gouvernement"': {TITLES[1]},
    "le AND comité": {TITLES[1]},
}


def records() -> list[ImportRecord]:
    return [
        ImportRecord(
            line=n + 1,
            url=f"https://example.ma/article-{n}",
            title=title,
            text=text,
            published=f"2026-12-0{n + 1}T10:00:00Z",
            source="exemple",
            language=language,
        )
        for n, (language, title, text) in enumerate(ARTICLES)
    ]


@pytest.fixture(scope="module")
def location(engine, tmp_path_factory, request):
    path = tmp_path_factory.mktemp("stop") / "v.db"
    db = store.open_database(path)
    import_records(db, records(), alerts=False)
    db.close()
    return database_from(request, engine, path)


@pytest.mark.parametrize("query", list(FOUND))
def test_stop_words_find_the_same_articles_on_both_engines(location, query):
    result = CliRunner().invoke(cli, ["--db", location, "search", query, "--json"])
    assert result.exit_code == 0, result.output
    assert {hit["title"] for hit in json.loads(result.stdout)} == FOUND[query]


@pytest.mark.slow
def test_the_step_indexes_every_word_of_the_articles_stored_before_it(postgres_cluster, tmp_path):
    """A database the step before left, its articles stored with the stop lists: after the
    step, each French and English article's vector is the one a database migrated since
    computes, the Arabic one is not written again, and `IT` finds its article."""
    path = tmp_path / "v.db"
    db = store.open_database(path)
    import_records(db, records(), alerts=False)
    db.close()
    old = postgres_cluster.empty_database()
    with before_the_step(STEP):
        from crawler.storage.copy import copy_database

        copy_database(path, old)
    with psycopg.connect(old, autocommit=True) as conn:
        before = vectors(conn)
        written = dict(conn.execute("SELECT id, xmin::text FROM articles").fetchall())
        arabic = {id for (id,) in conn.execute("SELECT id FROM articles WHERE language = 'ar'")}
    assert all("'it'" not in vector for vector in before.values())
    store.open_database(old).close()  # the step, by the migrations
    fresh = postgres_cluster.empty_database()
    from crawler.storage.copy import copy_database

    copy_database(path, fresh)
    with psycopg.connect(old, autocommit=True) as conn:
        after = vectors(conn)
        kept = dict(conn.execute("SELECT id, xmin::text FROM articles").fetchall())
        indexes = conn.execute(
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'articles_search'"
        ).fetchone()[0]
    with psycopg.connect(fresh, autocommit=True) as conn:
        assert after == vectors(conn)
    assert indexes == 1
    assert {id for id in written if kept[id] == written[id]} == arabic
    assert "'it':1A" in after[min(after) + 2] and "'de':2A" in after[min(after)]
    result = CliRunner().invoke(cli, ["--db", old, "search", "IT", "--json"])
    assert [hit["title"] for hit in json.loads(result.stdout)] == [TITLES[2]]


def test_the_search_page_finds_them_as_the_command_line_does(location):
    """The reader's search page, the same function: each query's articles, and no other."""
    import html
    import urllib.parse
    import urllib.request

    from monitors.web.app import ReaderConfig, create_app

    from .reader_client import WATCHLISTS, running
    from .waiting import GENEROUS

    config = ReaderConfig(db=location, watchlists=WATCHLISTS, raw_data=False)
    with running(create_app(config)) as base:
        for query, found in FOUND.items():
            address = f"{base}/search?{urllib.parse.urlencode({'q': query})}"
            with urllib.request.urlopen(address, timeout=GENEROUS) as response:
                page = html.unescape(response.read().decode())
            assert {title for title in TITLES if f">{title}</a>" in page} == found, query
