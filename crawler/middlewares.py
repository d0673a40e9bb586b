"""Downloader middlewares of the veille crawler."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Self

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from crawler.bookkeeping import journal_of
from crawler.fetching.addresses import allowed_scheme, check_address, networks
from crawler.storage import store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

    from crawler.storage.engine import Database

ROBOTS_CACHE = timedelta(hours=24)  # what major crawlers allow themselves


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """robots.txt, obeyed as usual, but fetched at most once a day per site and kept in SQLite:
    a crawl of a site that published nothing new costs its entry points and nothing else.

    Scrapy offers no hook for this: it extends RobotsTxtMiddleware's private `_parse_robots`,
    `_parsers`, `_parserimpl` and `_stats`. tests/test_scrapy_contract.py pins them, so an
    upgrade of Scrapy that changes them fails there, by name, instead of crawling without the
    cache (or without robots.txt)."""

    @property
    def _db(self) -> Database | None:
        """The crawl's database, through its journal (None for a spider that keeps none)."""
        journal = journal_of(self.crawler)
        return journal.db if journal is not None else None

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers and self._db is not None:
            row = store.cached_robots(self._db, netloc)
            if row:
                fetched = datetime.fromisoformat(row[1].replace("Z", "+00:00"))
                if datetime.now(UTC) - fetched < ROBOTS_CACHE:
                    self._parsers[netloc] = build_from_crawler(
                        self._parserimpl, self.crawler, row[0]
                    )
                    self._stats.inc_value("robotstxt/cache_hit")
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if self._db is not None and _kept(response.status):
            # A site that answers robots.txt with a client error (404, 410, 403) has none: no
            # rules (Scrapy reads the error page as one without any), kept as an empty file.
            # Not kept, every crawl of such a site asked for it again, every poll.
            body = response.body if response.status == 200 else b""
            store.save_robots(self._db, netloc, body)
        await super()._parse_robots(response, netloc, request)


def _kept(status: int) -> bool:
    """Whether a robots.txt answer is kept for the day: the file, or a client error saying the
    site has none. A server error or 429 (Too Many Requests) is asked again next crawl."""
    return status == 200 or (400 <= status < 500 and status != 429)


class BlockedAddress(IgnoreRequest):
    """A request refused by the fetch policy: not http(s), or an internal address."""


class PrivateAddressGuard:
    """Refuse, before anything is sent, a request that is not http(s) (`file:`, `data:`, `ftp:`
    children of a sitemap, redirects to them) or whose host is an internal IP literal
    (crawler.fetching.fetch_policy). Names are checked where they are resolved, by the crawl's resolver
    (GuardedResolver), so the address checked is the one connected to. Redirects go through
    this middleware again."""

    def __init__(self, allowed: list[str]) -> None:
        self.allowed = networks(allowed)
        # (scheme, netloc) -> why requests there are refused, or None: a crawl asks for the
        # same few sites' pages over and over, and the answer depends on nothing else.
        self._verdicts: dict[tuple[str, str], str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getlist("VEILLE_ALLOWED_NETWORKS"))

    def process_request(self, request: Request) -> None:
        if not allowed_scheme(request.url):
            raise BlockedAddress(
                f"refused: {request.url[:80]!r} is not an http(s) address; veille fetches "
                "nothing else"
            )
        parsed = urlparse_cached(request)
        try:
            problem = self._verdicts[parsed.scheme, parsed.netloc]
        except KeyError:
            problem = self._verdict(request)
            self._verdicts[parsed.scheme, parsed.netloc] = problem
        if problem:
            raise BlockedAddress(problem)
        return None

    def _verdict(self, request: Request) -> str | None:
        """Why a request to this request's host and port is refused, or None."""
        parsed = urlparse_cached(request)
        host = parsed.hostname or ""
        try:
            address = ipaddress.ip_address(host.strip("[]").split("%")[0])
        except ValueError:
            return None  # a name: GuardedResolver checks what it resolves to
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        return check_address(host, address, self.allowed, port)
