"""Downloader middlewares of the veille crawler."""

from __future__ import annotations

import ipaddress
import socket
from datetime import UTC, datetime, timedelta

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler

from crawler.store import utcnow

ROBOTS_CACHE = timedelta(hours=24)  # what major crawlers allow themselves


class CachedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """robots.txt, obeyed as usual, but fetched at most once a day per site and kept in SQLite:
    a crawl of a site that published nothing new costs its entry points and nothing else."""

    @property
    def _db(self):
        return getattr(self.crawler.spider, "db", None)

    async def robot_parser(self, request: Request):
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers and self._db is not None:
            row = self._db.execute(
                "SELECT body, fetched_at FROM robots_cache WHERE netloc = ?", [netloc]
            ).fetchone()
            if row:
                fetched = datetime.fromisoformat(row[1].replace("Z", "+00:00"))
                if datetime.now(UTC) - fetched < ROBOTS_CACHE:
                    self._parsers[netloc] = build_from_crawler(
                        self._parserimpl, self.crawler, row[0]
                    )
                    self._stats.inc_value("robotstxt/cache_hit")
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if self._db is not None and response.status == 200:
            with self._db.conn:
                self._db.conn.execute(
                    "INSERT INTO robots_cache(netloc, body, fetched_at) VALUES (?,?,?) "
                    "ON CONFLICT(netloc) DO UPDATE SET body=excluded.body, fetched_at=excluded.fetched_at",
                    (netloc, response.body, utcnow()),
                )
        await super()._parse_robots(response, netloc, request)


class BlockedAddress(IgnoreRequest):
    """A request refused because its host resolves to a private, loopback or metadata address."""


_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


def is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (
        address in _METADATA
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


class PrivateAddressGuard:
    """Refuse URLs that resolve to loopback, private, link-local or cloud-metadata addresses.

    A feed or sitemap can point anywhere, including at the machine veille runs on or its
    network; by default nothing internal is fetched. VEILLE_ALLOWED_NETWORKS lists networks to
    allow anyway (the demo and the tests allow 127.0.0.0/8). Redirects are checked too, since
    every redirected request goes through this middleware again.
    """

    def __init__(self, allowed: list[str]) -> None:
        self.allowed = [ipaddress.ip_network(n, strict=False) for n in allowed]
        self._resolved: dict[str, list] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getlist("VEILLE_ALLOWED_NETWORKS"))

    def _addresses(self, host: str) -> list:
        if host not in self._resolved:
            try:
                infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
                self._resolved[host] = [
                    ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos
                ]
            except (socket.gaierror, UnicodeError, ValueError):
                self._resolved[host] = []  # let the download fail with its own DNS error
        return self._resolved[host]

    def process_request(self, request: Request):
        host = urlparse_cached(request).hostname or ""
        for address in self._addresses(host):
            if is_internal(address) and not any(address in net for net in self.allowed):
                raise BlockedAddress(
                    f"refused: {host} resolves to {address}, an internal address "
                    "(allow it with the VEILLE_ALLOWED_NETWORKS crawl setting)"
                )
        return None
