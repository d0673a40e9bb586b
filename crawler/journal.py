"""The journal of one crawl run: what the spider and every item pipeline record while it runs.

Faults go to `crawl_errors` against their source (a fault never stops the crawl of the other
sources), failed article fetches to the retry book, and per-source counts to the crawler's
stats, as `veille/<source>/<count>`, where Scrapy keeps every other count of the crawl. The spider
opens the journal (with the run's one database connection) in `from_crawler`; pipelines take it
in `open_spider`; the spider turns it into the run's record when it closes.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, cast

from crawler.core.canonical import url_key
from crawler.core.counts import COUNT, SourceCounts
from crawler.discovery import retries
from crawler.storage import store
from crawler.storage.engine import Database, database_errors

logger = logging.getLogger(__name__)


PREFIX = "veille/"
LOST = "veille:articles-lost"  # not per source: set when articles of this crawl were not stored


class CrawlJournal:
    def __init__(self, db: Database, run_id: int, crawler: Any) -> None:
        self.db = db
        self.run_id = run_id
        self._crawler = crawler
        self._flushers: list[Callable[[], None]] = []

    @property
    def stats(self) -> Any:
        """The crawler's StatsCollector (Scrapy sets it when the crawl starts)."""
        return self._crawler.stats

    # -- counts ------------------------------------------------------------------------------------

    def count(self, source: str, name: COUNT, amount: int = 1) -> None:
        self.stats.inc_value(f"{PREFIX}{source}/{name}", amount)

    def counts(self, source: str) -> SourceCounts:
        """One source's counts so far."""
        return self.report().get(source, SourceCounts())

    def report(self) -> dict[str, SourceCounts]:
        """Every source's counts, as the run records them (crawl_runs.stats)."""
        report: dict[str, dict[str, int]] = defaultdict(dict)
        for key, value in self.stats.get_stats().items():
            if key.startswith(PREFIX):
                source, _, name = key[len(PREFIX) :].rpartition("/")
                report[source][name] = value
        return {source: cast(SourceCounts, counts) for source, counts in report.items()}

    # -- work held in memory ----------------------------------------------------------------------

    def on_flush(self, flush: Callable[[], None]) -> None:
        """A stage that holds work in memory (the store's batch) registers how to write it."""
        self._flushers.append(flush)

    def flush(self) -> None:
        """Write what the stages hold: a crawl stopped from outside records its run at once, and
        what it counts as stored must be stored before its process may be killed."""
        for flush in self._flushers:
            flush()

    # -- articles not stored -----------------------------------------------------------------------

    def mark_articles_lost(self) -> None:
        """Articles of this crawl could not be stored: its entry points' validators must not be
        saved, so that the next crawl gets full listings and fetches them again."""
        self.stats.set_value(LOST, True)

    @property
    def articles_lost(self) -> bool:
        return bool(self.stats.get_value(LOST, False))

    # -- faults ------------------------------------------------------------------------------------

    def record_error(self, source: str, url: str | None, kind: str, message: str) -> None:
        """Count a fault against its source; it never stops the crawl of other sources. A fault
        that cannot be written (the database locked or full) is still counted and logged."""
        self.count(source, "errors")
        logger.warning("source=%s kind=%s url=%s %s", source, kind, url, message)
        try:
            store.record_error(self.db, self.run_id, source, url, kind, message)
        except database_errors() as exc:
            logger.error("source=%s fault not recorded in the database (%s): %s", source, exc, kind)

    def book_article_failure(
        self, source: str, url: str, kind: str, message: str, meta: dict | None = None
    ) -> None:
        """Record a failed article fetch and book it in the retry book (crawler.discovery.retries)."""
        self.record_error(source, url, kind, message)
        meta = meta or {}
        state = retries.book_failure(
            self.db,
            source,
            url_key(url),
            url,
            kind,
            message,
            meta.get("feed_title"),
            meta.get("feed_published"),
        )
        if state == retries.WAITING:
            logger.info("source=%s url=%s will be fetched again on a later crawl", source, url)
        elif state == retries.GIVEN_UP:
            self.count(source, "given_up")
            logger.warning(
                "source=%s url=%s given up after %d attempts: %s",
                source,
                url,
                retries.MAX_ATTEMPTS,
                message,
            )
