"""The tables of alerts: matches of watchlists, alerts, deliveries (the outbox).

Declared here, applied by crawler.storage.schema in the order of its OWNERS."""

from __future__ import annotations

OWNER = "monitors.alerts"

# (name, SQL): each runs once, in order, recorded in _sqlite_migrations under OWNER.
STEPS: list[tuple[str, str]] = [
    # Matches of watchlists, the alerts they raise and one delivery per channel: the outbox.
    (
        "0001_matches_alerts_deliveries",
        r"""
        CREATE TABLE IF NOT EXISTS matches (
                id INTEGER PRIMARY KEY,
                article_id INTEGER NOT NULL REFERENCES articles(id),
                watchlist TEXT NOT NULL,
                terms TEXT NOT NULL,
                snippet TEXT NOT NULL,
                matched_at TEXT NOT NULL,
                UNIQUE (article_id, watchlist)
            );
        CREATE TABLE IF NOT EXISTS alerts (
                id INTEGER PRIMARY KEY,
                match_id INTEGER NOT NULL UNIQUE REFERENCES matches(id),
                article_id INTEGER NOT NULL REFERENCES articles(id),
                watchlist TEXT NOT NULL,
                created_at TEXT NOT NULL,
                UNIQUE (article_id, watchlist)
            );
        CREATE TABLE IF NOT EXISTS deliveries (
                id INTEGER PRIMARY KEY,
                alert_id INTEGER NOT NULL REFERENCES alerts(id),
                channel TEXT NOT NULL,
                state TEXT NOT NULL DEFAULT 'pending',
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT NOT NULL,
                last_error TEXT,
                sent_at TEXT,
                UNIQUE (alert_id, channel)
            );
        CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(state, next_attempt_at);
        """,
    ),
    # Why each match happened: every hit (term, field, offsets), for alerts and `rules test`.
    (
        "0002_match_hits",
        r"""
        ALTER TABLE matches ADD COLUMN hits TEXT NOT NULL DEFAULT '[]';
        """,
    ),
    # Deliveries waiting for a digest (digest schedule, flood control, quiet hours).
    (
        "0003_digests",
        r"""
        ALTER TABLE deliveries ADD COLUMN digest INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX IF NOT EXISTS deliveries_recent ON deliveries(channel, state, sent_at);
        """,
    ),
    # One alert per story and watchlist; updates of an alerted story marked.
    (
        "0004_alerts_per_story",
        r"""
        ALTER TABLE alerts ADD COLUMN story_id INTEGER REFERENCES stories(id);
        ALTER TABLE alerts ADD COLUMN is_update INTEGER NOT NULL DEFAULT 0;
        CREATE UNIQUE INDEX IF NOT EXISTS alerts_story_watchlist ON alerts(story_id, watchlist);
        """,
    ),
]
