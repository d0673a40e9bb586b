"""How often each source is crawled: sources that publish rarely are polled less (up to 4x their
interval), failing sources back off exponentially (up to a day), and both come back to their
normal pace as soon as a crawl finds something or succeeds again. Decisions are pure functions of
the last outcome; the state is kept on the source's row, so it survives restarts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from crawler.store import iso

MAX_QUIET_FACTOR = 4.0
MAX_QUIET_DELAY = timedelta(hours=6)
MAX_BACKOFF = timedelta(hours=24)


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
) -> Pace:
    if not succeeded:
        failures += 1
        delay = min(interval * (2 ** min(failures, 10)), MAX_BACKOFF)
        return Pace(
            now + delay, failures, quiet_cycles, f"backing off after {failures} failed crawl(s)"
        )
    if new_articles == 0:
        quiet_cycles += 1
        factor = min(1 + 0.5 * quiet_cycles, MAX_QUIET_FACTOR)
        delay = max(interval, min(interval * factor, MAX_QUIET_DELAY))
        return Pace(
            now + delay, 0, quiet_cycles, f"quiet: every {int(delay.total_seconds() // 60)} min"
        )
    return Pace(now + interval, 0, 0, "normal")


def is_due(db: sqlite_utils.Database, source: str, now: datetime) -> bool:
    row = db.execute("SELECT next_due_at FROM sources WHERE name = ?", [source]).fetchone()
    return not row or not row[0] or row[0] <= iso(now)


def record_outcome(
    db: sqlite_utils.Database,
    source: str,
    interval_minutes: float,
    counts: dict,
    now: datetime | None = None,
) -> Pace:
    """Update a source's pace after a crawl (counts as the spider reported them)."""
    now = now or datetime.now(UTC)
    row = db.execute(
        "SELECT consecutive_failures, quiet_cycles FROM sources WHERE name = ?", [source]
    ).fetchone()
    failures, quiet = row if row else (0, 0)
    succeeded = counts.get("entry_ok", 0) > 0
    pace = next_pace(
        timedelta(minutes=interval_minutes),
        succeeded,
        counts.get("new", 0) + counts.get("updated", 0),
        failures,
        quiet,
        now,
    )
    with db.conn:
        db.conn.execute(
            "UPDATE sources SET consecutive_failures=?, quiet_cycles=?, next_due_at=?, pace=? WHERE name=?",
            (pace.failures, pace.quiet_cycles, iso(pace.due), pace.description, source),
        )
    return pace
