"""Why a match raised no alert is stored with it when the match step decides (matches.not_alerted:
its article was older than the alert age limit, or its story had already alerted the watchlist),
so `veille status`'s week of matches not alerted reads one index. A database of the previous
version migrates with each match given the reason the previous `veille status` computed for it.
On SQLite and PostgreSQL, with the labelled week stored as `veille import` stores it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import monitors  # noqa: F401 (the full schema)
from crawler.storage import postgres_schema, schema, store
from monitors.alerts.outbox import match_pending
from monitors.service.status import gather_status
from monitors.service.watchlists import load_watchlists
from tests.story_corpus import prepared_week

# Half the labelled week (published 2026-11-16 to 22) is older than seven days at this time.
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
WATCHLISTS = """watchlists:
  - name: maroc
    query: "Maroc OR marocain OR marocaine OR المغرب OR المغربية"
  - name: economie
    query: "économie OR banque OR croissance OR الاقتصاد"
"""

# How the previous version's `veille status` said why each match raised no alert: the
# reference the migration's reasons are held to.
PREVIOUS_STATUS = (
    "SELECT m.id, CASE WHEN EXISTS (SELECT 1 FROM alerts s "
    "  WHERE s.story_id = a.story_id AND s.watchlist = m.watchlist) "
    "OR EXISTS (SELECT 1 FROM articles sa JOIN alerts s ON s.article_id = sa.id "
    "  WHERE sa.story_id = a.story_id AND s.watchlist = m.watchlist) "
    "THEN 'story-alerted' ELSE 'too-old' END "
    "FROM matches m JOIN articles a ON a.id = m.article_id "
    "LEFT JOIN alerts al ON al.match_id = m.id WHERE al.id IS NULL"
)


def _matched_week(location: str, tmp_path: Path):
    db = store.open_database(location)
    prepared = prepared_week()
    store.add_sources(db, sorted({a.source for a in prepared}))
    for start in range(0, len(prepared), 50):
        store.store_articles(db, prepared[start : start + 50])
    rules_path = tmp_path / "watchlists.yaml"
    rules_path.write_text(WATCHLISTS, encoding="utf-8")
    match_pending(db, *load_watchlists(rules_path), max_age=timedelta(days=7), now=NOW)
    return db


def _reasons(db) -> dict[int, str | None]:
    return dict(db.execute("SELECT id, not_alerted FROM matches").fetchall())


def test_each_match_that_raised_no_alert_keeps_why_and_status_counts_them(db_location, tmp_path):
    db = _matched_week(db_location, tmp_path)
    try:
        rows = db.execute(
            "SELECT m.not_alerted, al.id IS NOT NULL, a.published, a.story_id, m.watchlist "
            "FROM matches m JOIN articles a ON a.id = m.article_id "
            "LEFT JOIN alerts al ON al.match_id = m.id"
        ).fetchall()
        alerted_stories = set(db.execute("SELECT story_id, watchlist FROM alerts").fetchall())
        week_ago = (NOW - timedelta(days=7)).isoformat()
        for why, alerted, published, story, watchlist in rows:
            if alerted:
                assert why is None
            elif published < week_ago:
                assert why == "too-old", (published, why)
            else:
                assert why == "story-alerted" and (story, watchlist) in alerted_stories
        counted = {
            why: sum(1 for row in rows if row[0] == why) for why in ("too-old", "story-alerted")
        }
        assert min(counted.values()) > 5, counted  # the week gives both reasons
        assert gather_status(db, NOW).matches_not_alerted == {
            "article older than the alert age limit": counted["too-old"],
            "story already alerted on": counted["story-alerted"],
        }
        # a week later, none of these matches is in the week any more
        assert gather_status(db, NOW + timedelta(days=8)).matches_not_alerted == {}
    finally:
        db.close()


def _as_before(db, engine: str) -> None:
    """The database as the previous version left it: no not_alerted column, the index of the
    matches' time and watchlist, the step not run."""
    if engine == "sqlite":
        conn = db.conn
        conn.execute("DROP INDEX matches_not_alerted")
        conn.execute("ALTER TABLE matches DROP COLUMN not_alerted")
        conn.execute(
            "CREATE INDEX matches_matched_watchlist ON matches(matched_at, watchlist, article_id)"
        )
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0030_matches_not_alerted'")
        conn.execute(f"PRAGMA user_version = {schema.schema_version() - 1}")
        conn.commit()
    else:
        with db.transaction():
            db.execute("ALTER TABLE matches DROP COLUMN not_alerted")  # drops its index too
            db.execute(
                "CREATE INDEX matches_matched_watchlist "
                "ON matches(matched_at, watchlist, article_id)"
            )
            db.execute(
                f"DELETE FROM {postgres_schema.MIGRATIONS_TABLE} "
                "WHERE owner = 'monitors.alerts' AND name = '0007_matches_not_alerted'"
            )


def test_a_database_of_the_previous_version_gets_the_reasons_its_status_gave(
    engine, db_location, tmp_path
):
    db = _matched_week(db_location, tmp_path)
    expected = {match: None for match in _reasons(db)}
    expected |= dict(db.execute(PREVIOUS_STATUS).fetchall())
    assert set(expected.values()) == {None, "too-old", "story-alerted"}
    _as_before(db, engine)
    db.close()
    db = store.open_database(db_location)
    try:
        assert _reasons(db) == expected
    finally:
        db.close()


def test_the_previous_index_of_the_matches_time_is_gone(tmp_path):
    """The index the previous status read is dropped: every match write kept it for nothing."""
    db = store.open_database(tmp_path / "veille.db")
    try:
        names = {
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'matches'"
            ).fetchall()
        }
        assert "matches_not_alerted" in names and "matches_matched_watchlist" not in names
    finally:
        db.close()
