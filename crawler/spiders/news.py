"""The generic news spider: for each configured source, read its feeds, sitemaps and listing
pages, and fetch the article URLs not already stored.

Run by the daemon in a child process (see crawler.fetching.crawl), or by hand:
    scrapy crawl news -a sources=seeds/sources.yaml -a db=data/veille.db [-a only=name1,name2]
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast
from urllib.parse import urljoin, urlsplit

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectError,
    ConnectionDone,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from crawler.core.canonical import canonicalize_url, url_key
from crawler.discovery import retries
from crawler.discovery.discover import newest_first, parse_entry_point, robots_sitemaps
from crawler.discovery.links import NOT_AN_ARTICLE, listing_link_reason
from crawler.discovery.sites import SiteHosts
from crawler.discovery.sources import EntryPoint, Source, load_sources_cached
from crawler.fetching.fetch_policy import allowed_scheme, refused_reason
from crawler.items import ArticleItem, ArticleMeta, EntryMeta
from crawler.journal import CrawlJournal
from crawler.middlewares import BlockedAddress
from crawler.storage import store
from crawler.storage.engine import Database

logger = logging.getLogger(__name__)


def _failed_request(failure: Failure) -> scrapy.Request:
    """The request of an errback's failure (Scrapy attaches it to the Failure)."""
    return failure.request  # type: ignore[attr-defined]


def _requested_url(response: Response) -> str:
    """The URL as requested (before redirects), which entry state and retries are keyed by."""
    return response.request.url if response.request is not None else response.url


def _content_type(response: Response) -> str:
    return (response.headers.get("Content-Type") or b"").decode("latin-1")


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _cancelled(said: str, maxsize: int | None, stopping: str | None) -> tuple[str, str]:
    """Why Scrapy cancelled a download. It says so when a page announces a size over the limit;
    a body that grows past it unannounced, or a crawl being stopped, cancel it with no word."""
    if said:
        return "too-large", f"download cancelled: {said}; raise DOWNLOAD_MAXSIZE if legitimate"
    if stopping:
        return "stopped", f"download cancelled: the crawl was stopped ({stopping})"
    limit = f"{maxsize:,} bytes, " if maxsize else ""
    return "too-large", (
        f"download cancelled: the page grew past the size limit ({limit}DOWNLOAD_MAXSIZE) "
        "without announcing its size; raise DOWNLOAD_MAXSIZE if legitimate"
    )


def describe_failure(
    failure: Failure, maxsize: int | None = None, stopping: str | None = None
) -> tuple[str, str]:
    """A (kind, message) pair a user understands, for a failed request. `maxsize` is the
    crawl's DOWNLOAD_MAXSIZE, `stopping` why the crawl is being stopped, if it is."""
    exc = failure.value
    if isinstance(exc, HttpError):
        status = exc.response.status
        return f"http-{status}", f"HTTP {status}"
    if failure.check(DNSLookupError, CannotResolveHostError):
        request = getattr(failure, "request", None)
        host = urlsplit(request.url).hostname if request is not None else None
        refused = refused_reason(host) if host else None
        if refused:
            return "blocked-address", refused
        return "dns", "host name does not resolve"
    if failure.check(ConnectionRefusedError, ConnectError, DownloadConnectionRefusedError):
        return "unreachable", "connection refused or failed: is the site down?"
    if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return "timeout", "no answer before the download timeout"
    if failure.check(DownloadCancelledError):
        return _cancelled(str(exc), maxsize, stopping)
    if failure.check(ResponseDataLossError):
        return "truncated", "the server closed the connection before the end of the page"
    if failure.check(BlockedAddress):
        return "blocked-address", str(exc)
    if failure.check(IgnoreRequest) and "redirection" in str(exc):
        return "redirect-loop", f"{exc} (REDIRECT_MAX_TIMES)"
    if failure.check(IgnoreRequest) and ("decompressed" in str(exc) or "max size" in str(exc)):
        return "too-large", f"{str(exc)[:200]}; raise DOWNLOAD_MAXSIZE if legitimate"
    if failure.check(DownloadFailedError, ConnectionLost, ConnectionDone):
        return (
            "connection-lost",
            "the server closed or reset the connection before the page was complete",
        )
    if failure.check(IgnoreRequest):
        return "ignored", str(exc) or "request ignored (robots.txt or size limit)"
    return "fetch-failed", f"{exc.__class__.__name__}: {exc}"


