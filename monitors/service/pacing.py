"""How often each source is crawled, following its rhythm of publication.

A source with a history (20 articles or more with a known hour of publication, over at least a
week of the last four) is polled by its usual publications at each hour of the week: the wait
between two polls at an hour goes as one over the square root of the articles expected then
(the spacing that gives the shortest delays for a number of polls), scaled so that the median
article, by that rhythm, waits at most `MEDIAN_SHARE` of what fixed polling at the source's
`interval_minutes` would make it wait (half the interval), with as few polls as that allows:
every few minutes for a big portal at noon or a weekly magazine on its morning, every few hours
at night or on days a source does not publish, never more often than `MIN_POLL` nor less often
than `MAX_POLL`. A source without history keeps its `interval_minutes`, slowed down (up to 4x)
while it publishes nothing. Failing sources back off exponentially (up to a day), and come back
to their pace as soon as a crawl succeeds. Decisions are pure functions of the last outcome and
the history; the state is kept on the source's row, so it survives restarts."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from crawler.core.counts import SourceCounts
from crawler.core.times import iso, parse_timestamp
from crawler.extraction.dates import parse_date, stored_precision
from crawler.storage import store as crawler_store
from crawler.storage.engine import Database
from monitors.service import store as service_store

MAX_QUIET_FACTOR = 4.0
MAX_QUIET_DELAY = timedelta(hours=6)
MAX_BACKOFF = timedelta(hours=24)
# A backoff is cut by up to this share, drawn per source, so that sources that failed together
# (a network outage, a crawl worker killed with their crawls) do not all come back together.
BACKOFF_JITTER = 0.2
MIN_POLL = timedelta(minutes=2)  # a 304 every two minutes is polite to any news site
MAX_POLL = timedelta(hours=6)
# The median delay from publication to poll the rhythm aims at, as a share of fixed polling's
# (half the interval): below 1, so that the promise (never slower than fixed polling, at the
# median) holds with a margin for the weeks that do not follow the rhythm (bench/freshness.py).
MEDIAN_SHARE = 0.6
HISTORY_DAYS = 28
MIN_HISTORY = 20  # articles with a known hour in HISTORY_DAYS before the rhythm is trusted
MIN_SPAN = timedelta(days=7)  # and observed over at least a week
RHYTHM_REFRESH = timedelta(hours=1)


def hourly_rates(counts: dict[tuple[int, int], int], days: float) -> list[float]:
    """Articles per hour for each hour of the week (Monday 00:00 UTC first, 168 values), from
    counts by (weekday, hour) over `days` days: half the source's usual rate at that hour of any
    day, half its rate at that hour of that weekday (a weekly magazine out on Thursday mornings
    is watched on Thursday mornings); each hour smoothed with its neighbours."""
    days = max(days, 1.0)
    weeks = max(days / 7, 1.0)
    by_hour = [sum(counts.get((w, h), 0) for w in range(7)) / days for h in range(24)]
    raw = [
        0.5 * by_hour[h] + 0.5 * counts.get((w, h), 0) / weeks for w in range(7) for h in range(24)
    ]
    return [(raw[i - 1] + 2 * raw[i] + raw[(i + 1) % 168]) / 4 for i in range(168)]


def _median_wait(rates: tuple[float, ...], gaps: list[float]) -> float:
    """The median wait (minutes) of an article from its publication to the next poll, when
    hour h of the week (rate rates[h]) is polled every gaps[h] minutes: an article waits a
    uniform share of its hour's gap."""
    total = sum(rates)
    low, high = 0.0, max(gaps)
    for _ in range(16):  # to 1/65,536 of the longest gap
        middle = (low + high) / 2
        share = sum(r * min(1.0, middle / g) for r, g in zip(rates, gaps, strict=True)) / total
        low, high = (low, middle) if share >= 0.5 else (middle, high)
    return high


