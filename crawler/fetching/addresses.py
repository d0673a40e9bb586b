"""Which addresses veille may connect to: http(s) only, and never an internal address (loopback,
private, shared, link-local, cloud metadata, site-local, and the IPv6 forms that carry an IPv4
address: mapped, 6to4, NAT64, IPv4-compatible) unless the user
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


# IPv6 forms that carry an IPv4 address in their last 32 bits and reach it: NAT64's well-known
# prefix (RFC 6052: a NAT64 gateway connects to the IPv4 address) and the deprecated
# IPv4-compatible ::a.b.c.d. The ipaddress module counts both as global whatever they carry, so
# 64:ff9b::127.0.0.1 passed as a public address.
_CARRY_IPV4 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))
# Always internal although the ipaddress module of Python 3.11 calls them global: site-local
# (deprecated by RFC 3879, still private where used) and NAT64's local-use prefix (RFC 8215: an
# operator's own translation, with the IPv4 address wherever its prefix length puts it).
_NEVER_GLOBAL = (ipaddress.ip_network("fec0::/10"), ipaddress.ip_network("64:ff9b:1::/48"))


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64, IPv4-compatible)."""
    if address.ipv4_mapped is not None or address.sixtofour is not None:
        return address.ipv4_mapped or address.sixtofour
    if int(address) > 1 and any(address in network for network in _CARRY_IPV4):  # not :: or ::1
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return None


def is_internal(address: Address) -> bool:
    """True for any address outside the public internet."""
    if isinstance(address, ipaddress.IPv6Address):
        if any(address in network for network in _NEVER_GLOBAL):
            return True
        carried = embedded_ipv4(address)
        if carried is not None:
            return is_internal(carried)
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
    """Why a fetch was refused, with the setting to write as it is written: VEILLE_ALLOWED_NETWORKS
    is a crawl setting, read from VEILLE_CRAWL_SETTINGS only, and set in the environment by
    itself it was ignored (with a warning), so the fix took two tries."""
    return (
        f"refused: {host} resolves to {address}, an internal address (allow it, or its "
        f'network, with VEILLE_CRAWL_SETTINGS=\'{{"VEILLE_ALLOWED_NETWORKS": ["{address}"]}}\')'
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
