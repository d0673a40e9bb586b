"""What `veille status` shows: per source its last crawl, stored articles and last error; alert
deliveries by state; the last crawl runs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import sqlite_utils

from crawler.core.times import iso
from crawler.discovery import retries


@dataclass(frozen=True)
class SourceStatus:
    name: str
    last_crawl_at: str | None
    last_success_at: str | None
    articles: int
    error_count: int
    last_error: str | None
    last_error_at: str | None
    pace: str | None = None
    next_due_at: str | None = None
    warning: str | None = None  # e.g. far fewer article links than usual (store.record_link_counts)
    retries_waiting: int = 0  # article URLs whose fetch failed, to be tried again
    retries_given_up: int = 0
    permanent_failures: int = 0  # 404, 410, not an article: remembered, not retried


@dataclass(frozen=True)
class Status:
    sources: list[SourceStatus]
    deliveries_by_state: dict[str, int]
    alerts: int
    articles: int
    last_run: dict | None
    stories: int = 0
    stories_in_several_outlets: int = 0
    matches_not_alerted: dict[str, int] = field(default_factory=dict)  # reason -> count, 7 days


def gather_status(db: sqlite_utils.Database) -> Status:
    rows = db.execute(
        "SELECT s.name, s.last_crawl_at, s.last_success_at, "
        "(SELECT count(*) FROM articles a WHERE a.source = s.name), "
        "s.error_count, s.last_error, s.last_error_at, s.pace, s.next_due_at, s.warning "
        "FROM sources s ORDER BY s.name"
    ).fetchall()
    booked = retries.counts_by_source(db.conn)
    states = dict(db.execute("SELECT state, count(*) FROM deliveries GROUP BY state").fetchall())
    run = db.execute(
        "SELECT id, started_at, finished_at, status, new_articles, errors FROM crawl_runs "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    last_run = (
        dict(
            zip(
                ["id", "started_at", "finished_at", "status", "new_articles", "errors"],
                run,
                strict=True,
            )
        )
        if run
        else None
    )
    week_ago = iso(datetime.now(UTC) - timedelta(days=7))
    not_alerted = dict(
        db.execute(
            "SELECT CASE WHEN EXISTS (SELECT 1 FROM alerts s "
            "  WHERE s.story_id = a.story_id AND s.watchlist = m.watchlist) "
            "THEN 'story already alerted on' ELSE 'article older than the alert age limit' END, "
            "count(*) FROM matches m JOIN articles a ON a.id = m.article_id "
            "LEFT JOIN alerts al ON al.match_id = m.id "
            "WHERE al.id IS NULL AND m.matched_at >= ? GROUP BY 1",
            [week_ago],
        ).fetchall()
    )
    return Status(
        matches_not_alerted=not_alerted,
        sources=[
            replace(
                SourceStatus(*row),
                retries_waiting=booked.get(row[0], {}).get(retries.WAITING, 0),
                retries_given_up=booked.get(row[0], {}).get(retries.GIVEN_UP, 0),
                permanent_failures=booked.get(row[0], {}).get(retries.PERMANENT, 0),
            )
            for row in rows
        ],
        deliveries_by_state=states,
        alerts=db.execute("SELECT count(*) FROM alerts").fetchone()[0],
        articles=db.execute("SELECT count(*) FROM articles").fetchone()[0],
        last_run=last_run,
        stories=db.execute("SELECT count(*) FROM stories").fetchone()[0],
        stories_in_several_outlets=db.execute(
            "SELECT count(*) FROM (SELECT story_id FROM articles WHERE story_id IS NOT NULL "
            "GROUP BY story_id HAVING count(DISTINCT source) > 1)"
        ).fetchone()[0],
    )
