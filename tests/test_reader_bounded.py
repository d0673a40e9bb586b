"""The reader's list pages, `veille status` and /health read a bounded number of rows, whatever
the database's size (issue 28), and say the same as counting everything would.

Bounded is checked without a clock: SQLite's progress handler counts the virtual machine steps of
each read on a database, then on one with four times as many older articles and matches; a read
of the whole table takes about four times the steps. The counts kept by triggers
(watchlist_counts, source_counts) are compared with counting every row, on both engines: after
inserts, an update and a delete, after the step that fills them for an existing database, and
after `veille db copy`.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import monitors  # noqa: F401 (registers the monitors owners)
from crawler.core.times import iso
from crawler.storage import articles as article_columns
from crawler.storage import store
from crawler.storage.engine import SQLiteDatabase
from crawler.stories import store as stories_store
from monitors.people import feed
from monitors.service import store as service_store
from monitors.service.health import health_report
from monitors.service.status import gather_status
from monitors.web import reading
from monitors.web import store as web_store
from monitors.web.store import ListedAt
from monitors.web.triage import PeopleViews
from tests.conftest import database_from

NOW = datetime.now(UTC).replace(microsecond=0)
# A page key 300 days back: 650 articles above it in the small database, 1,700 in the large.
DEEP = ListedAt(iso(NOW - timedelta(days=300)), 2**62)
SOURCES = ["alpha", "beta", "gamma"]
WATCHLISTS = ["often", "rare"]


def _fill(path: Path, recent: int, old: int) -> None:
    """`recent` articles over the last 20 days and `old` ones 60 to 400 days old, each matching
    `often`, one in ten also `rare`: written as the storing functions write them."""
    db = store.open_database(path)
    conn = db.conn
    with conn:
        conn.executemany(
            "INSERT OR IGNORE INTO sources(name, title) VALUES (?, ?)",
            [(s, s.title()) for s in SOURCES],
        )
        first = conn.execute("SELECT coalesce(max(id), 0) FROM articles").fetchone()[0] + 1
        for n in range(recent + old):
            article_id = first + n
            if n < recent:
                published = NOW - timedelta(hours=n * 480 / max(recent, 1))
            else:
                published = NOW - timedelta(days=60 + (n - recent) * 340 / max(old, 1))
            source = SOURCES[n % len(SOURCES)]
            conn.execute(
                "INSERT INTO articles(id, source, url, url_key, title, published, language, text, "
                "content_hash, fetched_at, matched_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    article_id,
                    source,
                    f"https://{source}.example.ma/{article_id}",
                    f"{source}.example.ma/{article_id}",
                    f"Article {article_id}",
                    iso(published),
                    "ar" if n % 7 == 0 else None if n % 13 == 0 else "fr",
                    f"Le texte de l'article {article_id}. " * 40,
                    f"hash-{article_id}",
                    iso(published + timedelta(minutes=5)),
                    iso(published + timedelta(minutes=6)),
                ),
            )
            for watchlist in WATCHLISTS[: 2 if n % 10 == 0 else 1]:
                # why no alert, as the match step records it (the rare watchlist's alerts)
                why = None if watchlist == "rare" else "story-alerted" if n < recent else "too-old"
                match_id = conn.execute(
                    "INSERT INTO matches(article_id, watchlist, terms, snippet, matched_at, "
                    "not_alerted) VALUES (?, ?, '[]', '', ?, ?)",
                    (article_id, watchlist, iso(published + timedelta(minutes=6)), why),
                ).lastrowid
            if n % 10 == 0:  # the rare watchlist's match alerts, and is sent (or due)
                alert_id = conn.execute(
                    "INSERT INTO alerts(match_id, article_id, watchlist, created_at) "
                    "VALUES (?, ?, 'rare', ?)",
                    (match_id, article_id, iso(published + timedelta(minutes=6))),
                ).lastrowid
                conn.execute(
                    "INSERT INTO deliveries(alert_id, channel, state, next_attempt_at) "
                    "VALUES (?, 'email', ?, ?)",
                    (alert_id, "pending" if n < 20 else "sent", iso(published)),
                )
    _group(db, range(first, first + recent + old))
    conn.execute("ANALYZE")
    db.close()


def _group(db, article_ids: range) -> None:
    """Put the articles in stories as crawler.stories.grouping.assign_story does: four
    consecutive articles (three outlets) per story, but every fifth article alone in its own."""
    now = iso(NOW)
    with db.transaction():
        stories: dict[int, int] = {}
        for n, article_id in enumerate(article_ids):
            key = -n - 1 if n % 5 == 0 else n // 4
            if key in stories:
                stories_store.touch_story(db, stories[key], now)
            else:
                stories[key] = stories_store.create_story(db, article_id, None, now)
            article_columns.set_story(db, article_id, stories[key], b"", 0)
            stories_store.note_outlet(db, stories[key], article_id)


def _steps(path: Path, read) -> int:
    """The SQLite virtual machine steps (in hundreds) of `read` on the database at `path`."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0

    conn.set_progress_handler(tick, 100)
    read(SQLiteDatabase(conn))
    conn.close()
    return counted[0]


