"""Run one watchlist over the articles already stored, without alerting: how users tune rules
before switching them on."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from crawler.storage.articles import stored_articles
from crawler.storage.engine import Database
from monitors.rules.matcher import ArticleText, Matcher, MatchResult
from monitors.rules.watchlists import RuleSet


@dataclass(frozen=True)
class BacktestHit:
    article_id: int
    source: str
    published: str | None
    title: str
    url: str
    result: MatchResult


@dataclass
class ScanBudget:
    """How much one backtest may read: characters (title and text) and seconds, measured on
    `clock` (injected by tests). Matching costs in proportion to the characters read and the
    terms found, so a count of articles alone does not bound it: a few thousand long articles
    dense with watched terms took minutes. `stopped` says which budget ended a scan early:
    "time" or "characters"."""

    max_chars: int | None = None
    max_seconds: float | None = None
    clock: Callable[[], float] = time.monotonic
    chars: int = 0
    stopped: str | None = None
    _started: float | None = field(default=None, repr=False)

    def admits(self, chars: int) -> bool:
        """Whether an article of `chars` characters may be read now (counted if so)."""
        now = self.clock()
        if self._started is None:
            self._started = now
        if self.max_seconds is not None and now - self._started >= self.max_seconds:
            self.stopped = "time"
            return False
        if self.max_chars is not None and self.chars + chars > self.max_chars:
            self.stopped = "characters"
            return False
        self.chars += chars
        return True


def backtest(
    db: Database,
    rules: RuleSet,
    watchlist: str,
    since: str | None = None,
    budget: ScanBudget | None = None,
    since_day: str | None = None,
) -> Iterator[tuple[int, BacktestHit | None]]:
    """Yield (articles scanned so far, hit or None) for every stored article since `since`
    (a day, or the moment `since_day` begins: crawler.storage.articles.stored_articles), newest
    first; with a `budget`, stop before the article it does not admit (`budget.stopped` says
    why)."""
    matcher = Matcher([rules.by_name(watchlist)], rules.entities)
    for scanned, article in enumerate(stored_articles(db, since, since_day), start=1):
        size = len(article.title or "") + len(article.text or "")
        if budget is not None and not budget.admits(size):
            return
        results = matcher.match(
            ArticleText(article.title or "", article.text or "", article.language, article.source)
        )
        hit = (
            BacktestHit(
                article.id,
                article.source,
                article.published,
                article.title or article.url,
                article.url,
                results[0],
            )
            if results
            else None
        )
        yield scanned, hit


@dataclass(frozen=True)
class CounterExamples:
    """The articles people marked "not relevant" for a watchlist, run through a rule: those it
    still matches, and how many it drops (the fewer it keeps, the better it got)."""

    marked: int
    still_matched: tuple[int, ...]

    @property
    def dropped(self) -> int:
        return self.marked - len(self.still_matched)


def counter_examples(db: Database, rules: RuleSet, watchlist: str) -> CounterExamples:
    """Run `rules`' watchlist (as it is, or as an edit would make it) over the articles marked
    not relevant for that watchlist's name."""
    from monitors.people import store as people_store

    matcher = Matcher([rules.by_name(watchlist)], rules.entities)
    ids = people_store.not_relevant_article_ids(db, watchlist)
    kept = tuple(
        article.id
        for article in people_store.articles_text(db, ids)
        if matcher.match(
            ArticleText(article.title or "", article.text or "", article.language, article.source)
        )
    )
    return CounterExamples(len(ids), kept)
