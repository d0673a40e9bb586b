"""Which names the web view answers to. A browser sends the name it was given in the Host
header; through DNS rebinding a hostile page makes its own name point at 127.0.0.1 and would
then read what the reader shows, as the same origin. So a request is answered only when its Host
is a loopback name or address, or a public name the operator configured (`veille serve
--public-name`, VEILLE_WEB_PUBLIC_NAMES); any other Host gets 400."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def host_name(host: str) -> str:
    """The name or address of a Host header value (or an Origin's host), without the port,
    lower case, without a trailing dot; '' when it is malformed."""
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8001
        end = host.find("]")
        if end < 0 or (host[end + 1 :] and not host[end + 1 :].startswith(":")):
            return ""
        return host[1:end]
    if host.count(":") == 1:
        host = host.partition(":")[0]
    elif host.count(":") > 1:  # a bare IPv6 address is not a valid Host
        return ""
    return host.rstrip(".")


def is_loopback_name(name: str) -> bool:
    if name in LOOPBACK_NAMES or name.endswith(".localhost"):  # RFC 6761: always loopback
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class AllowedHosts:
    """Loopback names and addresses, and the public names given by the operator."""

    def __init__(self, public_names: Iterable[str] = ()) -> None:
        self.public = frozenset(host_name(n) for n in public_names if host_name(n))

    def allows(self, host: str) -> bool:
        name = host_name(host)
        return bool(name) and (is_loopback_name(name) or name in self.public)


_NAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$"
)


def public_name(value: str) -> str:
    """A host name or address as given by the operator, checked (ValueError says what is
    wrong): a name a browser could send, not a URL or a pattern."""
    name = "" if any(c in value for c in "/@?#") else host_name(value)
    if name:
        try:
            ipaddress.ip_address(name)
            return name
        except ValueError:
            if _NAME.match(name):
                return name
    raise ValueError(
        f"{value!r} is not a host name or address (give names like veille.example.ma or "
        "192.168.1.20, without http:// or a path)"
    )


def parse_public_names(value: str) -> tuple[str, ...]:
    """VEILLE_WEB_PUBLIC_NAMES: names separated by commas or spaces, each checked."""
    return tuple(public_name(n) for n in value.replace(",", " ").split())


class HostCheck:
    """ASGI middleware in front of everything (pages, feeds, /data/, the login): a request whose
    Host is not allowed gets 400 and a message saying how to allow the name."""

    def __init__(self, app: ASGIApp, allowed: AllowedHosts) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((v for k, v in scope.get("headers", []) if k.lower() == b"host"), b"")
        shown = host.decode("latin-1")
        if self.allowed.allows(shown):
            await self.app(scope, receive, send)
            return
        printable = "".join(c for c in shown[:100] if c.isprintable())
        body = (
            f"veille: this server does not answer to the name {printable!r} (the Host header). "
            "Reach it as localhost or 127.0.0.1, or, if that name is yours, start it with "
            f"`veille serve --public-name {host_name(printable) or 'NAME'}` "
            "(or VEILLE_WEB_PUBLIC_NAMES); see docs/web-view.md.\n"
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 400,
                "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
