"""The storage of the retry book (crawler.discovery.retries decides; this keeps): article URLs
whose fetch failed, with their state, attempts, last reason and when they are due again."""

from __future__ import annotations

from typing import NamedTuple

from crawler.storage.engine import Database


class Failure(NamedTuple):
    """A failed fetch as the book records it (times ISO-8601, `due` None when not retried)."""

    url_key: str
    url: str
    source: str
    state: str
    attempts: int
    kind: str
    reason: str
    at: str
    due: str | None
    feed_title: str | None
    feed_published: str | None


def attempts(db: Database, url_key: str) -> int:
    """How many failed fetches of this URL the book holds (0 if none)."""
    row = db.execute(
        "SELECT attempts FROM article_retries WHERE url_key = ?", (url_key,)
    ).fetchone()
    return int(row[0]) if row else 0


def book(db: Database, failure: Failure) -> None:
    """Record a failure: a new URL is booked, a booked one gets its new state, attempts, reason
    and due time (its first failure time and feed metadata kept)."""
    with db.transaction():
        db.execute(
            "INSERT INTO article_retries(url_key, url, source, state, attempts, kind, reason, "
            "first_failed_at, last_failed_at, next_attempt_at, feed_title, feed_published) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(url_key) DO UPDATE SET "
            "state=excluded.state, attempts=excluded.attempts, kind=excluded.kind, "
            "reason=excluded.reason, last_failed_at=excluded.last_failed_at, "
            "next_attempt_at=excluded.next_attempt_at, "
            "feed_title=coalesce(excluded.feed_title, article_retries.feed_title), "
            "feed_published=coalesce(excluded.feed_published, article_retries.feed_published)",
            (
                failure.url_key,
                failure.url,
                failure.source,
                failure.state,
                failure.attempts,
                failure.kind,
                failure.reason,
                failure.at,
                failure.at,
                failure.due,
                failure.feed_title,
                failure.feed_published,
            ),
        )


def forget(db: Database, url_key: str, keep_state: str) -> None:
    """Drop the URL from the book, unless its state is `keep_state`."""
    with db.transaction():
        db.execute(
            "DELETE FROM article_retries WHERE url_key = ? AND state != ?", (url_key, keep_state)
        )


def state(db: Database, url_key: str) -> tuple[str, str | None] | None:
    """(state, next attempt time) of a booked URL, None if never booked."""
    row = db.execute(
        "SELECT state, next_attempt_at FROM article_retries WHERE url_key = ?", (url_key,)
    ).fetchone()
    return (row[0], row[1]) if row else None


class Booked(NamedTuple):
    url: str
    feed_title: str | None
    feed_published: str | None
    attempts: int


def due(db: Database, source: str, state: str, now: str, limit: int) -> list[Booked]:
    """The source's URLs in `state` due at `now`, oldest due first, at most `limit`."""
    rows = db.execute(
        "SELECT url, feed_title, feed_published, attempts FROM article_retries "
        "WHERE source = ? AND state = ? AND next_attempt_at <= ? "
        "ORDER BY next_attempt_at LIMIT ?",
        (source, state, now, limit),
    ).fetchall()
    return [Booked(*row) for row in rows]


def counts_by_source(db: Database) -> dict[str, dict[str, int]]:
    """{source: {state: count}}."""
    counts: dict[str, dict[str, int]] = {}
    for source, state_name, count in db.execute(
        "SELECT source, state, count(*) FROM article_retries GROUP BY source, state"
    ).fetchall():
        counts.setdefault(source, {})[state_name] = count
    return counts
