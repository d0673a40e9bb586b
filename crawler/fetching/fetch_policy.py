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

import contextlib
import ipaddress
import logging
import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urljoin

import urllib3
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from zope.interface import implementer

from crawler.fetching.addresses import (
    AllowedNetwork,
    allowed_scheme,
    check_address,
    is_internal,
    networks,
    refusal,
)

logger = logging.getLogger(__name__)

__all__ = [
    "AllowedNetwork",
    "allowed_scheme",
    "check_address",
    "is_internal",
    "networks",
    "refusal",
]


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

    def install_on_reactor(self) -> None:
        super().install_on_reactor()
        # Connections ask the reactor's name resolver, with the port: check the pair there.
        # (mypy does not read zope's @implementer: the cast states what it declares)
        checking = cast(IHostnameResolver, _PortChecking(self.reactor.nameResolver, self.allowed))
        self.reactor.installNameResolver(checking)

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


# -- the same policy for requests made outside a crawl (`sources check`, `rules test URL`,
# `extract URL`): urllib3, resolving each name once and connecting to the checked address.


class FetchRefused(Exception):
    """A request the fetch policy does not make (scheme, internal address, too many redirects,
    too large)."""


@dataclass(frozen=True)
class Fetched:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes
    url: str  # after redirects


def _guarded_connection(base: type, allowed: list) -> type:
    class Guarded(base):
        def _new_conn(self):  # urllib3's hook: resolve once, check, connect to that address
            try:
                infos = socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM)
            except socket.gaierror as exc:
                raise urllib3.exceptions.NameResolutionError(self.host, self, exc) from exc
            for info in infos:
                address = ipaddress.ip_address(info[4][0].split("%")[0])
                problem = check_address(self.host, address, allowed, self.port)
                if problem:
                    raise FetchRefused(problem)
            address = infos[0][4][0]
            try:
                sock = urllib3.util.connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                raise urllib3.exceptions.ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out"
                ) from exc
            except OSError as exc:
                raise urllib3.exceptions.NewConnectionError(
                    self, f"Failed to establish a new connection: {exc}"
                ) from exc
            return sock

    return Guarded


REDIRECTS = frozenset({301, 302, 303, 307, 308})


def guarded_get(
    url: str,
    *,
    allowed: Iterable[str] = (),
    timeout: float = 15.0,
    max_bytes: int = 10 * 1024 * 1024,
    max_redirects: int = 5,
    headers: dict[str, str] | None = None,
) -> Fetched:
    """GET `url` under the crawl's fetch policy: http(s) only at every hop, every address
    checked where it is connected to, at most `max_redirects` redirects, `timeout` seconds
    for the whole exchange and `max_bytes` of body (decompressed). Raises FetchRefused, or
    urllib3's errors for network failures."""
    networks_allowed = networks(allowed)
    deadline = time.monotonic() + timeout
    for _ in range(max_redirects + 1):
        if not allowed_scheme(url):
            raise FetchRefused(f"refused: {url[:80]!r} is not an http(s) address")
        parts = urllib3.util.parse_url(url)
        try:
            port = parts.port
        except ValueError as exc:
            raise FetchRefused(f"refused: {url[:80]!r} has no usable port ({exc})") from None
        literal = None
        with contextlib.suppress(ValueError):
            literal = ipaddress.ip_address((parts.host or "").strip("[]"))
        if literal is not None:
            default_port = 443 if parts.scheme == "https" else 80
            problem = check_address(
                parts.host or "", literal, networks_allowed, port or default_port
            )
            if problem:
                raise FetchRefused(problem)
        pool_class = (
            urllib3.HTTPSConnectionPool if parts.scheme == "https" else urllib3.HTTPConnectionPool
        )
        pool = pool_class(
            parts.host or "",
            port,
            headers=headers,
            retries=False,
            timeout=urllib3.Timeout(total=max(0.1, deadline - time.monotonic())),
        )
        pool.ConnectionCls = _guarded_connection(pool.ConnectionCls, networks_allowed)
        try:
            response = pool.urlopen("GET", parts.request_uri, redirect=False, preload_content=False)
            location = response.headers.get("Location")
            if response.status in REDIRECTS and location:
                response.drain_conn()
                url = urljoin(url, location)
                continue
            body = b""
            for chunk in response.stream(64 * 1024, decode_content=True):
                body += chunk
                if len(body) > max_bytes:
                    raise FetchRefused(f"{url[:80]}: larger than {max_bytes} bytes, not read")
                if time.monotonic() > deadline:
                    raise urllib3.exceptions.ReadTimeoutError(pool, url, "read timed out")
            names = {name.lower(): value for name, value in response.headers.items()}
            return Fetched(response.status, names, body, url)
        finally:
            pool.close()
    raise FetchRefused(f"{url[:80]}: more than {max_redirects} redirects")


@implementer(IResolutionReceiver)
class _CheckedReceiver:
    """Passes on only the (address, port) pairs the policy admits."""

    def __init__(self, receiver: Any, host: str, allowed: list[AllowedNetwork]) -> None:
        self.receiver, self.host, self.allowed = receiver, host, allowed

    def resolutionBegan(self, resolution: Any) -> None:  # noqa: N802 (Twisted's name)
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: Any) -> None:  # noqa: N802
        try:
            ip = ipaddress.ip_address(str(address.host).split("%")[0])
        except ValueError:
            return
        problem = check_address(self.host, ip, self.allowed, getattr(address, "port", None))
        if problem:
            _REFUSED[self.host] = problem
            logger.warning("%s", problem)
            return
        self.receiver.addressResolved(address)

    def resolutionComplete(self) -> None:  # noqa: N802
        self.receiver.resolutionComplete()


@implementer(IHostnameResolver)
class _PortChecking:
    """The reactor's name resolver, checking each resolved address with its port."""

    def __init__(self, resolver: Any, allowed: list[AllowedNetwork]) -> None:
        self.resolver, self.allowed = resolver, allowed

    def resolveHostName(  # noqa: N802 (Twisted's name)
        self,
        resolutionReceiver: Any,  # noqa: N803
        hostName: str,  # noqa: N803
        portNumber: int = 0,  # noqa: N803
        addressTypes: Any = None,  # noqa: N803
        transportSemantics: str = "TCP",  # noqa: N803
    ) -> Any:
        return self.resolver.resolveHostName(
            _CheckedReceiver(resolutionReceiver, hostName, self.allowed),
            hostName,
            portNumber,
            addressTypes,
            transportSemantics,
        )