READS = {
    "home's counts": web_store.match_counts,
    "a watchlist's latest matches": lambda db: reading.latest_matches(db, "often", 20),
    "a rare watchlist's latest matches": lambda db: reading.latest_matches(db, "rare", 20),
    "a watchlist's deep page": lambda db: reading.latest_matches(db, "often", 21, before=DEEP),
    "a rare watchlist's deep page": lambda db: reading.latest_matches(db, "rare", 21, before=DEEP),
    "a watchlist's newer page": lambda db: reading.latest_matches(db, "often", 21, after=DEEP),
    "the home's deep page": lambda db: feed.home_page(
        db, "team", None, 50, None, top=2**62, before=400
    ),
    "the home's newer page": lambda db: feed.home_page(
        db, "team", None, 50, None, top=2**62, after=400
    ),
    "a watchlist's matches per day": lambda db: reading.matches_per_day(db, "often"),
    "a watchlist's feed": lambda db: list(web_store.matched_articles(db, "often", limit=100)),
    "the sources page": reading.sources_health,
    "the sources' state (status, /health)": lambda db: service_store.source_rows(db),
    "veille status's week of matches not alerted": lambda db: service_store.matches_not_alerted(
        db, iso(NOW - timedelta(days=7))
    ),
    "the search page's languages": reading.languages,
    "/health's deliveries": lambda db: service_store.deliveries_in_states(
        db, ("pending", "failed", "unconfirmed")
    ),
    "veille status's stories in several outlets": stories_store.stories_in_several_outlets,
    "veille status's deliveries by state": service_store.deliveries_by_state,
    "veille status's totals": service_store.totals,
    "veille status, all of it": gather_status,
    "the account's deleted watchlists": lambda db: PeopleViews.deleted_watchlists(
        db, "team", {"often"}
    ),
}


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> dict[str, Path]:
    """The small and the large database of the read tests below, filled once for the module:
    the tests only read them (read-only connections), and filling them took 0.6 CPU-s a test."""
    folder = tmp_path_factory.mktemp("bounded")
    small, large = folder / "small.db", folder / "large.db"
    _fill(small, recent=300, old=500)
    _fill(large, recent=300, old=2_000)
    return {"small": small, "large": large}


@pytest.mark.slow
@pytest.mark.parametrize("read", list(READS), ids=list(READS))
def test_list_pages_read_as_much_with_four_times_the_older_articles(filled, read):
    small, large = filled["small"], filled["large"]
    at_small, at_large = _steps(small, READS[read]), _steps(large, READS[read])
    # Reading every article or match takes about 3x the steps here (800 rows against 2,300).
    assert at_large <= 1.3 * at_small + 5, (read, at_small, at_large)


