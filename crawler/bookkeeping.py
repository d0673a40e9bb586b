"""The crawl's bookkeeping, as a Scrapy extension on the crawl's signals (the way Scrapy's own
`corestats` keeps its counts): what became of each article (declined, a duplicate, stored, not
stored, failed in a stage), the faults and per-source counts that follow, and the run's record
when the crawl closes or is stopped from outside. The pipelines each do their one job and say
what happened by the item they return, the drop they raise (the exceptions below) or the
signal they send (`articles_stored`, `articles_not_stored`); the counts and faults are written
here, through the crawl's journal (crawler.journal)."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import DropItem
from twisted.python.failure import Failure

from crawler.core.canonical import canonicalize_url
from crawler.discovery import retries
from crawler.items import ArticleItem
from crawler.journal import CrawlJournal
from crawler.storage import store
from crawler.storage.engine import database_errors

logger = logging.getLogger(__name__)

# Sent by the store stage once a batch is written: `stored`, a list of (item, article id, new).
articles_stored = object()
# Sent by the store stage when a batch could not be written: `items`, `error` (the message).
articles_not_stored = object()


class Declined(DropItem):
    """A page extraction turned down (not an article, too slow) or could not extract (the
    process failed): booked in the retry book under `kind`, with a fault of the site when
    `fault` says one (kind, message)."""

    def __init__(
        self,
        message: str,
        kind: str,
        reason: str,
        fault: tuple[str, str] | None = None,
        log_level: str = "DEBUG",
    ) -> None:
        super().__init__(message, log_level=log_level)
        self.kind, self.reason, self.fault = kind, reason, fault


class Duplicate(DropItem):
    """A copy of an article already stored (its URL or its text)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, log_level="DEBUG")


class NotStored(DropItem):
    """An article the database refused (locked, full): fetched again by the next crawl."""


