"""How fresh alerts are with the real pacing policy (monitors.service.pacing), on a simulated clock:
a busy portal (~150 articles a day with a daily cycle), a business medium (~20 a day in office
hours) and a weekly magazine (a few articles, on Thursday mornings), four weeks of history then
one week measured. Prints the delay from publication to alert (median, 95th percentile) and the
polls per source per day, next to fixed 15-minute polling.

    .venv/bin/python bench/freshness.py [--days 7] [--seed 1]

A poll finds the articles published since the previous one; the alert goes out when the crawl
ends (CRAWL_SECONDS later: the daemon matches and delivers as soon as a crawl stored something).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitors.service.pacing import HISTORY_DAYS, hourly_rates, next_pace  # noqa: E402

CRAWL_SECONDS = 20  # fetch the feed and the new articles, extract, store, match, send
FIXED = timedelta(minutes=15)
START = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday

# Share of a day's articles per hour, in UTC (Morocco is UTC+1): morning and evening peaks.
PORTAL = [1, 0.5, 0.3, 0.3, 0.5, 1, 3, 6, 9, 10, 10, 9, 8, 8, 8, 7, 7, 8, 8, 6, 5, 4, 3, 2]
OFFICE = [0, 0, 0, 0, 0, 0, 0.5, 2, 5, 7, 7, 6, 4, 5, 6, 5, 3, 1, 0.5, 0, 0, 0, 0, 0]
MAGAZINE = [0, 0, 0, 0, 0, 0, 0, 1, 6, 8, 5, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]

SOURCES = [
    # name, articles per day (or per week for the weekly), hourly shape, weekdays it publishes
    ("busy portal", 150, PORTAL, range(7)),
    ("business medium", 20, OFFICE, range(5)),
    ("weekly magazine", 6, MAGAZINE, [3]),  # six articles, all on Thursday
]


def publications(per_day: float, shape: list[float], weekdays, days: int, rng) -> list[datetime]:
    """Publication times: a Poisson process following `shape` through the day."""
    times = []
    total = sum(shape)
    for day in range(days):
        date = START + timedelta(days=day)
        if date.weekday() not in weekdays:
            continue
        for hour, weight in enumerate(shape):
            expected = per_day * weight / total
            count = _poisson(expected, rng)
            for _ in range(count):
                times.append(date + timedelta(hours=hour, seconds=rng.uniform(0, 3600)))
    return sorted(times)


def _poisson(mean: float, rng) -> int:
    count, limit, product = 0, pow(2.718281828459045, -mean), rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _rates(history: list[datetime], now: datetime) -> list[float] | None:
    since = now - timedelta(days=HISTORY_DAYS)
    counts = Counter((t.weekday(), t.hour) for t in history if since <= t < now)
    if sum(counts.values()) < 20:
        return None
    return hourly_rates(dict(counts), HISTORY_DAYS)


def simulate(times: list[datetime], begin: datetime, end: datetime, adaptive: bool, rng):
    """Polls from `begin` to `end`; returns (delays in seconds, number of polls)."""
    history = [t for t in times if t < begin]
    pending = [t for t in times if begin <= t < end]
    delays, polls = [], 0
    now = begin + timedelta(seconds=rng.uniform(0, 900))
    last = begin
    quiet = 0
    rates = _rates(history, now)
    rates_at = now
    while now < end:
        polls += 1
        found = [t for t in pending if last < t <= now]
        delays += [(now - t).total_seconds() + CRAWL_SECONDS for t in found]
        history += found
        last = now
        if not adaptive:
            now += FIXED
            continue
        if now - rates_at >= timedelta(hours=1):  # as monitors.service.pacing refreshes them
            rates, rates_at = _rates(history, now), now
        pace = next_pace(FIXED, True, len(found), 0, quiet, now, rates)
        quiet = pace.quiet_cycles
        now = pace.due + timedelta(seconds=CRAWL_SECONDS)
    return delays, polls


def _minutes(values: list[float], q: float) -> str:
    if not values:
        return "   —  "
    ordered = sorted(values)
    value = ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    return f"{value / 60:6.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    begin = START + timedelta(days=HISTORY_DAYS)
    end = begin + timedelta(days=args.days)
    print(
        f"{HISTORY_DAYS} days of history, {args.days} days measured; delays in minutes from "
        "publication to alert; polls per source per day"
    )
    print(
        f"{'source':<16} {'articles/day':>12} | {'rhythm: median':>14} {'p95':>6} "
        f"{'polls/day':>9} | {'fixed 15 min: median':>20} {'p95':>6} {'polls/day':>9}"
    )
    total_rhythm = total_fixed = 0.0
    for name, per_day, shape, weekdays in SOURCES:
        times = publications(per_day, shape, weekdays, HISTORY_DAYS + args.days, rng)
        measured = [t for t in times if begin <= t < end]
        adaptive, adaptive_polls = simulate(times, begin, end, True, rng)
        fixed, fixed_polls = simulate(times, begin, end, False, rng)
        total_rhythm += adaptive_polls / args.days
        total_fixed += fixed_polls / args.days
        print(
            f"{name:<16} {len(measured) / args.days:12.1f} | {_minutes(adaptive, 0.5):>14} "
            f"{_minutes(adaptive, 0.95):>6} {adaptive_polls / args.days:9.0f} | "
            f"{_minutes(fixed, 0.5):>20} {_minutes(fixed, 0.95):>6} {fixed_polls / args.days:9.0f}"
        )
    print(
        f"{'all three':<16} {'':>12} | {'':>14} {'':>6} {total_rhythm:9.0f} | {'':>20} {'':>6} "
        f"{total_fixed:9.0f}   ({total_rhythm / total_fixed:.2f}x the polls; article fetches "
        "are the same either way)"
    )


if __name__ == "__main__":
    main()
