"""Run one watchlist over the articles already stored, without alerting: how users tune rules
before switching them on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlite_utils

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


def backtest(
    db: sqlite_utils.Database, rules: RuleSet, watchlist: str, since: str | None = None
) -> Iterator[tuple[int, BacktestHit | None]]:
    """Yield (articles scanned so far, hit or None) for every stored article, newest first."""
    matcher = Matcher([rules.by_name(watchlist)], rules.entities)
    sql = "SELECT id, source, published, title, url, text, language FROM articles"
    params: list[str] = []
    if since:
        sql += " WHERE coalesce(published, fetched_at) >= ?"
        params.append(since)
    sql += " ORDER BY coalesce(published, fetched_at) DESC"
    for scanned, (article_id, source, published, title, url, text, language) in enumerate(
        db.execute(sql, params), start=1
    ):
        results = matcher.match(ArticleText(title or "", text or "", language, source))
        hit = (
            BacktestHit(article_id, source, published, title or url, url, results[0])
            if results
            else None
        )
        yield scanned, hit
