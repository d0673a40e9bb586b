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
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urljoin

import urllib3
from scrapy.resolver import CachingThreadedResolver
from twisted.internet._resolver import HostResolution
from twisted.internet.address import IPv4Address as TwistedIPv4Address
from twisted.internet.address import IPv6Address as TwistedIPv6Address
from twisted.internet.defer import Deferred
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

    def getHostByName(  # noqa: N802 (Twisted's name)
        self, name: str, timeout: Sequence[int] = ()
    ) -> Deferred[str]:
        return self.lookup(name, timeout).addCallback(self._checked, name)

    def lookup(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
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
    too large, too slow)."""


class FetchTimedOut(FetchRefused):
    """The whole exchange (connection, headers, body, redirects) took longer than its deadline."""


class _Deadline:
    """A wall-clock limit on a whole exchange. A socket timeout bounds each read, not their sum:
    a server sending one byte a second never trips it. At the deadline a timer shuts the open
    connections down, which wakes any read blocked on them (headers, TLS or body alike)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.expired = False
        self._lock = threading.Lock()
        self._sockets: list[int] = []  # descriptors: TLS wraps a socket object but keeps its fd
        self._over = False
        self._timer = threading.Timer(max(0.0, seconds), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock.fileno())
            if self.expired:
                _shut(self._sockets[-1])

    def forget(self) -> None:
        """Called before the connections are closed: a closed descriptor's number may be
        reused by anything, so it must never be shut down after that."""
        with self._lock:
            self._sockets.clear()

    def _expire(self) -> None:
        with self._lock:
            if self._over:
                return
            self.expired = True
            for descriptor in self._sockets:
                _shut(descriptor)

    def close(self) -> None:
        with self._lock:
            self._over = True
            self._sockets.clear()
        self._timer.cancel()


def _shut(descriptor: int) -> None:
    try:
        sock = socket.socket(fileno=descriptor)
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.detach()  # the descriptor stays its owner's to close


@dataclass(frozen=True)
class Fetched:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes
    url: str  # after redirects


def _guarded_connection(base: type, allowed: list, deadline: _Deadline) -> type:
    class Guarded(base):
        # urllib3's hook: resolve once, check, connect to that address.
        def _new_conn(self) -> socket.socket:
            try:
                infos = socket.getaddrinfo(self._dns_host, self.port, type=socket.SOCK_STREAM)
            except socket.gaierror as exc:
                raise urllib3.exceptions.NameResolutionError(self.host, self, exc) from exc
            for info in infos:
                checked = ipaddress.ip_address(str(info[4][0]).split("%")[0])
                problem = check_address(self.host, checked, allowed, self.port)
                if problem:
                    raise FetchRefused(problem)
            address = str(infos[0][4][0])  # the address checked first, connected to
            if deadline.remaining() <= 0:
                raise FetchTimedOut(f"{self.host}: no answer within {deadline.seconds:g} s")
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
            deadline.watch(sock)
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
    checked where it is connected to, at most `max_redirects` redirects, `timeout` seconds of
    wall-clock time for the whole exchange (connecting, headers, body and redirects: a server
    that drips its answer is cut there, FetchTimedOut) and `max_bytes` of body (decompressed).
    Raises FetchRefused, or urllib3's errors for network failures."""
    networks_allowed = networks(allowed)
    deadline = _Deadline(timeout)
    try:
        for _ in range(max_redirects + 1):
            if not allowed_scheme(url):
                raise FetchRefused(f"refused: {url[:80]!r} is not an http(s) address")
            try:
                fetched = _hop(url, networks_allowed, deadline, max_bytes, headers)
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                if deadline.expired:
                    raise _timed_out(url, deadline) from None
                if isinstance(exc, OSError):
                    raise urllib3.exceptions.ProtocolError(str(exc), exc) from exc
                raise
            if deadline.expired:  # a read the deadline ended looks like a short answer
                raise _timed_out(url, deadline)
            if isinstance(fetched, str):
                url = fetched
                continue
            return fetched
        raise FetchRefused(f"{url[:80]}: more than {max_redirects} redirects")
    finally:
        deadline.close()


def _timed_out(url: str, deadline: _Deadline) -> FetchTimedOut:
    return FetchTimedOut(
        f"{url[:80]}: no complete answer within {deadline.seconds:g} s (the limit covers the "
        "whole exchange; the server answers too slowly)"
    )


def _hop(
    url: str,
    networks_allowed: list[AllowedNetwork],
    deadline: _Deadline,
    max_bytes: int,
    headers: dict[str, str] | None,
) -> Fetched | str:
    """One request: the answer, or the URL a redirect points to."""
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
        problem = check_address(parts.host or "", literal, networks_allowed, port or default_port)
        if problem:
            raise FetchRefused(problem)
    if deadline.remaining() <= 0:
        raise _timed_out(url, deadline)
    pool_class = (
        urllib3.HTTPSConnectionPool if parts.scheme == "https" else urllib3.HTTPConnectionPool
    )
    pool = pool_class(
        parts.host or "",
        port,
        headers=headers,
        retries=False,
        timeout=urllib3.Timeout(total=max(0.1, deadline.remaining())),
    )
    pool.ConnectionCls = _guarded_connection(pool.ConnectionCls, networks_allowed, deadline)
    try:
        response = pool.urlopen("GET", parts.request_uri, redirect=False, preload_content=False)
        location = response.headers.get("Location")
        if response.status in REDIRECTS and location:
            response.drain_conn()
            return urljoin(url, location)
        announced = response.headers.get("Content-Length", "")
        if announced.isdigit() and int(announced) > max_bytes:  # as Scrapy's DOWNLOAD_MAXSIZE
            # read, a 40 MB page sent slowly was waited for to the time limit, then said slow
            raise FetchRefused(
                f"{url[:80]}: larger than {max_bytes} bytes (it announces {int(announced):,}), "
                "not read"
            )
        body = bytearray()
        for chunk in response.stream(64 * 1024, decode_content=True):
            body += chunk
            if len(body) > max_bytes:
                raise FetchRefused(f"{url[:80]}: larger than {max_bytes} bytes, not read")
        names = {name.lower(): value for name, value in response.headers.items()}
        return Fetched(response.status, names, bytes(body), url)
    finally:
        deadline.forget()
        pool.close()


def _address_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a host name spells (`::1`, `[::1]`, `203.0.113.5`), or None for a name."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


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
        literal = _address_literal(hostName)
        if literal is not None:
            # An address written in the URL (http://[2001:db8::1]/): nothing to resolve, and the
            # simple resolver below would look it up as a name and hand on IPv4 only. Checked
            # with its port all the same.
            receiver = _CheckedReceiver(resolutionReceiver, hostName, self.allowed)
            resolution = HostResolution(hostName)
            receiver.resolutionBegan(resolution)
            kind = TwistedIPv6Address if literal.version == 6 else TwistedIPv4Address
            receiver.addressResolved(kind("TCP", str(literal), portNumber))
            receiver.resolutionComplete()
            return resolution
        return self.resolver.resolveHostName(
            _CheckedReceiver(resolutionReceiver, hostName, self.allowed),
            hostName,
            portNumber,
            addressTypes,
            transportSemantics,
        )