DEEP_AND_FIRST = {
    "a watchlist": (
        lambda db: reading.latest_matches(db, "often", 21),
        lambda db: reading.latest_matches(db, "often", 21, before=DEEP),
    ),
    "a rare watchlist": (
        lambda db: reading.latest_matches(db, "rare", 21),
        lambda db: reading.latest_matches(db, "rare", 21, before=DEEP),
    ),
    "the home": (
        lambda db: feed.home_page(db, "team", None, 50, None),
        lambda db: feed.home_page(db, "team", None, 50, None, top=2**62, before=600),
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("page", list(DEEP_AND_FIRST), ids=list(DEEP_AND_FIRST))
def test_a_deep_page_reads_as_much_as_the_first(filled, page):
    """A page 1,700 articles down (2,000 matches of the home's) is read from its key, not
    counted off from the top: about the steps of the first page (skipping the rows above it
    would take some 80 times as many)."""
    path = filled["large"]
    first, deep = (_steps(path, read) for read in DEEP_AND_FIRST[page])
    assert deep <= 1.5 * first + 5, (page, first, deep)


def _newest_watchlist(
    path: Path, matched: int, older: int, day: str | None = None
) -> list[ListedAt]:
    """`older` articles, then `matched` newer ones that the watchlist `newest` alone matches
    (published on `day` alone, if given): every key of its list, newest first."""
    db = store.open_database(path)
    conn = db.conn
    with conn:
        conn.execute("INSERT INTO sources(name, title) VALUES ('alpha', 'Alpha')")
        for n in range(older + matched):
            published = NOW - timedelta(minutes=10 * (older + matched - n))
            conn.execute(
                "INSERT INTO articles(id, source, url, url_key, title, published, language, text, "
                "content_hash, fetched_at) VALUES (?, 'alpha', ?, ?, ?, ?, 'fr', 'Texte', ?, ?)",
                (
                    n + 1,
                    f"https://alpha.example.ma/{n + 1}",
                    f"alpha.example.ma/{n + 1}",
                    f"Article {n + 1}",
                    day if day and n >= older else iso(published),
                    f"hash-{n + 1}",
                    iso(published + timedelta(minutes=5)),
                ),
            )
            if n >= older:
                conn.execute(
                    "INSERT INTO matches(article_id, watchlist, terms, snippet, matched_at) "
                    "VALUES (?, 'newest', '[]', '', ?)",
                    (n + 1, iso(published + timedelta(minutes=6))),
                )
    conn.execute("ANALYZE")
    keys = [
        ListedAt(when, match_id)
        for when, match_id in conn.execute(
            "SELECT coalesce(a.published, a.fetched_at), m.id FROM matches m "
            "JOIN articles a ON a.id = m.article_id ORDER BY 1 DESC, 2 DESC"
        ).fetchall()
    ]
    db.close()
    return keys


@pytest.mark.slow
def test_every_page_of_a_watchlist_whose_matches_are_the_newest_reads_as_much(tmp_path):
    """A watchlist of 2,100 matches, all in the newest articles: its first page, a page half way
    down, its last page (ten matches, then nothing older) and the page above the last read about
    the same rows with 1,000 or 4,000 older articles below its matches, and about the first
    page's. The last pages walked every older article looking for one more match."""
    small, large = tmp_path / "small.db", tmp_path / "large.db"
    keys = _newest_watchlist(small, matched=2_100, older=1_000)
    assert _newest_watchlist(large, matched=2_100, older=4_000) == keys
    pages = {
        "first": lambda db: reading.latest_matches(db, "newest", 21),
        "half way": lambda db: reading.latest_matches(db, "newest", 21, before=keys[1_050]),
        "last": lambda db: reading.latest_matches(db, "newest", 21, before=keys[2_089]),
        "above the last": lambda db: reading.latest_matches(db, "newest", 21, after=keys[2_090]),
    }
    first = _steps(large, pages["first"])
    for name, read in pages.items():
        at_small, at_large = _steps(small, read), _steps(large, read)
        assert at_large <= 1.3 * at_small + 5, (name, at_small, at_large)
        assert at_large <= 1.5 * first + 5, (name, first, at_large)
    db = store.open_database(large)
    try:  # the pages say what they should: the first 21, the last ten, the 21 above the last
        first_page = reading.latest_matches(db, "newest", 21)
        assert [r.match_id for r in first_page] == [k.match_id for k in keys[:21]]
        last = reading.latest_matches(db, "newest", 21, before=keys[2_089])
        assert [r.match_id for r in last] == [k.match_id for k in keys[2_090:]]
        above = reading.latest_matches(db, "newest", 21, after=keys[2_090])
        assert [r.match_id for r in above] == [k.match_id for k in keys[2_069:2_090]]
    finally:
        db.close()


@pytest.mark.slow
def test_a_page_among_matches_of_one_day_reads_as_much_as_the_first(tmp_path):
    """2,100 matches whose articles give their day alone (« 2026-11-20 », as an import may): a
    page's key is a date many matches share, and a page half way down, or above the last, reads
    about the first page's rows, not every match of that day beyond the key."""
    path = tmp_path / "large.db"
    keys = _newest_watchlist(path, matched=2_100, older=1_000, day="2026-11-20")
    assert {k.when for k in keys} == {"2026-11-20"} and len(keys) == 2_100
    first = _steps(path, lambda db: reading.latest_matches(db, "newest", 21))
    for name, read in {
        "half way": lambda db: reading.latest_matches(db, "newest", 21, before=keys[1_050]),
        "above the last": lambda db: reading.latest_matches(db, "newest", 21, after=keys[2_090]),
    }.items():
        assert _steps(path, read) <= 1.5 * first + 5, name
    db = store.open_database(path)
    try:
        page = reading.latest_matches(db, "newest", 21, before=keys[1_050])
        assert [r.match_id for r in page] == [k.match_id for k in keys[1_051:1_072]]
        page = reading.latest_matches(db, "newest", 21, after=keys[2_090])
        assert [r.match_id for r in page] == [k.match_id for k in keys[2_069:2_090]]
    finally:
        db.close()


def _counted(db) -> tuple[dict[str, int], dict[str, int]]:
    return (
        dict(db.execute("SELECT watchlist, count(*) FROM matches GROUP BY watchlist").fetchall()),
        dict(db.execute("SELECT source, count(*) FROM articles GROUP BY source").fetchall()),
    )


def _kept(db) -> tuple[dict[str, int], dict[str, int]]:
    articles = {s.name: s.articles for s in service_store.source_rows(db) if s.articles}
    return web_store.match_counts(db), articles


def _several_outlets(db) -> int:
    """Stories more than one outlet ran, counted from every article."""
    return db.execute(
        "SELECT count(*) FROM (SELECT story_id FROM articles WHERE story_id IS NOT NULL "
        "GROUP BY story_id HAVING count(DISTINCT source) > 1) AS shared"
    ).fetchone()[0]


def test_the_kept_counts_follow_inserts_updates_and_deletes(tmp_path, request, engine):
    path = tmp_path / "veille.db"
    _fill(path, recent=30, old=20)
    db = store.open_database(database_from(request, engine, path))
    try:
        assert (
            _kept(db)
            == _counted(db)
            == ({"often": 50, "rare": 5}, {s: 17 - (s == "gamma") for s in SOURCES})
        )
        with db.transaction():
            db.execute("UPDATE matches SET watchlist = 'rare' WHERE article_id = 2")
            db.execute("DELETE FROM matches WHERE article_id = 3")
            db.execute("UPDATE articles SET source = 'alpha' WHERE id = 5")
        assert _kept(db) == _counted(db)
        assert _kept(db)[0] == {"often": 48, "rare": 6}
        status = gather_status(db)
        assert status.articles == 50 and isinstance(status.articles, int)
        per_day = dict(
            db.execute(
                "SELECT substr(coalesce(a.published, a.fetched_at), 1, 10), count(*) "
                "FROM matches m JOIN articles a ON a.id = m.article_id "
                "WHERE m.watchlist = 'often' GROUP BY 1"
            ).fetchall()
        )
        chart = reading.matches_per_day(db, "often", today=NOW.date(), timezone="UTC")
        assert sum(n for _, n in chart) == 28  # the 30 recent but the two changed above
        assert chart == [(day, per_day.get(day, 0)) for day, _ in chart]
        assert (
            reading.languages(db)
            == ["ar", "fr"]
            == [
                row[0]
                for row in db.execute(
                    "SELECT DISTINCT language FROM articles WHERE language IS NOT NULL ORDER BY 1"
                ).fetchall()
            ]
        )
        # 50 articles: stories of four (two to three outlets) but every fifth article alone.
        assert stories_store.stories_in_several_outlets(db) == _several_outlets(db) == 13
        alone = db.execute("SELECT story_id FROM articles WHERE id = 1").fetchone()[0]  # alpha
        joined = db.execute("SELECT story_id FROM articles WHERE id = 2").fetchone()[0]
        with db.transaction():  # the story alone gets alpha's second article, then beta's
            for article_id, source, story_id in (
                (101, "alpha", alone),
                (102, "gamma", joined),
                (103, "beta", alone),
            ):
                db.execute(
                    "INSERT INTO articles(id, source, url, url_key, text, content_hash, "
                    "fetched_at) VALUES (?, ?, ?, ?, 'Texte', ?, ?)",
                    (
                        article_id,
                        source,
                        f"https://x.ma/{article_id}",
                        f"x.ma/{article_id}",
                        f"h{article_id}",
                        iso(NOW),
                    ),
                )
                article_columns.set_story(db, article_id, story_id, b"", 0)
                stories_store.note_outlet(db, story_id, article_id)
        assert stories_store.stories_in_several_outlets(db) == _several_outlets(db) == 14
        assert gather_status(db).stories_in_several_outlets == 14
    finally:
        db.close()


def test_deliveries_by_state_say_what_counting_every_delivery_says(tmp_path, request, engine):
    path = tmp_path / "veille.db"
    _fill(path, recent=30, old=40)
    db = store.open_database(database_from(request, engine, path))

    def grouped() -> dict[str, int]:
        rows = db.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall()
        return {state: count for state, count in sorted(rows)}

    try:
        assert service_store.deliveries_by_state(db) == grouped() == {"pending": 2, "sent": 5}
        with db.transaction():  # every state a delivery can be in, and one no code writes yet
            for state, alert_id in (
                ("failed", 1),
                ("sending", 2),
                ("unconfirmed", 3),
                ("held", 4),
                ("failed", 5),
            ):
                db.execute(
                    "UPDATE deliveries SET state = ? WHERE id = (SELECT min(id) FROM deliveries "
                    "WHERE state IN ('pending', 'sent') AND alert_id >= ?)",
                    (state, alert_id),
                )
        assert service_store.deliveries_by_state(db) == grouped()
        assert set(grouped()) == {"failed", "held", "sending", "sent", "unconfirmed"}
        assert gather_status(db).deliveries_by_state == grouped()
        with db.transaction():  # nothing sent yet: no `sent` at all
            db.execute("UPDATE deliveries SET state = 'pending' WHERE state = 'sent'")
        assert service_store.deliveries_by_state(db) == grouped()
        assert "sent" not in grouped()
        with db.transaction():
            db.execute("DELETE FROM deliveries")
        assert service_store.deliveries_by_state(db) == grouped() == {}
    finally:
        db.close()


def test_the_counts_step_counts_what_an_existing_database_holds(tmp_path):
    path = tmp_path / "veille.db"
    _fill(path, recent=30, old=20)
    conn = sqlite3.connect(path)
    with conn:  # the database as it was before the counts existed
        for name in ("matches_counted_ai", "matches_counted_ad", "matches_counted_au"):
            conn.execute(f"DROP TRIGGER {name}")
        for name in ("articles_counted_ai", "articles_counted_ad", "articles_counted_au"):
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("DROP TABLE watchlist_counts")
        conn.execute("DROP TABLE source_counts")
        conn.execute("DROP TABLE story_outlets")
        conn.execute("DROP TABLE story_counts")
        conn.execute(
            "DELETE FROM _sqlite_migrations WHERE name IN "
            "('0021_watchlist_counts', '0022_source_counts', '0026_story_outlets')"
        )
        conn.execute("PRAGMA user_version = 0")
    conn.close()
    _fill(path, recent=10, old=0)
    db = store.open_database(path)
    try:
        assert _kept(db) == _counted(db)
        assert sum(_kept(db)[1].values()) == 60
        assert stories_store.stories_in_several_outlets(db) == _several_outlets(db) > 10
    finally:
        db.close()


def test_health_and_status_show_the_same_sources(tmp_path):
    path = tmp_path / "veille.db"
    _fill(path, recent=30, old=20)
    report = health_report(path)
    db = store.open_database(path)
    try:
        status = gather_status(db)
    finally:
        db.close()
    assert report["sources"] == [{k: v for k, v in vars(s).items()} for s in status.sources]
    assert [s["articles"] for s in report["sources"]] == [17, 17, 16]


def test_the_week_of_matches_not_alerted_reads_the_matches_index_alone(tmp_path):
    """The week's matches that raised no alert are read from the index of their time and
    reason: not from the matches' rows (terms, snippet, hits), their articles or the alerts."""
    path = tmp_path / "veille.db"
    _fill(path, recent=30, old=20)
    db = store.open_database(path)
    try:
        since = iso(NOW - timedelta(days=7))
        plans = []
        db.conn.set_trace_callback(plans.append)
        service_store.matches_not_alerted(db, since)
        db.conn.set_trace_callback(None)
        (query,) = [q for q in plans if "FROM matches" in q]
        plan = " | ".join(row[-1] for row in db.execute(f"EXPLAIN QUERY PLAN {query}").fetchall())
        # (the two reasons are grouped in a temporary tree: two rows)
        assert plan.startswith(
            "SEARCH matches USING COVERING INDEX matches_not_alerted (matched_at>?)"
        ), plan
        assert service_store.matches_not_alerted(db, since) == {"story already alerted on": 11}
    finally:
        db.close()
