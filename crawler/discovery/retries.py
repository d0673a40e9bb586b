"""The retry book: article URLs whose fetch failed, tried again on later crawls, then given up.

A feed that answers 304 no longer lists an article whose fetch failed in the crawl that first
saw it, so without this book a 500, a timeout or a reset would lose the article for good. A
failure worth retrying (5xx, 429, timeout, connection refused or reset, truncated page) books the
URL with a backoff; every crawl of its source asks for the URLs that are due, even when the
entry points are unchanged; after `MAX_ATTEMPTS` the URL is given up with its last reason.
Permanent failures (404, 410, a page that is not an article or too slow to extract) are
remembered and never retried.
`veille status` shows, per source, the URLs waiting and given up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from crawler.storage import retry_book
from crawler.storage.engine import Database

WAITING, GIVEN_UP, PERMANENT = "waiting", "given-up", "permanent"
MAX_ATTEMPTS = 5
# Wait before attempt n+1 after n failures: the next crawl, then 30 min, 2 h, 8 h.
BACKOFF = (timedelta(0), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=8))
MAX_RETRIES_PER_CRAWL = 20  # per source: a site that fails everything costs a bounded number

_PERMANENT_KINDS = {
    "http-404",
    "http-410",
    "not-article",
    "too-slow",  # past the extraction budget (crawler.extraction.budget): it would be again
    "not-html",
    "blocked-address",
}


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
    db: Database,
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
    attempts = retry_book.attempts(db, url_key) + 1
    if not is_retryable(kind):
        state, due = PERMANENT, None
    elif attempts >= MAX_ATTEMPTS:
        state, due = GIVEN_UP, None
    else:
        state, due = WAITING, _iso(now + BACKOFF[min(attempts, len(BACKOFF)) - 1])
    retry_book.book(
        db,
        retry_book.Failure(
            url_key,
            url,
            source,
            state,
            attempts,
            kind,
            reason[:500],
            _iso(now),
            due,
            feed_title,
            feed_published,
        ),
    )
    return state


def clear(db: Database, url_key: str) -> None:
    """The URL was fetched: nothing left to retry."""
    retry_book.forget(db, url_key, keep_state=PERMANENT)


def state_of(db: Database, url_key: str, now: datetime | None = None) -> str | None:
    """'permanent', 'given-up', 'waiting' (not due yet), 'due', or None if never failed."""
    booked = retry_book.state(db, url_key)
    if booked is None:
        return None
    state, due = booked
    if state == WAITING and due is not None and due <= _iso(now or datetime.now(UTC)):
        return "due"
    return state


def due_retries(
    db: Database,
    source: str,
    now: datetime | None = None,
    limit: int = MAX_RETRIES_PER_CRAWL,
) -> list[DueRetry]:
    """The source's booked URLs due for another attempt, oldest first."""
    return [
        DueRetry(*row)
        for row in retry_book.due(db, source, WAITING, _iso(now or datetime.now(UTC)), limit)
    ]


def counts_by_source(db: Database) -> dict[str, dict[str, int]]:
    """{source: {state: count}} for `veille status`."""
    return retry_book.counts_by_source(db)
