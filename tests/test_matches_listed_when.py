"""Each match holds the date its watchlist's page is sorted by, its article's (published, else
fetched: monitors.alerts step 0033, PostgreSQL 0008), on both engines: dated as it is written
(the match step, an import matched, a match written by hand: a trigger on matches), and again
when its article, re-stored with a new date or re-fetched without one, is matched again; the
step dates the matches of an existing database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.core.normalize import content_hash
from crawler.core.times import iso
from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records
from monitors.alerts.outbox import match_pending
from monitors.service.watchlists import load_watchlists
from monitors.web import reading

RULES = """
watchlists:
  - name: port
    title: Ports
    terms: [port]
"""
START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def _article(number: int, published: datetime | None, words: str = "") -> store.StoredArticle:
    text = f"Le port numéro {number}. {words}" + " ".join(f"mot{number}x{i}" for i in range(40))
    return store.StoredArticle(
        "presse", f"https://presse.example.ma/{number}", f"Le port numéro {number}", None,
        published and iso(published), "fr", None, None, text, content_hash(text),
    )  # fmt: skip


def _out_of_step(db) -> list[tuple[int, str | None, str]]:
    """The matches whose date is not their article's: (match, its date, the article's)."""
    rows = db.execute(
        "SELECT m.id, m.listed_when, coalesce(a.published, a.fetched_at) "
        "FROM matches m JOIN articles a ON a.id = m.article_id ORDER BY m.id"
    ).fetchall()
    return [tuple(row) for row in rows if row[1] != row[2]]


def _match_ids(db, *article_ids: int) -> list[int]:
    return sorted(
        row[0]
        for article_id in article_ids
        for row in db.execute("SELECT id FROM matches WHERE article_id = ?", (article_id,))
    )


def _listed(db) -> list[int]:
    """The article ids of the watchlist's page, as the reader lists them."""
    return [row.article_id for row in reading.latest_matches(db, "port", 50)]


@pytest.fixture
def rules(tmp_path) -> Path:
    path = tmp_path / "watchlists.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


def test_every_way_of_writing_a_match_or_a_date_keeps_the_matches_date(db_location, rules):
    db = store.open_database(db_location)
    try:
        db.execute("INSERT INTO sources(name) VALUES ('presse')")
        ids = [
            article_id
            for article_id, _ in store.store_articles(
                db, [_article(n, START + timedelta(hours=n) if n else None) for n in range(6)]
            )
        ]
        with db.transaction():  # the article without a date, fetched the day before the others
            db.execute(
                "UPDATE articles SET fetched_at = ? WHERE id = ?",
                (iso(START - timedelta(days=1)), ids[0]),
            )
        match_pending(db, *load_watchlists(rules), max_age=None)
        # an import, matched
        report = import_records(
            db,
            [
                ImportRecord(
                    line=1,
                    url="https://presse.example.ma/importe",
                    title="Le port importé",
                    text="Le port importé. " + " ".join(f"mot{i}" for i in range(40)),
                    published="2026-11-03T10:00:00+01:00",
                    source="presse",
                    language="fr",
                )
            ],
        )
        assert report.new == 1
        match_pending(db, *load_watchlists(rules), max_age=None)
        assert db.execute("SELECT count(*) FROM matches").fetchone()[0] == 7
        assert _out_of_step(db) == []
        (imported,) = [row[0] for row in db.execute("SELECT max(id) FROM articles").fetchall()]
        # the import (the 3rd), then by the hour, the article without a date last
        assert _listed(db) == [imported, ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]]
        # re-stored with a new text and a later date, re-fetched without a date (dated by its
        # new fetch): listed where they were until the match step matches them again
        store.update_article(db, ids[1], _article(1, START + timedelta(days=9), "Nouveau. "))
        store.update_article(db, ids[0], _article(0, None, "Encore. "))
        assert [row[0] for row in _out_of_step(db)] == _match_ids(db, ids[0], ids[1])
        assert _listed(db) == [imported, ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]]
        match_pending(db, *load_watchlists(rules), max_age=None)
        assert _out_of_step(db) == []
        assert _listed(db) == [ids[0], ids[1], imported, ids[5], ids[4], ids[3], ids[2]]
        # re-stored with a text no watchlist matches any more: its match keeps up all the same
        store.update_article(db, ids[2], _article(2, START + timedelta(days=10), "Nouveau. "))
        with db.transaction():
            db.execute("UPDATE articles SET title = 'Autre', text = 'Rien' WHERE id = ?", (ids[2],))
        match_pending(db, *load_watchlists(rules), max_age=None)
        assert _out_of_step(db) == []
        assert _listed(db)[:3] == [ids[0], ids[2], ids[1]]
        with db.transaction():  # a match written by hand
            db.execute(
                "INSERT INTO matches(article_id, watchlist, terms, snippet, matched_at) "
                "VALUES (?, 'main', '[]', '', ?)",
                (ids[3], iso(START)),
            )
        assert _out_of_step(db) == []
    finally:
        db.close()


def test_the_step_dates_the_matches_of_an_existing_database(tmp_path, rules):
    """A database as it was before the step: its matches get their article's date, the page
    lists them by it, and a match found after is dated too."""
    path = tmp_path / "veille.db"
    db = store.open_database(path)
    db.execute("INSERT INTO sources(name) VALUES ('presse')")
    store.store_articles(
        db, [_article(n, START + timedelta(hours=n) if n else None) for n in range(5)]
    )
    match_pending(db, *load_watchlists(rules), max_age=None)
    before = _listed(db)
    db.close()
    conn = sqlite3.connect(path)
    with conn:
        for trigger in ("matches_listed_ai", "matches_listed_au"):
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute("DROP INDEX matches_listed")
        conn.execute("ALTER TABLE matches DROP COLUMN listed_when")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0033_matches_listed_when'")
    conn.close()
    db = store.open_database(path)
    try:
        assert db.execute("SELECT count(*) FROM matches").fetchone()[0] == 5
        assert _out_of_step(db) == []
        assert _listed(db) == before
        store.store_articles(db, [_article(9, START + timedelta(days=2))])
        match_pending(db, *load_watchlists(rules), max_age=None)
        assert _out_of_step(db) == [] and len(_listed(db)) == 6
    finally:
        db.close()


def test_the_postgresql_step_dates_the_matches_of_an_existing_database(
    tmp_path, postgres_url, rules
):
    """The same on PostgreSQL: step 0008 run again on a database holding matches."""
    from monitors.alerts.tables import POSTGRES_STEPS

    db = store.open_database(postgres_url)
    try:
        db.execute("INSERT INTO sources(name) VALUES ('presse')")
        store.store_articles(
            db, [_article(n, START + timedelta(hours=n) if n else None) for n in range(5)]
        )
        match_pending(db, *load_watchlists(rules), max_age=None)
        before = _listed(db)
        with db.transaction():
            db.execute("DROP TRIGGER matches_listed ON matches")
            db.execute("DROP FUNCTION matches_listed_when()")
            db.execute("ALTER TABLE matches DROP COLUMN listed_when")
            (script,) = [sql for name, sql in POSTGRES_STEPS if name == "0008_matches_listed_when"]
            db.conn.execute(script)
        assert _out_of_step(db) == []
        assert _listed(db) == before
    finally:
        db.close()
