"""Which addresses veille may connect to: http(s) only, and never an internal address (loopback,
private, shared, link-local, cloud metadata, their IPv4-mapped and 6to4 forms) unless the user
allowed its network (VEILLE_ALLOWED_NETWORKS). Pure functions, no Scrapy: settings and the CLI
check entries with them without loading the crawler."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True)
class AllowedNetwork:
    """An entry of VEILLE_ALLOWED_NETWORKS: a network, and optionally the one port allowed on
    it ("10.0.0.0/8", "127.0.0.1:8080", "[fd00::1]:443")."""

    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    port: int | None = None

    def admits(self, address: Address, port: int | None) -> bool:
        """`port` None: not known yet (a name being resolved); checked again at connect time."""
        return address in self.network and (self.port is None or port in (None, self.port))


def parse_allowed(entry: str) -> AllowedNetwork:
    text = str(entry).strip()
    port: int | None = None
    if text.startswith("["):  # [IPv6 network]:port
        inside, _, rest = text[1:].partition("]")
        text, port_text = inside, rest.removeprefix(":")
        port = int(port_text) if port_text else None
    elif text.count(":") == 1:  # IPv4 network:port
        text, port_text = text.split(":")
        port = int(port_text)
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"port {port} out of range")
    return AllowedNetwork(ipaddress.ip_network(text, strict=False), port)


def networks(entries: Iterable[str]) -> list[AllowedNetwork]:
    """VEILLE_ALLOWED_NETWORKS entries; a bad one raises ValueError naming it."""
    parsed = []
    for entry in entries:
        try:
            parsed.append(parse_allowed(entry))
        except ValueError as exc:
            raise ValueError(
                f"VEILLE_ALLOWED_NETWORKS entry {entry!r} is not a network with an optional port "
                f"({exc}); e.g. 10.0.0.0/8, 127.0.0.1:8080 or [fd00::1]:443"
            ) from None
    return parsed


def refusal(host: str, address: Address) -> str:
    return (
        f"refused: {host} resolves to {address}, an internal address "
        "(allow it with the VEILLE_ALLOWED_NETWORKS crawl setting)"
    )


def check_address(
    host: str, address: Address, allowed: Sequence[AllowedNetwork], port: int | None = None
) -> str | None:
    """Why connecting to `address` (and `port`, when known) for `host` is refused, or None."""
    if not is_internal(address) or any(entry.admits(address, port) for entry in allowed):
        return None
    ports = sorted({e.port for e in allowed if e.port is not None and address in e.network})
    if ports:
        return (
            f"refused: {host} resolves to {address}, an internal address allowed on port "
            f"{', '.join(map(str, ports))} only, not {port} (VEILLE_ALLOWED_NETWORKS)"
        )
    return refusal(host, address)
