"""What veille may ever request: http(s) only, and never an internal address.

A feed, a sitemap or a redirect can point anywhere: at `file:///etc/passwd`, at `data:` URLs,
at the machine veille runs on, at its network or at a cloud's metadata service. Two checks,
both applied to every request of a crawl (sources, feeds, sitemaps, listings, redirects):

- the scheme must be http or https (`allowed_scheme`);
- the address connected to must be global (`is_internal`: every special-purpose range of the
  IANA registries, such as loopback, private, shared 100.64.0.0/10, link-local and metadata,
  documentation, benchmarking, multicast, reserved, and IPv4 addresses mapped into IPv6),
  unless VEILLE_ALLOWED_NETWORKS allows it (the demo and the tests allow 127.0.0.0/8).

The address is checked where the connection gets it (`GuardedResolver`, the crawl's DNS
resolver), so a name that answers a public address to a first lookup and an internal one to the
next (DNS rebinding) cannot slip through; a failed lookup fails the request.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

logger = logging.getLogger(__name__)

ALLOWED_SCHEMES = frozenset({"http", "https"})
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def allowed_scheme(url: str) -> bool:
    return url.split(":", 1)[0].lower() in ALLOWED_SCHEMES if ":" in url else False


def is_internal(address: Address) -> bool:
    """True for any address outside the public internet."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if mapped is not None:
            return is_internal(mapped)
    return address in _METADATA or not address.is_global or address.is_multicast


def networks(entries: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


def refusal(host: str, address: Address) -> str:
    return (
        f"refused: {host} resolves to {address}, an internal address "
        "(allow it with the VEILLE_ALLOWED_NETWORKS crawl setting)"
    )


def check_address(
    host: str, address: Address, allowed: Sequence[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> str | None:
    """Why connecting to `address` (for `host`) is refused, or None."""
    if is_internal(address) and not any(address in network for network in allowed):
        return refusal(host, address)
    return None


class RefusedAddress(DNSLookupError):
    """A name resolved to an internal address: the connection is not made."""


# Why a name was refused, for the error recorded against the source: Twisted turns a failed
# lookup into a bare "no results" error on its way to the connection.
_REFUSED: dict[str, str] = {}


def refused_reason(host: str) -> str | None:
    return _REFUSED.get(host)


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing internal answers: the address checked is the address
    the connection uses."""

    def __init__(self, reactor: Any, cache_size: int, timeout: float, allowed: list[str]):
        super().__init__(reactor, cache_size, timeout)
        self.allowed = networks(allowed)

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(
            reactor,
            cache_size,
            settings.getfloat("DNS_TIMEOUT"),
            settings.getlist("VEILLE_ALLOWED_NETWORKS"),
        )

    def getHostByName(self, name: str, timeout: Sequence[int] = ()):  # noqa: N802 (Twisted's name)
        return self.lookup(name, timeout).addCallback(self._checked, name)

    def lookup(self, name: str, timeout: Sequence[int] = ()):
        """The name's address (cached); tests replace this with a resolver of their own."""
        return super().getHostByName(name, timeout)

    def _checked(self, answer: str, name: str) -> str:
        try:
            address = ipaddress.ip_address(answer.split("%")[0])
        except ValueError:
            raise RefusedAddress(
                f"refused: {name} resolved to {answer!r}, not an address"
            ) from None
        problem = check_address(name, address, self.allowed)
        if problem:
            if len(_REFUSED) > 10_000:
                _REFUSED.clear()
            _REFUSED[name] = problem
            logger.warning("%s", problem)
            raise RefusedAddress(problem)
        return answer
