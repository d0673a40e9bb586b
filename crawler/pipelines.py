"""Item pipelines, one stage each, in the order settings.ITEM_PIPELINES lists them:
extract → canonicalize → dedupe → store. Each says what became of an article by the item it
returns, the drop it raises or the signal it sends; the counts and faults that follow are
crawler.bookkeeping's."""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from crawler.bookkeeping import (
    Declined,
    Duplicate,
    NotStored,
    articles_not_stored,
    articles_stored,
    journal_of,
)
from crawler.core.canonical import canonicalize_url
from crawler.core.counts import DATE_IN_THE_FUTURE, DECLINED, NAVIGATION_TEXT, TOO_SLOW
from crawler.core.kill_points import kill_point
from crawler.core.normalize import content_hash
from crawler.extraction.article import Extracted, NotAnArticle, PageTooComplex
from crawler.extraction.budget import (
    DEFAULT_BUDGET_SECONDS,
    ExtractionFailed,
    ExtractionProcess,
    PageTooSlow,
    shared_extraction,
)
from crawler.extraction.dates import (
    FEED,
    FoundDate,
    choose_published,
    counted_from_fetch,
    found,
    in_the_future,
)
from crawler.extraction.profiles import NO_PROFILE
from crawler.items import ArticleItem
from crawler.journal import CrawlJournal
from crawler.storage import store
from crawler.storage.engine import database_errors
from crawler.stories.fingerprint import fingerprint
from crawler.stories.store import window_key
from crawler.stories.window_setting import WINDOW_VARIABLE, parse_window_hours

logger = logging.getLogger(__name__)


class _Stage:
    """A pipeline stage, built by Scrapy from the crawler; in `open_spider` it takes the crawl's
    journal (crawler.journal: the run's database connection, its faults and per-source counts,
    kept in the crawler's stats) from the crawl's bookkeeping extension."""

    journal: CrawlJournal

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> _Stage:
        return cls(crawler)

    def open_spider(self) -> None:
        journal = journal_of(self.crawler)
        if journal is None:
            raise RuntimeError(
                "veille's pipelines store into a crawl's journal, and this crawl keeps none: "
                "crawl with the news spider (crawler.spiders.news) and the extension "
                "crawler.bookkeeping.CrawlBookkeeping enabled in EXTENSIONS (crawler.settings)"
            )
        self.journal = journal


class ExtractPipeline(_Stage):
    """Body text and metadata from the HTML; pages that are not articles are dropped and noted.

    Pages are extracted in the crawl's extraction process (crawler.extraction.budget), never in
    the reactor's thread: a slow page cannot stop the crawl worker's heartbeat or its crawls'
    time limits, and one over its budget (VEILLE_EXTRACTION_SECONDS) is declined and recorded."""

    extraction: ExtractionProcess | None = None  # None outside a crawl: extracted in this thread

    def open_spider(self) -> None:
        super().open_spider()
        budget = self.crawler.settings.getfloat("VEILLE_EXTRACTION_SECONDS", DEFAULT_BUDGET_SECONDS)
        self.extraction = shared_extraction(budget)
        self.extraction.start()  # while the crawl reads its feeds

    async def process_item(self, item: ArticleItem) -> ArticleItem:
        try:
            extracted = await self._extract(item)
        except NotAnArticle as exc:
            kind = TOO_SLOW if isinstance(exc, PageTooSlow) else DECLINED
            fault = ("too-complex", str(exc)) if isinstance(exc, PageTooComplex) else None
            raise Declined(f"not an article: {exc}", kind, str(exc), fault) from None
        except ExtractionFailed as exc:  # the process, not the page: tried again later
            raise Declined(
                f"not extracted: {exc}", "extraction-failed", str(exc), log_level="WARNING"
            ) from None
        return self.fill(item, extracted)

    async def _extract(self, item: ArticleItem) -> Extracted:
        if self.extraction is None:
            from crawler.extraction.extract import extract_article  # trafilatura: only here

            return extract_article(item.html, item.fetched_url, item.profile)
        future = self.extraction.submit(item.html, item.fetched_url, item.profile)
        return await asyncio.wrap_future(future)

    @staticmethod
    def _dates(
        item: ArticleItem, extracted: Extracted, now: datetime
    ) -> tuple[FoundDate | None, ...]:
        """The page's date and the feed's, less any more than a day after now (the fetch):
        each one left out is recorded against the source, with its value and origin. A page
        whose only date is shown relative to when it is read (« il y a 3 heures ») has it
        counted back from now, on the site's clock, or recorded as not kept."""
        page = extracted.date
        if page is None and extracted.shown_relative:
            timezone = (item.profile or NO_PROFILE).timezone
            page, said = counted_from_fetch(extracted.shown_relative, now, timezone)
            if page is None:
                item.notes.append(("extraction", f"publication date {said}"))
            else:
                logger.debug(
                    "source=%s %s: publication date %s", item.source, item.fetched_url, said
                )
        dates = []
        for date in (page, found(item.feed_published, FEED)):
            if date is not None and in_the_future(date, now):
                item.notes.append(
                    (
                        DATE_IN_THE_FUTURE,
                        f"publication date {date.value[:40]} ({date.origin}) is more than a "
                        "day after the page was fetched: not kept",
                    )
                )
                date = None
            dates.append(date)
        return tuple(dates)

    def fill(
        self, item: ArticleItem, extracted: Extracted, now: datetime | None = None
    ) -> ArticleItem:
        """The item with what extraction found (the feed's title and date where it found none);
        `now` is the fetch's moment (the clock's, unless a test gives one)."""
        item.title = extracted.title or item.feed_title
        item.author = extracted.author
        chosen = choose_published(*self._dates(item, extracted, now or datetime.now(UTC)))
        item.published = chosen.value if chosen else None
        item.published_origin = chosen.origin if chosen else None
        item.original_source = extracted.original_source
        item.original_url = extracted.original_url
        item.language = extracted.language
        item.sitename = extracted.sitename
        item.description = extracted.description
        item.canonical_hint = extracted.canonical_url
        item.text = extracted.text
        for note in extracted.notes:  # kept, but said: a text that reads like a menu, a profile
            kind = NAVIGATION_TEXT if "navigation" in note else "extraction"  # that missed
            item.notes.append((kind, note))
        if extracted.text_cut_from:
            item.notes.append(
                (
                    "text-cut",
                    f"article text of {extracted.text_cut_from} characters kept up to "
                    f"{len(extracted.text)} (MAX_TEXT_CHARACTERS)",
                )
            )
        item.html = ""  # not needed any more; keep memory flat
        return item