def _page_html(response: Response) -> tuple[str, str | None]:
    """The page's text, decoded by Scrapy (HTTP header, BOM, <meta>, then sniffing), and the
    encoding it was read in instead when the one its server declared cannot read it (None
    when it can). The header comes first: a server saying utf-8 of a windows-1256 page (an
    old Arabic site's) gave a text of U+FFFD, stored and alerted on without a word. Then the
    page's <meta> is tried, and the likelier of the Arabic and the Western Windows code pages
    (an open guess named cp775 for a Latin-1 French page); the first that reads every byte."""
    text = response.text
    body = response.body
    if "\ufffd" not in text or "\ufffd".encode() in body:
        return text, None
    unreadable = text.count("\ufffd")
    if sum(1 for char in text if char > "\x7f") - unreadable >= unreadable:
        # the declared charset reads the page's other letters: a stray byte (an advertiser's
        # Latin-1 in a utf-8 page), not a page in another charset, which read whole in a code
        # page turned every accent into « Ã© »
        return text, None
    from charset_normalizer import from_bytes  # only for a page its charset cannot read
    from w3lib.encoding import html_body_declared_encoding

    guess = from_bytes(body, cp_isolation=["cp1252", "cp1256"]).best()
    for encoding in (html_body_declared_encoding(body), guess.encoding if guess else None):
        if encoding and encoding != getattr(response, "encoding", None):
            try:
                return body.decode(encoding), encoding
            except (LookupError, UnicodeDecodeError):
                continue
    return text, None


