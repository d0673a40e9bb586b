"""A watchlist run over the stored articles, summed up: what `veille rules backtest` prints and
what the reader's watchlist and editing pages show, from one function.

The scan itself (newest first, within a budget) and the counter-examples are
`monitors.rules.backtest`'s; this adds what both front ends report: how many matched, which of
them are too old to alert today (VEILLE_ALERT_MAX_AGE_DAYS), the first matches kept, and why a
scan stopped early.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from crawler.storage.engine import Database
from monitors.alerts.outbox import is_recent
from monitors.rules.backtest import (
    BacktestHit,
    CounterExamples,
    ScanBudget,
    backtest,
    counter_examples,
)
from monitors.rules.watchlists import RuleSet


@dataclass(frozen=True)
class BacktestMatch:
    hit: BacktestHit
    too_old_to_alert: bool  # matched today it would be stored, not alerted


@dataclass
class BacktestSummary:
    watchlist: str
    since: str | None  # the first day scanned (YYYY-MM-DD), None: every stored article
    scanned: int  # articles read
    matched: int  # of them, those the watchlist matches
    too_old_to_alert: int  # of those, older than the alerting age limit
    counter_examples: CounterExamples  # the articles people marked not relevant, rerun
    matches: list[BacktestMatch] = field(default_factory=list)  # the first `keep`, newest first
    # Why the scan stopped before the oldest article: "articles" (max_articles), "time" or
    # "characters" (the budget); None when it read them all.
    partial: str | None = None

    @property
    def hits(self) -> list[BacktestHit]:
        return [m.hit for m in self.matches]


def backtest_watchlist(
    db: Database,
    rules: RuleSet,
    watchlist: str,
    since: str | None = None,
    *,
    budget: ScanBudget | None = None,
    max_articles: int | None = None,
    keep: int | None = None,
    max_age_days: float | None = None,
    now: datetime | None = None,
    since_day: str | None = None,
) -> BacktestSummary:
    """Run `watchlist` of `rules` (the file's, or an edit's) over the articles published since
    `since` (a day, or the moment the day `since_day` begins in a time zone: `veille rules
    backtest` gives the reader's day), newest first, sending nothing: at most `max_articles` articles and within `budget`
    when given; the first `keep` matches kept (all by default), every one counted. A match
    published more than `max_age_days` before `now` counts as too old to alert."""
    max_age = timedelta(days=max_age_days) if max_age_days is not None else None
    now = now or datetime.now(UTC)
    scanned = matched = too_old = 0
    matches: list[BacktestMatch] = []
    partial = None
    for scanned, hit in backtest(db, rules, watchlist, since, budget, since_day):
        if hit is not None:
            matched += 1
            old = not is_recent(hit.published, max_age, now)
            too_old += old
            if keep is None or matched <= keep:
                matches.append(BacktestMatch(hit, old))
        if max_articles is not None and scanned >= max_articles:
            partial = "articles"
            break
    return BacktestSummary(
        watchlist=watchlist,
        since=since_day or since,
        scanned=scanned,
        matched=matched,
        too_old_to_alert=too_old,
        counter_examples=counter_examples(db, rules, watchlist),
        matches=matches,
        partial=partial or (budget.stopped if budget is not None else None),
    )