class CrawlBookkeeping:
    """Built by Scrapy from settings.EXTENSIONS; keeps the crawl's journal, which the crawl's
    other components ask it for (`journal_of`); does nothing for a spider that keeps none.

    The news spider opens the run and its journal in its own `from_crawler` (its database
    connection serves discovery too); Scrapy builds the extensions next, once the spider exists
    and before the engine, its downloader middlewares and its item pipelines (pinned in
    tests/test_scrapy_contract.py), so the journal is taken here once, and the pipelines and
    the robots middleware find it through the crawler (`Crawler.get_extension`), never as an
    attribute of the spider."""

    def __init__(self, crawler: Any, journal: CrawlJournal | None = None) -> None:
        self.crawler = crawler
        self.journal = journal
        self.stopped: str | None = None  # why the crawl was stopped from outside, if it was
        self.closed = False  # its run recorded at its close and its connection closed

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlBookkeeping:
        spider = getattr(crawler, "spider", None)  # None when built outside a crawl (tests)
        journal = getattr(spider, "journal", None)
        keeper = cls(crawler, journal if isinstance(journal, CrawlJournal) else None)
        crawler.signals.connect(keeper.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(keeper.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(keeper.item_error, signal=signals.item_error)
        crawler.signals.connect(keeper.stored, signal=articles_stored)
        crawler.signals.connect(keeper.not_stored, signal=articles_not_stored)
        crawler.signals.connect(keeper.spider_closed, signal=signals.spider_closed)
        return keeper

    @classmethod
    def of(cls, crawler: Any) -> CrawlBookkeeping | None:
        """The crawler's bookkeeping extension, if its settings enable it (None as well before
        Scrapy has built the crawler's extensions)."""
        try:
            return crawler.get_extension(cls)
        except RuntimeError:  # the extension manager is not built yet
            return None

    # -- what became of each article --------------------------------------------------------------

    def item_scraped(self, item: Any, response: Any, spider: Any) -> None:
        if not isinstance(item, ArticleItem) or self.journal is None:
            return
        self._record_notes(item)
        if item.update_of is not None:  # written as a revision by the store stage, at once
            self.journal.count(item.source, "updated")
            self._settled(item)
            logger.info("source=%s article %d updated %s", item.source, item.update_of, item.url)

    def item_dropped(self, item: Any, response: Any, exception: BaseException, spider: Any) -> None:
        journal = self.journal
        if not isinstance(item, ArticleItem) or journal is None:
            return
        self._record_notes(item)
        if isinstance(exception, Declined):
            # Remembered, not retried when declined: the same page would be declined again.
            journal.book_article_failure(
                item.source, requested_url(item), exception.kind, exception.reason
            )
            if exception.fault is not None:  # a fault of the site: count it
                journal.record_error(item.source, item.fetched_url, *exception.fault)
        elif isinstance(exception, Duplicate):
            journal.count(item.source, "duplicates")
            self._settled(item)
        elif isinstance(exception, NotStored):
            journal.mark_articles_lost()
            journal.record_error(item.source, item.url, "store", str(exception))

    def item_error(self, item: Any, response: Any, spider: Any, failure: Failure) -> None:
        """A pipeline stage raised what it did not expect (Scrapy logs the traceback and drops
        the article). Said against the source, booked in the retry book, and the entry points'
        validators are not saved: the article is fetched again, not lost behind a 304."""
        journal = self.journal
        if not isinstance(item, ArticleItem) or journal is None:
            return
        exc = failure.value
        journal.mark_articles_lost()
        journal.book_article_failure(
            item.source,
            requested_url(item),
            "internal-error",
            f"article not stored: a processing stage failed ({type(exc).__name__}: "
            f"{str(exc)[:300]}); it is fetched again on a later crawl, the traceback is in "
            "the crawl log",
            {"feed_title": item.feed_title, "feed_published": item.feed_published},
        )

    def stored(self, stored: list[tuple[ArticleItem, int, bool]]) -> None:
        journal = self.journal
        if journal is None:
            return
        for item, article_id, is_new in stored:
            journal.count(item.source, "new" if is_new else "duplicates")
            self._settled(item)
            if is_new:
                logger.info("source=%s stored article %d %s", item.source, article_id, item.url)

    def not_stored(self, items: list[ArticleItem], error: str) -> None:
        """A batch rolled back: the next crawl fetches it again (validators are not saved)."""
        journal = self.journal
        if journal is None:
            return
        journal.mark_articles_lost()
        for item in items:
            journal.record_error(item.source, item.url, "store", f"not stored: {error}")

    def _settled(self, item: ArticleItem) -> None:
        """An article fetched from the retry book is stored (or a copy of one stored): nothing
        is left to retry. Its entry stays until then; a failure after the fetch books it again
        (counting its attempts, so an article that fails every time is given up, not fetched on
        every crawl)."""
        if item.retry_key is None or self.journal is None:
            return
        key, item.retry_key = item.retry_key, None
        try:
            retries.clear(self.journal.db, key)
        except database_errors() as exc:  # cleared by a later crawl, which finds it stored
            logger.warning(
                "source=%s url=%s stored, its retry entry left for a later crawl: %s",
                item.source,
                item.fetched_url,
                exc,
            )

    def _record_notes(self, item: ArticleItem) -> None:
        """Faults extraction found on a page it kept (a text that reads like a menu, a profile
        that missed, a text cut at its limit), recorded once."""
        journal = self.journal
        if journal is None:
            return
        notes, item.notes = item.notes, []
        for kind, message in notes:
            journal.record_error(item.source, item.fetched_url, kind, message)

    # -- the run's record ---------------------------------------------------------------------------

    def stop_early(self, reason: str) -> None:
        """Stopped from outside (its time limit, a shutdown), before the crawl is asked to close:
        mark the sources not done, store what is held, and record the run as it stands now.
        A stuck download can keep the crawl from closing until its process is killed, so the
        run's record (its counts, which sources were done) cannot wait for `spider_closed`."""
        spider, journal = self.crawler.spider, self.journal
        if journal is None or self.closed:  # a crawl that ended by itself meanwhile
            return
        self.stopped = spider.stop_reason = reason
        unfinished = spider.unfinished_sources()
        journal.flush()
        for name in sorted(unfinished):
            journal.count(name, "unfinished")
        self.record_run(f"stopped: {reason}")
        logger.warning(
            "crawl run=%d stopped (%s) before %d of %d source(s) were done: %s",
            journal.run_id,
            reason,
            len(unfinished),
            len(spider.sources),
            ",".join(sorted(unfinished)) or "none",
        )

    def spider_closed(self, spider: Any, reason: str) -> None:
        """The run's record, once the crawl closed (Scrapy calls the spider's own `closed`
        first, which saves what discovery learnt), then the run's database connection closed."""
        journal = self.journal
        if journal is None:
            return
        status = "finished" if reason == "finished" else f"stopped: {spider.stop_reason or reason}"
        self.closed = True
        self.record_run(status, found_links=reason == "finished")
        journal.db.close()

    def record_run(self, status: str, found_links: bool = False) -> None:
        """Stamp each source (crawled, succeeded) and write the run's record and counts."""
        spider, journal = self.crawler.spider, self.journal
        assert journal is not None
        db = journal.db
        total_new = total_errors = 0
        for name in spider.sources:
            counts = journal.counts(name)
            store.record_crawl(db, name, succeeded=counts.get("entry_ok", 0) > 0)
            found = spider.discovered.get(name)
            if found and found["answered"] and found_links:
                skipped = {
                    k: v for k, v in found.items() if k not in ("answered", "articles") and v
                }
                warning = store.record_link_counts(db, name, found["articles"], skipped)
                if warning:
                    logger.warning("source=%s kind=went-dark %s", name, warning)
            total_new += counts.get("new", 0)
            total_errors += counts.get("errors", 0)
            logger.info(
                "source=%s new=%d duplicates=%d known=%d errors=%d",
                name,
                counts.get("new", 0),
                counts.get("duplicates", 0),
                counts.get("known", 0),
                counts.get("errors", 0),
            )
        store.finish_run(db, journal.run_id, status, total_new, total_errors, journal.report())


def journal_of(crawler: Any) -> CrawlJournal | None:
    """The crawl's journal, kept by its bookkeeping extension: None for a spider that keeps
    none, or a crawl whose settings leave the extension out."""
    keeper = CrawlBookkeeping.of(crawler)
    return keeper.journal if keeper is not None else None


def requested_url(item: ArticleItem) -> str:
    """The URL as first requested: what the retry book is keyed by."""
    return canonicalize_url(item.seen_urls[0]) if item.seen_urls else item.fetched_url
