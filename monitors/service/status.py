"""What `veille status` shows: per source its last crawl, stored articles and last error, and
what extraction declined or did not take; alert deliveries by state; the last crawl runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from crawler.core.counts import DECLINED, NAVIGATION_TEXT, TOO_SLOW
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
    # Extraction's verdicts, never silent: pages declined (not an article, or too slow to
    # extract) and texts kept that read like navigation, over the last 7 days; links of the
    # last crawl's entry points not taken as articles, by reason (a video, prayer times...).
    pages_declined: int = 0
    navigation_texts: int = 0
    links_not_taken: dict[str, int] = field(default_factory=dict)


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
    """Every source's state (crawl dates, stored articles, last error, pace, retries, pages
    declined, texts like navigation, links not taken as articles): what the reader's sources
    page and /health show, without the totals of `veille status`."""
    booked = retries.counts_by_source(db)
    week_ago = iso(datetime.now(UTC) - timedelta(days=7))
    drops = service_store.extraction_drops(db, (DECLINED, TOO_SLOW, NAVIGATION_TEXT), week_ago)
    not_taken = service_store.links_not_taken(db)
    return [
        SourceStatus(
            *row,
            retries_waiting=booked.get(row.name, {}).get(retries.WAITING, 0),
            retries_given_up=booked.get(row.name, {}).get(retries.GIVEN_UP, 0),
            permanent_failures=booked.get(row.name, {}).get(retries.PERMANENT, 0),
            pages_declined=sum(drops.get(row.name, {}).get(k, 0) for k in (DECLINED, TOO_SLOW)),
            navigation_texts=drops.get(row.name, {}).get(NAVIGATION_TEXT, 0),
            links_not_taken=not_taken.get(row.name, {}),
        )
        for row in service_store.source_rows(db)
    ]


def gather_status(db: Database, now: datetime | None = None) -> Status:
    """Everything `veille status` shows, as of `now` (the week of matches not alerted ends
    there; default: the present)."""
    run = service_store.last_run(db)
    counted = service_store.totals(db)
    return Status(
        matches_not_alerted=service_store.matches_not_alerted(
            db, iso((now or datetime.now(UTC)) - timedelta(days=7))
        ),
        sources=source_statuses(db),
        deliveries_by_state=service_store.deliveries_by_state(db),
        alerts=counted.alerts,
        articles=counted.articles,
        last_run=run._asdict() if run else None,
        stories=counted.stories,
        stories_in_several_outlets=counted.stories_in_several_outlets,
    )


def extraction_line(source: SourceStatus) -> str:
    """What extraction did not store for a source, in words ('' when nothing): pages declined,
    texts kept that read like navigation, listing links not taken, by reason."""
    parts = []
    if source.pages_declined:
        parts.append(f"{source.pages_declined} page(s) declined")
    if source.navigation_texts:
        parts.append(f"{source.navigation_texts} text(s) kept that read like navigation")
    if source.links_not_taken:
        total = sum(source.links_not_taken.values())
        reasons = ", ".join(
            f"{count} {reason}"
            for reason, count in sorted(source.links_not_taken.items(), key=lambda i: -i[1])
        )
        parts.append(f"{total} link(s) not taken as articles ({reasons})")
    return "; ".join(parts)
