"""The retry book: article URLs whose fetch failed, tried again on later crawls, then given up.

A feed that answers 304 no longer lists an article whose fetch failed in the crawl that first
saw it, so without this book a 500, a timeout or a reset would lose the article for good. A
failure worth retrying (5xx, 429, timeout, connection refused or reset, truncated page) books the
URL with a backoff; every crawl of its source asks for the URLs that are due, even when the
entry points are unchanged; after `MAX_ATTEMPTS` the URL is given up with its last reason.
Permanent failures (404, 410, a page that is not an article) are remembered and never retried.
`veille status` shows, per source, the URLs waiting and given up.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

WAITING, GIVEN_UP, PERMANENT = "waiting", "given-up", "permanent"
MAX_ATTEMPTS = 5
# Wait before attempt n+1 after n failures: the next crawl, then 30 min, 2 h, 8 h.
BACKOFF = (timedelta(0), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=8))
MAX_RETRIES_PER_CRAWL = 20  # per source: a site that fails everything costs a bounded number

_PERMANENT_KINDS = {"http-404", "http-410", "not-article", "not-html", "blocked-address"}


def is_retryable(kind: str) -> bool:
    """Whether a failure of this kind (crawler.spiders.news.describe_failure) may pass."""
    if kind in _PERMANENT_KINDS:
        return False
    if kind.startswith("http-"):
        status = int(kind.removeprefix("http-") or 0)
        return status >= 500 or status in (408, 425, 429)
    return kind not in ("too-large", "redirect-loop", "ignored")


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class DueRetry:
    url: str
    feed_title: str | None
    feed_published: str | None
    attempts: int


def book_failure(
    conn: sqlite3.Connection,
    source: str,
    url_key: str,
    url: str,
    kind: str,
    reason: str,
    feed_title: str | None = None,
    feed_published: str | None = None,
    now: datetime | None = None,
) -> str:
    """Record a failed fetch of an article URL; returns its state afterwards."""
    now = now or datetime.now(UTC)
    row = conn.execute(
        "SELECT attempts FROM article_retries WHERE url_key = ?", (url_key,)
    ).fetchone()
    attempts = (row[0] if row else 0) + 1
    if not is_retryable(kind):
        state, due = PERMANENT, None
    elif attempts >= MAX_ATTEMPTS:
        state, due = GIVEN_UP, None
    else:
        state, due = WAITING, _iso(now + BACKOFF[min(attempts, len(BACKOFF)) - 1])
    with conn:
        conn.execute(
            "INSERT INTO article_retries(url_key, url, source, state, attempts, kind, reason, "
            "first_failed_at, last_failed_at, next_attempt_at, feed_title, feed_published) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(url_key) DO UPDATE SET "
            "state=excluded.state, attempts=excluded.attempts, kind=excluded.kind, "
            "reason=excluded.reason, last_failed_at=excluded.last_failed_at, "
            "next_attempt_at=excluded.next_attempt_at, "
            "feed_title=coalesce(excluded.feed_title, feed_title), "
            "feed_published=coalesce(excluded.feed_published, feed_published)",
            (
                url_key,
                url,
                source,
                state,
                attempts,
                kind,
                reason[:500],
                _iso(now),
                _iso(now),
                due,
                feed_title,
                feed_published,
            ),
        )
    return state


def clear(conn: sqlite3.Connection, url_key: str) -> None:
    """The URL was fetched: nothing left to retry."""
    with conn:
        conn.execute(
            "DELETE FROM article_retries WHERE url_key = ? AND state != ?", (url_key, PERMANENT)
        )


def state_of(conn: sqlite3.Connection, url_key: str, now: datetime | None = None) -> str | None:
    """'permanent', 'given-up', 'waiting' (not due yet), 'due', or None if never failed."""
    row = conn.execute(
        "SELECT state, next_attempt_at FROM article_retries WHERE url_key = ?", (url_key,)
    ).fetchone()
    if row is None:
        return None
    state, due = row
    if state == WAITING and due <= _iso(now or datetime.now(UTC)):
        return "due"
    return state


def due_retries(
    conn: sqlite3.Connection,
    source: str,
    now: datetime | None = None,
    limit: int = MAX_RETRIES_PER_CRAWL,
) -> list[DueRetry]:
    """The source's booked URLs due for another attempt, oldest first."""
    rows = conn.execute(
        "SELECT url, feed_title, feed_published, attempts FROM article_retries "
        "WHERE source = ? AND state = ? AND next_attempt_at <= ? "
        "ORDER BY next_attempt_at LIMIT ?",
        (source, WAITING, _iso(now or datetime.now(UTC)), limit),
    ).fetchall()
    return [DueRetry(*row) for row in rows]


def counts_by_source(conn: sqlite3.Connection) -> dict[str, dict[str, int]]:
    """{source: {state: count}} for `veille status`."""
    counts: dict[str, dict[str, int]] = {}
    for source, state, count in conn.execute(
        "SELECT source, state, count(*) FROM article_retries GROUP BY source, state"
    ):
        counts.setdefault(source, {})[state] = count
    return counts