@lru_cache(maxsize=512)
def poll_gaps(rates: tuple[float, ...], interval_minutes: float) -> tuple[float, ...]:
    """Minutes between two polls at each hour of the week (168 values): c / sqrt(rate) within
    [MIN_POLL, MAX_POLL], with the largest c (the fewest polls) whose median wait is at most
    MEDIAN_SHARE of fixed polling's (interval / 2). A source that never published waits
    MAX_POLL everywhere."""
    floor, ceiling = MIN_POLL.total_seconds() / 60, MAX_POLL.total_seconds() / 60
    if sum(rates) <= 0:
        return (ceiling,) * len(rates)
    target = MEDIAN_SHARE * interval_minutes / 2

    def spaced(c: float) -> list[float]:
        return [min(ceiling, max(floor, c / math.sqrt(max(rate, 1e-3)))) for rate in rates]

    low, high = 1e-3, 1e4  # c: every gap at the floor, every gap at the ceiling
    for _ in range(14):  # geometric bisection: within 0.1 % of the best c
        middle = math.sqrt(low * high)
        if _median_wait(rates, spaced(middle)) > target:
            high = middle
        else:
            low = middle
    return tuple(spaced(low))


def rhythm_delay(
    rates: list[float], now: datetime, interval: timedelta = timedelta(minutes=15)
) -> timedelta:
    """The wait until the next poll from `now`: minute by minute, each minute counts for one
    over its hour's gap (poll_gaps), and the poll is due when they add up to one (a night's
    long gap ends soon after the morning's short ones begin); within [MIN_POLL, MAX_POLL]."""
    gaps = poll_gaps(tuple(rates), interval.total_seconds() / 60)
    due = 0.0
    waited = 0
    moment = now.astimezone(UTC)
    ceiling = int(MAX_POLL.total_seconds() // 60)
    while waited < ceiling and due < 1.0:
        due += 1 / gaps[moment.weekday() * 24 + moment.hour]
        waited += 1
        moment += timedelta(minutes=1)
    return max(MIN_POLL, min(timedelta(minutes=waited), MAX_POLL))


@dataclass(frozen=True)
class Pace:
    due: datetime
    failures: int
    quiet_cycles: int
    description: str


def next_pace(
    interval: timedelta,
    succeeded: bool,
    new_articles: int,
    failures: int,
    quiet_cycles: int,
    now: datetime,
    rates: list[float] | None = None,
    jitter: float = 1.0,
) -> Pace:
    """The next crawl of a source; `rates` (articles per hour of the week) when it has a
    history; a backoff is multiplied by `jitter` (record_outcome draws it from
    1 - BACKOFF_JITTER to 1)."""
    if not succeeded:
        failures += 1
        delay = min(interval * (2 ** min(failures, 10)), MAX_BACKOFF) * jitter
        return Pace(
            now + delay, failures, quiet_cycles, f"backing off after {failures} failed crawl(s)"
        )
    if rates is not None:
        delay = rhythm_delay(rates, now, interval)
        quiet_cycles = 0 if new_articles else quiet_cycles + 1
        return Pace(
            now + delay,
            0,
            quiet_cycles,
            f"rhythm: {sum(rates) / 7:.0f} articles a day, next in "
            f"{int(delay.total_seconds() // 60)} min",
        )
    if new_articles == 0:
        quiet_cycles += 1
        factor = min(1 + 0.5 * quiet_cycles, MAX_QUIET_FACTOR)
        delay = max(interval, min(interval * factor, MAX_QUIET_DELAY))
        return Pace(
            now + delay, 0, quiet_cycles, f"quiet: every {int(delay.total_seconds() // 60)} min"
        )
    return Pace(now + interval, 0, 0, "normal")


_RATES: dict[tuple[str, str], tuple[datetime, list[float] | None]] = {}


def publication_moment(published: str | None, fetched_at: str | None) -> datetime | None:
    """When an article came out, to the hour (UTC), or None when that is not known: a date
    without a time of day (a day-only date is not "published at midnight") or a year says
    nothing of the hour. An article without a publication date counts when it was fetched."""
    if published:
        when = parse_date(published)
        # Read as stored (stored_precision): « 2023-11-01T00:00:00Z » is 01:00 in Casablanca,
        # written « 2023-11-01T01:00:00+01:00 », not a day.
        if when is None or stored_precision(published) != "time":
            return None
    else:
        when = parse_timestamp(fetched_at) if fetched_at else None
    return when.astimezone(UTC) if when is not None else None


def rhythm_from(moments: list[datetime], now: datetime) -> list[float] | None:
    """Articles per hour of the week from the moments of the last `HISTORY_DAYS` days, or None
    until they show a rhythm: at least `MIN_HISTORY` articles over at least `MIN_SPAN` (a
    first crawl's backlog of one afternoon is no rhythm of the week)."""
    since = now - timedelta(days=HISTORY_DAYS)
    recent = [m for m in moments if since <= m <= now]
    if len(recent) < MIN_HISTORY:
        return None
    span = now - min(recent)
    if span < MIN_SPAN:
        return None
    counts: dict[tuple[int, int], int] = {}
    for moment in recent:
        key = (moment.weekday(), moment.hour)
        counts[key] = counts.get(key, 0) + 1
    return hourly_rates(counts, span.total_seconds() / 86400)


def source_rates(db: Database, source: str, now: datetime) -> list[float] | None:
    """A source's articles per hour of the week over the last four weeks (by publication time,
    else fetch time; dates without a time of day are left out), or None when it shows no rhythm
    yet (rhythm_from). Kept an hour."""
    key = (service_store.database_name(db), source)
    cached = _RATES.get(key)
    if cached is not None and now - cached[0] < RHYTHM_REFRESH:
        return cached[1]
    # A day's margin on the text comparison (offsets); rhythm_from keeps the exact window.
    since = iso(now - timedelta(days=HISTORY_DAYS + 1))
    moments = [
        moment
        for published, fetched_at in service_store.publication_dates(db, source, since)
        if (moment := publication_moment(published, fetched_at)) is not None
    ]
    rates = rhythm_from(moments, now)
    _RATES[key] = (now, rates)
    return rates


def is_due(db: Database, source: str, now: datetime) -> bool:
    due = service_store.next_due_at(db, source)
    return not due or due <= iso(now)


def record_outcome(
    db: Database,
    source: str,
    interval_minutes: float,
    counts: SourceCounts,
    now: datetime | None = None,
) -> Pace:
    """Update a source's pace after a crawl (counts as the spider reported them)."""
    now = now or datetime.now(UTC)
    failures, quiet = service_store.pace_counters(db, source)
    succeeded = counts.get("entry_ok", 0) > 0
    pace = next_pace(
        timedelta(minutes=interval_minutes),
        succeeded,
        counts.get("new", 0) + counts.get("updated", 0),
        failures,
        quiet,
        now,
        source_rates(db, source, now) if succeeded else None,
        jitter=random.uniform(1 - BACKOFF_JITTER, 1.0),  # noqa: S311 (spreading, not secrecy)
    )
    crawler_store.save_source_pace(
        db, source, pace.failures, pace.quiet_cycles, iso(pace.due), pace.description
    )
    return pace


# A crawl cut short through no fault of its source is tried again this soon (plus up to half of
# it, drawn per source).
RETRY_AFTER_INTERRUPTION = timedelta(minutes=2)


def record_interruption(db: Database, source: str, now: datetime | None = None) -> Pace:
    """A crawl that ended with the crawl worker that carried it (killed for its silence, with
    every crawl under way): no failure is counted and nothing backs off; the source is due again
    in 2 to 3 minutes."""
    now = now or datetime.now(UTC)
    failures, quiet = service_store.pace_counters(db, source)
    delay = RETRY_AFTER_INTERRUPTION * random.uniform(1.0, 1.5)  # noqa: S311 (spreading)
    pace = Pace(now + delay, failures, quiet, "crawl interrupted by its worker: again soon")
    crawler_store.save_source_pace(
        db, source, pace.failures, pace.quiet_cycles, iso(pace.due), pace.description
    )
    return pace