def _same_site(a: str, b: str) -> bool:
    host_a = (urlsplit(a).hostname or "").removeprefix("www.")
    host_b = (urlsplit(b).hostname or "").removeprefix("www.")
    return host_a == host_b


class CanonicalPipeline(_Stage):
    """The article's canonical URL (its rel=canonical/og:url when on the same site), body hash
    and near-duplicate fingerprint."""

    def process_item(self, item: ArticleItem) -> ArticleItem:
        hint = item.canonical_hint
        chosen = hint if hint and _same_site(hint, item.fetched_url) else item.fetched_url
        item.url = canonicalize_url(chosen)
        # Both fold the same text: computed together, they fold it once (normalize's cache).
        item.content_hash = content_hash(item.text or "")
        item.fingerprint = fingerprint(item.text or "")
        return item


def filled(value: str | None, field: str) -> str:
    """A field an earlier stage fills (ExtractPipeline, CanonicalPipeline): a pipeline order
    that skipped one is a configuration error, said as such."""
    if value is None:
        raise DropItem(f"{field} missing: ITEM_PIPELINES must run Extract and Canonical first")
    return value


class DedupePipeline(_Stage):
    """Drop an article already stored under its canonical URL or with the same body text,
    remembering the URLs that led to it so they are not fetched again."""

    def process_item(self, item: ArticleItem) -> ArticleItem:
        url, content_hash = filled(item.url, "url"), filled(item.content_hash, "content_hash")
        if item.is_update_check:
            stored = store.stored_article(self.journal.db, url) or store.stored_article(
                self.journal.db, item.fetched_url
            )
            same_text = store.article_with_text(self.journal.db, content_hash)
            if stored and same_text is None:
                item.update_of = stored[0]
                return item  # changed text: StorePipeline records a new revision
        existing = store.find_duplicate(self.journal.db, url, content_hash)
        if existing is None:
            return item
        store.remember_urls(self.journal.db, existing, [url, *item.seen_urls])
        raise Duplicate(f"duplicate of article {existing}: {item.url}")


class _Gathering:
    """New articles waiting to be written, of every crawl of this process on one database (a
    crawl worker runs many at once): written together, in one batch."""

    def __init__(self) -> None:
        self.entries: list[tuple[StorePipeline, ArticleItem, store.StoredArticle]] = []
        self.since = 0.0  # when the oldest was added (the stages' clock)
        self.tick: Any = None  # the delayed write the crawls that ended wait for (IDelayedCall)
        self.closing: list[Deferred[None]] = []  # those crawls' answers


# Per database and story window (StorePipeline.key); a gathering is dropped once written.
_GATHERINGS: dict[tuple[str, int], _Gathering] = {}


