"""Run one watchlist over the articles already stored, without alerting: how users tune rules
before switching them on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from crawler.storage.engine import Database
from monitors.rules.matcher import ArticleText, Matcher, MatchResult
from monitors.rules.watchlists import RuleSet
from monitors.web.store import stored_articles


@dataclass(frozen=True)
class BacktestHit:
    article_id: int
    source: str
    published: str | None
    title: str
    url: str
    result: MatchResult


def backtest(
    db: Database, rules: RuleSet, watchlist: str, since: str | None = None
) -> Iterator[tuple[int, BacktestHit | None]]:
    """Yield (articles scanned so far, hit or None) for every stored article, newest first."""
    matcher = Matcher([rules.by_name(watchlist)], rules.entities)
    for scanned, article in enumerate(stored_articles(db, since), start=1):
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