class NewsSpider(scrapy.Spider):
    name = "news"
    # Set by from_crawler, once the crawler's settings are known.
    sources_path: str
    db: Database
    sources: dict[str, Source]
    sites: dict[str, SiteHosts]
    run_id: int
    # What this crawl records: opened here with the run, handed to the bookkeeping extension,
    # of which the pipelines and the robots middleware ask it (crawler.bookkeeping.journal_of).
    journal: CrawlJournal
    stop_reason: str | None = None  # why a crawl stopped from outside was stopped (time limit)
    max_per_entry: int
    max_child_sitemaps: int
    url_length_limit: int

    def __init__(
        self,
        sources: str | None = None,
        db: str | None = None,
        only: str | None = None,
        run_id: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._sources_path = sources
        self._db_path = db
        self._only = [n.strip() for n in only.split(",")] if only else None
        self._run_id = int(run_id) if run_id else None
        self._validators: dict[str, tuple[int, str | None, str | None]] = {}
        self._children: dict[str, list[str]] = {}
        self._requested: set[str] = set()
        # (source, address) of every feed, sitemap or robots.txt requested in this crawl.
        self._entries_read: set[tuple[str, str]] = set()
        self._handed_over: set[str] = set()  # sources whose start requests were all scheduled
        # Per source: links found at entry points that answered with content, and why some
        # were not taken (for the warning of a source that quietly went dark).
        self.discovered: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.sources_path = spider._sources_path or settings.get("VEILLE_SOURCES")
        # A crawl veille started (its run recorded: a run id) never makes its database: gone
        # since (moved away, deleted) it is an error, not a new empty one the crawl fills.
        spider.db = store.open_database(
            spider._db_path or settings.get("VEILLE_DB"), create=spider._run_id is None
        )
        store.read_through_small_cache(spider.db)  # up to 8 crawls at once in a worker
        source_list = load_sources_cached(spider.sources_path)
        chosen = (
            [source_list.by_name(n) for n in spider._only]
            if spider._only
            else source_list.enabled()
        )
        spider.sources = {s.name: s for s in chosen}
        spider.sites = {s.name: s.site for s in chosen}
        store.register_sources(spider.db, chosen)
        spider.run_id = spider._run_id or store.start_run(spider.db, list(spider.sources))
        spider.journal = CrawlJournal(spider.db, spider.run_id, crawler)
        spider.max_per_entry = settings.getint("VEILLE_MAX_ARTICLES_PER_ENTRY")
        spider.max_child_sitemaps = settings.getint("VEILLE_MAX_CHILD_SITEMAPS")
        spider.url_length_limit = settings.getint("URLLENGTH_LIMIT")  # 0: no limit, as Scrapy's
        return spider

    # -- recording -----------------------------------------------------------------------------

    def record_error(self, source: str, url: str | None, kind: str, message: str) -> None:
        self.journal.record_error(source, url, kind, message)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources.values():
            for entry in source.active_entry_points():
                yield self._entry_request(source, entry, entry.url)
            if source.sitemaps_from_robots:
                robots = urljoin(source.homepage, "/robots.txt")
                yield self._entry_request(source, EntryPoint("robots", robots), robots)
            # Articles whose fetch failed before: due again even if every entry point says 304.
            for due in retries.due_retries(self.db, source.name):
                request = self._article_request(
                    source, due.url, due.feed_title, due.feed_published, retrying=True
                )
                if request is not None:
                    self.journal.count(source.name, "retried")
                    yield request
            self._handed_over.add(source.name)

    def _entry_request(
        self, source: Source, entry: EntryPoint, url: str, depth: int = 0
    ) -> scrapy.Request:
        self._entries_read.add((source.name, url))
        return scrapy.Request(
            url,
            callback=self.parse_entry,
            errback=self.entry_failed,
            dont_filter=True,
            priority=10,
            # Conditional: a feed or sitemap that did not change answers 304 and costs nothing.
            headers=store.entry_validators(self.db, url),
            meta=dict(  # typed as the callback reads it
                EntryMeta(
                    source=source.name, entry=entry, depth=depth, handle_httpstatus_list=[304]
                )
            ),
        )

    def _describe(self, failure: Failure) -> tuple[str, str]:
        request = _failed_request(failure)
        maxsize = request.meta.get("download_maxsize", self.settings.getint("DOWNLOAD_MAXSIZE"))
        engine = getattr(self.crawler, "engine", None)
        stopping = self.stop_reason or (
            "shutdown" if engine is not None and not engine.running else None
        )
        return describe_failure(failure, maxsize, stopping)

    def entry_failed(self, failure: Failure) -> None:
        request = _failed_request(failure)
        kind, message = self._describe(failure)
        self.journal.count(request.meta["source"], "entry_failed")
        self.record_error(request.meta["source"], request.url, kind, message)

    def _unread(self, source: str, urls: list[str]) -> list[str]:
        """The documents of `urls` not requested yet for this source in this crawl: an index
        that lists itself, or indexes that list each other, are read once, not again at each
        level followed."""
        return [url for url in dict.fromkeys(urls) if (source, url) not in self._entries_read]

    def _sitemaps_not_fetched(self, source: str, url: str, count: int, depth: int) -> None:
        """Child sitemaps of an index left out of this crawl: counted in the run's record and
        said in the crawl log, never dropped without a word."""
        self.journal.count(source, "sitemaps_not_fetched", count)
        why = (
            "the index is nested three levels deep"
            if depth >= 2
            else f"past VEILLE_MAX_CHILD_SITEMAPS={self.max_child_sitemaps}, the newest by "
            "<lastmod> fetched (raise it in VEILLE_CRAWL_SETTINGS to fetch more)"
        )
        logger.info(
            "source=%s sitemap index %s: %d child sitemap(s) not fetched: %s",
            source,
            url,
            count,
            why,
        )

    def parse_entry(self, response: Response) -> Iterator[scrapy.Request]:
        meta = cast(EntryMeta, response.meta)
        source = self.sources[meta["source"]]
        entry = meta["entry"]
        # Validators are saved only when the crawl finishes: a crawl killed half-way must not leave
        # a 304 hiding the articles it did not get to.
        self._validators[_requested_url(response)] = (
            response.status,
            _header(response, b"ETag"),
            _header(response, b"Last-Modified"),
        )
        depth = meta["depth"]
        if response.status == 304:
            self.journal.count(source.name, "entry_ok")
            self.journal.count(source.name, "not_modified")
            # An unchanged sitemap index says nothing of its children: check them (conditionally).
            for child in self._unread(
                source.name, store.entry_children(self.db, _requested_url(response))
            ):
                if depth < 2:
                    yield self._entry_request(
                        source, self._child_entry(entry, child), child, depth + 1
                    )
            return
        content_type = _content_type(response)
        if entry.kind == "robots":
            self.journal.count(source.name, "entry_ok")
            sitemaps = robots_sitemaps(response.body, self.sites[source.name])
            self._children[_requested_url(response)] = sitemaps
            for sitemap in self._unread(source.name, sitemaps):
                yield self._entry_request(source, self._child_entry(entry, sitemap), sitemap)
            return
        found = parse_entry_point(
            entry.kind,
            response.body,
            response.url,
            content_type,
            self.sites[source.name],
            source.timezone,
        )
        counts = self.discovered[source.name]
        counts["answered"] += 1
        for reason, count in found.skipped.items():
            counts[reason] += count
        if found.problem:
            kind = "malformed-" + entry.kind
            self.record_error(source.name, response.url, kind, found.problem)
        if found.links or not found.problem:
            self.journal.count(source.name, "entry_ok")
        else:
            self.journal.count(source.name, "entry_failed")
        refused = [child for child in found.sitemaps if not allowed_scheme(child)]
        if refused:
            self.record_error(
                source.name,
                response.url,
                "blocked-address",
                f"{len(refused)} child sitemap(s) not at an http(s) address, not fetched "
                f"(first: {refused[0][:80]!r})",
            )
        # each child once: one listed twice took two places of the limit
        listed = list(dict.fromkeys(c for c in found.sitemaps if allowed_scheme(c)))
        children = listed
        if len(listed) > self.max_child_sitemaps:
            children = newest_first(listed, found.sitemap_modified)[: self.max_child_sitemaps]
        left = len(listed) - len(children)
        if children:
            self._children[_requested_url(response)] = children
        if depth >= 2:  # an index three levels down: its children (not read yet) not fetched
            left, children = left + len(self._unread(source.name, children)), []
        if left:
            self._sitemaps_not_fetched(source.name, response.url, left, depth)
        for child in self._unread(source.name, children):
            yield self._entry_request(source, entry, child, depth + 1)
        taken = passed = 0
        bad_links: list[str] = []
        too_long: list[str] = []
        for link in found.links:
            try:
                rejected = self._rejection(source, entry, link.url, link.title)
                if rejected:
                    counts[rejected] += 1
                    logger.debug(
                        "source=%s link not taken: %s (%s)", source.name, link.url, rejected
                    )
                    continue
                counts["articles"] += 1
                if taken >= self.max_per_entry:
                    passed += 1
                    continue
                request = self._article_request(
                    source, link.url, link.title, link.published, link.modified
                )
            except ValueError as exc:  # a bad port, a broken IPv6 literal: this link only
                counts["bad address"] += 1
                bad_links.append(f"{link.url[:80]!r} ({exc})")
                continue
            if request is not None and 0 < self.url_length_limit < len(request.url):
                # Scrapy would drop it with a line in the crawl log only (UrlLengthMiddleware)
                counts["address too long"] += 1
                too_long.append(f"{request.url[:80]!r}… ({len(request.url):,} characters)")
                continue
            if request is not None:
                taken += 1
                yield request
        if too_long:
            self.record_error(
                source.name,
                response.url,
                "bad-link",
                f"{len(too_long)} link(s) longer than URLLENGTH_LIMIT ({self.url_length_limit:,} "
                f"characters, escaped) skipped, e.g. {too_long[0]}; raise URLLENGTH_LIMIT in "
                "VEILLE_CRAWL_SETTINGS if they are articles",
            )
        if passed:  # left for later crawls, as documented, but never without a word
            self.journal.count(source.name, "links_not_looked_at", passed)
            logger.info(
                "source=%s %s: %d further article link(s) not looked at: "
                "VEILLE_MAX_ARTICLES_PER_ENTRY=%d new ones taken, the rest left for later crawls",
                source.name,
                response.url,
                passed,
                self.max_per_entry,
            )
        bad_links += found.unusable  # not even an address: counted with found.skipped above
        if bad_links:
            self.record_error(
                source.name,
                response.url,
                "bad-link",
                f"{len(bad_links)} link(s) with an unusable address skipped, e.g. {bad_links[0]}",
            )

    @staticmethod
    def _child_entry(entry: EntryPoint, url: str) -> EntryPoint:
        """The entry point a child document is read as: robots.txt lists sitemaps; a sitemap
        index lists sitemaps."""
        return EntryPoint("sitemap", url) if entry.kind == "robots" else entry

    def _rejection(
        self, source: Source, entry: EntryPoint, url: str, text: str | None = None
    ) -> str | None:
        """Why a discovered link is not taken as an article URL, or None to take it. A listing's
        links are told apart by URL shape and what the link holds (crawler.discovery.links),
        also where the source's article_pattern matches: a site's videos often share it."""
        if urlsplit(url).scheme not in ("http", "https"):
            return "not http"
        matched = False
        if source.article_pattern:
            if not source.looks_like_article(url):
                return "not matching article_pattern"
            matched = True
        if entry.kind == "listing":
            reason = listing_link_reason(url, text, entry.url, matched)
            if reason:
                return f"{NOT_AN_ARTICLE}{reason}"
        return None

    def _article_request(
        self,
        source: Source,
        url: str,
        title: str | None,
        published: str | None,
        modified: str | None = None,
        retrying: bool = False,
    ) -> scrapy.Request | None:
        canonical = canonicalize_url(url)
        key = url_key(canonical)
        if key in self._requested:
            return None
        self._requested.add(key)
        booked = retries.state_of(self.db, key)
        if booked in (retries.PERMANENT, retries.GIVEN_UP, retries.WAITING) and not retrying:
            self.journal.count(source.name, "booked_skipped")  # retried when due, not before
            return None
        update = False
        if store.is_known_url(self.db, canonical):
            if not store.is_outdated(self.db, canonical, modified):
                self.journal.count(source.name, "known")
                if booked is not None and booked != retries.PERMANENT:
                    # Stored since it was booked (by a crawl killed before it could settle
                    # the entry): nothing left to retry, and the entry must not keep one of
                    # the source's retry places for good.
                    retries.clear(self.db, key)
                return None
            update = True  # the feed or sitemap says it changed since we fetched it
        return scrapy.Request(
            canonical,
            callback=self.parse_article,
            errback=self.article_failed,
            dont_filter=True,
            meta=dict(  # typed as the callback reads it
                ArticleMeta(
                    source=source.name,
                    feed_title=title,
                    feed_published=published,
                    discovered_as=url,
                    update=update,
                    booked=booked is not None,
                )
            ),
        )

    # -- articles ------------------------------------------------------------------------------

    def article_failed(self, failure: Failure) -> None:
        request = _failed_request(failure)
        kind, message = self._describe(failure)
        self.journal.book_article_failure(
            request.meta["source"], request.url, kind, message, request.meta
        )

    def parse_article(self, response: Response) -> Iterator[ArticleItem]:
        meta = cast(ArticleMeta, response.meta)
        source = self.sources[meta["source"]]
        content_type = _content_type(response).lower()
        if content_type and "html" not in content_type:
            self.journal.book_article_failure(
                source.name, _requested_url(response), "not-html", f"content type {content_type}"
            )
            return
        seen = [meta["discovered_as"], _requested_url(response), response.url]
        seen += response.meta.get("redirect_urls", [])
        html, read_as = _page_html(response)
        if read_as:
            logger.warning(
                "source=%s %s: the page is not %s as its server says (%d characters unreadable "
                "so); read as %s",
                source.name,
                response.url,
                getattr(response, "encoding", "?"),
                response.text.count("\ufffd"),
                read_as,
            )
        yield ArticleItem(
            source=source.name,
            fetched_url=response.url,
            html=html,
            seen_urls=list(dict.fromkeys(seen)),
            feed_title=meta["feed_title"],
            feed_published=meta["feed_published"],
            profile=source.profile,
            is_update_check=meta["update"],
            retry_key=url_key(_requested_url(response)) if meta["booked"] else None,
        )

    # -- stopping ------------------------------------------------------------------------------

    def unfinished_sources(self) -> set[str]:
        """The sources with work not done: a request waiting, downloading, or whose page or
        articles are being processed, or start requests not all handed over yet. The waiting
        requests are taken out of the scheduler, as the crawl is stopping anyway."""
        engine = self.crawler.engine
        # Scrapy 2.19 (pinned): the engine's slot holds every request from its download until
        # its callback's output (the articles through the pipelines) is processed.
        slot = getattr(engine, "_slot", None)
        requests = set(slot.inprogress) if slot is not None else set()
        scheduler = engine.scheduler
        while scheduler is not None and scheduler.has_pending_requests():
            request = scheduler.next_request()
            if request is None:
                break
            requests.add(request)
        names = {r.meta.get("source") for r in requests} | (set(self.sources) - self._handed_over)
        return {name for name in names if name in self.sources}

    def closed(self, reason: str) -> None:
        """Save what discovery learnt (entry points' validators, sitemap children) when the crawl
        finished and lost no article. The run's record is crawler.bookkeeping's, on the same
        signal, after this (it closes the run's database connection)."""
        if reason == "finished" and not self.journal.articles_lost:
            for url, (code, etag, modified) in self._validators.items():
                store.save_entry_state(self.db, url, code, etag, modified)
            for url, children in self._children.items():
                store.save_entry_children(self.db, url, children)