class StorePipeline(_Stage):
    """Write the article (once) to SQLite, or a new revision of an article that changed.

    New articles are written in batches (one transaction per BATCH_SIZE articles or per
    BATCH_SECONDS, and at the end of the crawl), because the commit is most of the cost of storing
    one. A crawl killed with a batch pending loses nothing: those URLs were not recorded as known
    and the entry points' validators are saved only when a crawl finishes, so the next crawl
    fetches them again.

    A source's poll finds its few new articles a download delay apart and ends within seconds:
    BATCH_SECONDS is long enough that such a crawl writes them in one batch at its end, and
    short enough that a long first crawl does not hold its articles for minutes.

    A batch is the process's, not the crawl's: the articles of every crawl of a crawl worker on
    one database wait together, and a crawl that ends with articles waiting is answered (its
    `close_spider` awaits them) once they are written, at the next tick of
    VEILLE_STORE_GATHER_SECONDS on the reactor's clock, the same ticks for all its crawls: the
    crawls that end within a tick share one batch, one transaction and one check of the story
    window against what the other workers wrote since (each such check reads their articles,
    and an hour they changed otherwise whole). A worker's crawls found two or three new articles
    each and wrote a batch each. What a crawl counts as stored is still stored before it ends
    (its validators are saved after its pipelines close); a crawl with nothing waiting ends at
    once; 0 writes a crawl's batch when it ends, as a crawl alone in its process may.
    """

    BATCH_SIZE = 25
    BATCH_SECONDS = 10.0

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        # The story window is the crawl's setting (filled from the configuration: the service's
        # VEILLE_STORY_WINDOW_HOURS, or crawler.settings for a crawl run by Scrapy alone).
        self.window_hours = parse_window_hours(crawler.settings.get(WINDOW_VARIABLE))
        self.gather_seconds = crawler.settings.getfloat("VEILLE_STORE_GATHER_SECONDS", 0.0)
        self.key: tuple[str, int] | None = None  # the batch this crawl's articles wait in
        self._refused: BaseException | None = None  # the database's refusal, while writing apart
        self.timer = task.LoopingCall(self._flush_if_due)

    def open_spider(self) -> None:
        super().open_spider()
        self.key = (window_key(self.journal.db), self.window_hours)
        self.journal.on_flush(self.flush)
        self.timer.start(self.BATCH_SECONDS / 2, now=False)

    @property
    def pending(self) -> list[tuple[ArticleItem, store.StoredArticle]]:
        """This crawl's articles waiting to be written."""
        gathering = _GATHERINGS.get(self.key) if self.key is not None else None
        if gathering is None:
            return []
        return [(item, article) for stage, item, article in gathering.entries if stage is self]

    async def close_spider(self) -> None:
        """Scrapy waits for this before the crawl ends (a coroutine: Scrapy 2.19 deprecates a
        returned Deferred)."""
        answer = self.finish()
        if answer is not None:
            await maybe_deferred_to_future(answer)

    def finish(self) -> Deferred[None] | None:
        """Write this crawl's waiting articles before it ends: at the next gathering tick (the
        Deferred fires once they are written), or now when gathering is off."""
        if self.timer.running:
            self.timer.stop()
        if not self.pending:
            return None
        if self.gather_seconds <= 0:
            self.flush()
            return None
        gathering = _GATHERINGS[cast("tuple[str, int]", self.key)]
        answer: Deferred[None] = Deferred()
        gathering.closing.append(answer)
        if gathering.tick is None:  # written by this crawl (its connection stays open till then)
            now, tick = self._now(), self.gather_seconds
            delay = (math.floor(now / tick) + 1) * tick - now
            gathering.tick = self._clock().callLater(delay, self.flush)
        return answer

    def process_item(self, item: ArticleItem) -> ArticleItem:
        article = self._article(item)
        if item.update_of:
            self.flush()  # keep the order in which pages arrived
            try:
                revision = store.update_article(self.journal.db, item.update_of, article)
            except database_errors() as exc:
                raise NotStored(f"update not stored: {exc}") from None
            item.article_id = item.update_of
            logger.debug("article %d: revision %d", item.update_of, revision)
            return item
        gathering = _GATHERINGS.get(cast("tuple[str, int]", self.key))
        if gathering is None:
            gathering = _GATHERINGS[cast("tuple[str, int]", self.key)] = _Gathering()
        if not gathering.entries:
            gathering.since = self._now()
        gathering.entries.append((self, item, article))
        if len(gathering.entries) >= self.BATCH_SIZE:
            self.flush()
        return item

    def _clock(self) -> IReactorTime:
        """The timers' clock (the reactor's; a test's fake clock)."""
        return cast(IReactorTime, self.timer.clock)

    def _now(self) -> float:
        return self._clock().seconds()  # type: ignore[misc]  # zope interfaces declare no self

    def _flush_if_due(self) -> None:
        gathering = _GATHERINGS.get(cast("tuple[str, int]", self.key))
        if gathering and gathering.entries and self._now() - gathering.since >= self.BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Store the waiting articles (this crawl's and those of the process's other crawls on
        the same database) in one transaction, through this crawl's connection, and tell each
        crawl what became of its own; then answer the crawls that ended waiting for them."""
        gathering = _GATHERINGS.pop(self.key, None) if self.key is not None else None
        if gathering is None:
            return
        if gathering.tick is not None and gathering.tick.active():
            gathering.tick.cancel()
        try:
            self._write(gathering.entries)
        finally:
            for answer in gathering.closing:
                answer.callback(None)

    def _write(self, batch: list[tuple[StorePipeline, ArticleItem, store.StoredArticle]]) -> None:
        try:
            results = store.store_articles(
                self.journal.db,
                [article for _, _, article in batch],
                window_hours=self.window_hours,
            )
        except Exception as exc:
            crawls = _by_stage([(entry[0], entry) for entry in batch])
            if len(crawls) > 1 and not _refused_whole(exc):
                # One article (a constraint it breaks, a fault in its stories) must not cost the
                # crawls that shared its batch their own: each crawl's are written apart.
                logger.warning(
                    "a batch of %d crawls' articles was not written (%s): each crawl's are "
                    "written apart",
                    len(crawls),
                    type(exc).__name__,
                )
                self._write_apart(crawls)
                return
            # The batch is rolled back; the next crawl of each source fetches it again. An
            # error of another kind than the database's is raised on after that (a fault).
            self._refused = exc if _refused_whole(exc) else None
            for stage, items in _by_stage([(stage, item) for stage, item, _ in batch]):
                stage.crawler.signals.send_catch_log(
                    articles_not_stored, items=items, error=str(exc)
                )
            if isinstance(exc, database_errors()):
                return
            raise
        kill_point("crawl:batch-stored", with_parent=True)
        for (_, item, _), (article_id, _is_new) in zip(batch, results, strict=True):
            item.article_id = article_id
        stored = [
            (stage, (item, article_id, is_new))
            for (stage, item, _), (article_id, is_new) in zip(batch, results, strict=True)
        ]
        for stage, outcomes in _by_stage(stored):
            stage.crawler.signals.send_catch_log(articles_stored, stored=outcomes)

    def _write_apart(
        self, crawls: list[tuple[StorePipeline, list[tuple[StorePipeline, ArticleItem, Any]]]]
    ) -> None:
        """Each crawl's articles in a transaction of their own, each failure reported to its own
        crawl. A fault is logged here, not raised: raised, it would land on whichever item the
        caller is handling, of a crawl whose articles may well be stored. Once the database
        itself refuses (locked: after its busy timeout), the crawls left are reported without
        waiting that timeout again each."""
        refused: BaseException | None = None
        for stage, entries in crawls:
            if refused is not None:
                stage.crawler.signals.send_catch_log(
                    articles_not_stored,
                    items=[item for _, item, _ in entries],
                    error=str(refused),
                )
                continue
            self._refused = None
            try:
                self._write(entries)
            except Exception:  # reported to that crawl by _write
                logger.exception("articles of a crawl written apart failed")
            refused = self._refused
        self._refused = None

    @staticmethod
    def _article(item: ArticleItem) -> store.StoredArticle:
        return store.StoredArticle(
            source=item.source,
            url=filled(item.url, "url"),
            title=item.title,
            author=item.author,
            published=item.published,
            language=item.language,
            sitename=item.sitename,
            description=item.description,
            text=item.text or "",
            content_hash=filled(item.content_hash, "content_hash"),
            seen_urls=tuple(item.seen_urls),
            fingerprint=item.fingerprint,
            published_origin=item.published_origin,
            original_source=item.original_source,
            original_url=item.original_url,
        )


_T = TypeVar("_T")


def _refused_whole(exc: BaseException) -> bool:
    """A failure of the database itself (locked, a lock timeout, full, read-only), which every
    crawl's own write would meet again (and wait the busy timeout for), unlike a constraint or
    a fault that one article's data causes."""
    if isinstance(exc, sqlite3.OperationalError):
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - depends on the installed extras
        return False
    return isinstance(exc, psycopg.OperationalError)


def _by_stage(pairs: list[tuple[StorePipeline, _T]]) -> list[tuple[StorePipeline, list[_T]]]:
    """The values of each stage (each crawl), in the order they came."""
    grouped: dict[int, tuple[StorePipeline, list[_T]]] = {}
    for stage, value in pairs:
        grouped.setdefault(id(stage), (stage, []))[1].append(value)
    return list(grouped.values())
