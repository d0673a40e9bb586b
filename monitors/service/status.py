"""What `veille status` shows: per source its last crawl, stored articles and last error; alert
deliveries by state; the last crawl runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from crawler.core.times import iso
from crawler.discovery import retries
from crawler.storage.engine import Database
from monitors.service import store as service_store


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


def source_statuses(db: Database) -> list[SourceStatus]:
    """Every source's state (crawl dates, stored articles, last error, pace, retries): what the
    reader's sources page and /health show, without the totals of `veille status`."""
    booked = retries.counts_by_source(db)
    return [
        SourceStatus(
            *row,
            retries_waiting=booked.get(row.name, {}).get(retries.WAITING, 0),
            retries_given_up=booked.get(row.name, {}).get(retries.GIVEN_UP, 0),
            permanent_failures=booked.get(row.name, {}).get(retries.PERMANENT, 0),
        )
        for row in service_store.source_rows(db)
    ]


def gather_status(db: Database) -> Status:
    run = service_store.last_run(db)
    counted = service_store.totals(db)
    return Status(
        matches_not_alerted=service_store.matches_not_alerted(
            db, iso(datetime.now(UTC) - timedelta(days=7))
        ),
        sources=source_statuses(db),
        deliveries_by_state=service_store.deliveries_by_state(db),
        alerts=counted.alerts,
        articles=counted.articles,
        last_run=run._asdict() if run else None,
        stories=counted.stories,
        stories_in_several_outlets=counted.stories_in_several_outlets,
    )
