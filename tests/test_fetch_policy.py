"""The fetch policy: http(s) only, global addresses only, checked where the connection gets its
address (crawler.fetch_policy)."""

from __future__ import annotations

import ipaddress

import pytest
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from crawler.fetch_policy import GuardedResolver, allowed_scheme, is_internal, refused_reason


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "100.64.0.1",  # shared address space (carrier-grade NAT; one cloud's metadata lives here)
        "100.100.100.200",
        "169.254.169.254",
        "192.0.2.10",  # documentation
        "198.18.0.1",  # benchmarking
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "fc00::1",
        "fe80::1",
        "fd00:ec2::254",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
        "2001:db8::1",
    ],
)
def test_special_purpose_addresses_are_internal(address):
    assert is_internal(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "196.200.131.1", "2a00:1450:4007:80f::200e"])
def test_public_addresses_are_not(address):
    assert not is_internal(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url, allowed",
    [
        ("https://www.hespress.com/feed", True),
        ("HTTP://le360.ma/", True),
        ("file:///etc/passwd", False),
        ("file:///proc/self/environ", False),
        ("data:text/xml;base64,PHVybHNldC8+", False),
        ("ftp://example.ma/sitemap.xml", False),
        ("gopher://127.0.0.1:25/", False),
        ("/relative/path", False),
    ],
)
def test_only_http_and_https_are_fetched(url, allowed):
    assert allowed_scheme(url) is allowed


class RebindingResolver(GuardedResolver):
    """A name that answers a public address first, then an internal one (DNS rebinding)."""

    def __init__(self, answers: list[str], allowed: list[str]):
        super().__init__(None, 0, 5.0, allowed)
        self.answers = answers

    def lookup(self, name, timeout=()):
        return defer.succeed(self.answers.pop(0))


def _result(deferred):
    outcome = []
    deferred.addBoth(outcome.append)
    return outcome[0]


def test_the_address_connected_to_is_the_address_checked():
    resolver = RebindingResolver(["93.184.216.34", "127.0.0.1"], allowed=[])
    assert _result(resolver.getHostByName("rebind.example")) == "93.184.216.34"
    second = _result(resolver.getHostByName("rebind.example"))
    assert second.check(DNSLookupError)  # the connection gets no address at all
    assert "127.0.0.1, an internal address" in str(second.value)
    assert "rebind.example" in refused_reason("rebind.example")


def test_allowed_networks_let_internal_answers_through():
    resolver = RebindingResolver(["127.0.0.1", "100.64.3.4"], allowed=["127.0.0.0/8"])
    assert _result(resolver.getHostByName("localhost")) == "127.0.0.1"
    assert _result(resolver.getHostByName("cgnat.example")).check(DNSLookupError)


def test_a_failed_lookup_fails_the_request():
    class Failing(GuardedResolver):
        def lookup(self, name, timeout=()):
            return defer.fail(DNSLookupError(name))

    outcome = _result(Failing(None, 0, 5.0, []).getHostByName("nowhere.example"))
    assert outcome.check(DNSLookupError)


def test_a_crawl_resolves_names_through_the_guard(tmp_path):
    """A source named by a host name (not an IP literal) that resolves to loopback: refused by
    the crawl's resolver, with the reason recorded, and nothing reaches the server."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from crawler import store
    from crawler.crawl import crawl
    from monitors.demo import LOCAL_CRAWL_SETTINGS

    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        port = server.server_address[1]
        sources = tmp_path / "sources.yaml"
        sources.write_text(
            f"sources:\n  - name: local\n    homepage: http://localhost:{port}/\n"
            f"    feeds: [http://localhost:{port}/feed]\n",
            encoding="utf-8",
        )
        settings = dict(LOCAL_CRAWL_SETTINGS, VEILLE_ALLOWED_NETWORKS=[])
        crawl(tmp_path / "v.db", sources, settings=settings, time_limit=60)
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []
    errors = (
        store.open_database(tmp_path / "v.db")
        .execute("SELECT kind, message FROM crawl_errors")
        .fetchall()
    )
    assert ("blocked-address", "refused: localhost resolves to 127.0.0.1, an internal address "
            "(allow it with the VEILLE_ALLOWED_NETWORKS crawl setting)") in errors  # fmt: skip
