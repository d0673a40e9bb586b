"""The fetch policy: http(s) only, global addresses only, checked where the connection gets its
address (crawler.fetching.fetch_policy)."""

from __future__ import annotations

import ipaddress

import pytest
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from crawler.fetching.fetch_policy import (
    GuardedResolver,
    allowed_scheme,
    is_internal,
    refused_reason,
)


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


@pytest.mark.slow
def test_a_crawl_resolves_names_through_the_guard(tmp_path):
    """A source named by a host name (not an IP literal) that resolves to loopback: refused by
    the crawl's resolver, with the reason recorded, and nothing reaches the server."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from crawler.fetching.crawl import crawl
    from crawler.storage import store
    from monitors.demo.run import LOCAL_CRAWL_SETTINGS

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
            "(allow it, or its network, with VEILLE_CRAWL_SETTINGS="
            '\'{"VEILLE_ALLOWED_NETWORKS": ["127.0.0.1"]}\')') in errors  # fmt: skip


# -- the same policy outside a crawl (sources check, rules test URL, extract URL) -------------


@pytest.fixture
def redirector():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            targets = {
                "/to-file": "file:///etc/passwd",
                "/to-metadata": "http://169.254.169.254/latest/meta-data/",
                "/to-cgnat": "http://100.64.0.1/",
                "/loop": "/loop",
            }
            if self.path in targets:
                self.send_response(302)
                self.send_header("Location", targets[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b"<p>" + b"x" * (2_000_000 if self.path == "/big" else 10) + b"</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_cli_fetches_follow_the_crawl_policy(redirector):
    from crawler.fetching.fetch_policy import FetchRefused, guarded_get

    base, hits = redirector
    with pytest.raises(FetchRefused, match="localhost resolves to 127.0.0.1"):
        guarded_get(base + "/page")  # a name resolving to loopback, nothing allowed
    assert hits == []
    allowed = ["127.0.0.0/8"]
    assert guarded_get(base + "/page", allowed=allowed).body == b"<p>xxxxxxxxxx</p>"
    for path, words in [
        ("/to-file", r"not an http\(s\) address"),
        ("/to-metadata", "169.254.169.254, an internal address"),
        ("/to-cgnat", "100.64.0.1, an internal address"),
        ("/loop", "more than 5 redirects"),
    ]:
        with pytest.raises(FetchRefused, match=words):
            guarded_get(base + path, allowed=allowed)
    with pytest.raises(FetchRefused, match="larger than 1000000 bytes"):
        guarded_get(base + "/big", allowed=allowed, max_bytes=1_000_000)
    with pytest.raises(FetchRefused, match="not an http"):
        guarded_get("file:///etc/passwd")


def test_a_page_announcing_more_than_the_limit_is_not_waited_for():
    """A page announcing 40 MB and sending it slowly was read until the time limit, then said
    to answer too slowly (`veille sources check`, `rules test URL`): its size is the reason."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from crawler.fetching.fetch_policy import FetchRefused, guarded_get

    released = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "40000000")
            self.end_headers()
            self.wfile.write(b"<p>" * 1000)
            released.wait(60)

        def log_message(self, *args):
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(FetchRefused, match="larger than 1000000 bytes") as refused:
            guarded_get(
                f"http://127.0.0.1:{server.server_address[1]}/",
                allowed=["127.0.0.0/8"],
                timeout=30,
                max_bytes=1_000_000,
            )
    finally:
        released.set()
        server.shutdown()
        server.server_close()
    assert "announces 40,000,000" in str(refused.value)


def test_allowed_networks_take_an_optional_port():
    from crawler.fetching.fetch_policy import check_address, networks

    allowed = networks(["127.0.0.1:8080", "10.0.0.0/8", "[fd00::1]:443"])
    loopback, private, ula = (ipaddress.ip_address(a) for a in ("127.0.0.1", "10.2.3.4", "fd00::1"))
    assert check_address("local", loopback, allowed, 8080) is None
    assert "allowed on port 8080 only, not 6379" in check_address("local", loopback, allowed, 6379)
    assert check_address("intranet", private, allowed, 6379) is None  # no port: every port
    assert check_address("v6", ula, allowed, 443) is None
    assert check_address("v6", ula, allowed, 22) is not None
    for bad in ("127.0.0.1:99999", "not-a-network", "10.0.0.0/8:x"):
        with pytest.raises(ValueError, match="VEILLE_ALLOWED_NETWORKS entry"):
            networks([bad])


@pytest.mark.slow
def test_a_port_outside_the_allowed_one_is_refused_in_a_crawl(redirector, tmp_path):
    """A host name resolving to an allowed address, on another port than the allowed one: the
    crawl's name resolver sees the port and refuses it."""
    from crawler.fetching.crawl import crawl
    from crawler.storage import store
    from monitors.demo.run import LOCAL_CRAWL_SETTINGS

    base, hits = redirector
    port = int(base.rsplit(":", 1)[1])
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - name: local\n    homepage: {base}/\n    feeds: [{base}/page]\n",
        encoding="utf-8",
    )
    other = dict(LOCAL_CRAWL_SETTINGS, VEILLE_ALLOWED_NETWORKS=[f"127.0.0.1:{port + 1}"])
    crawl(tmp_path / "v.db", sources, settings=other, time_limit=60)
    assert hits == []
    (message,) = (
        store.open_database(tmp_path / "v.db")
        .execute("SELECT message FROM crawl_errors WHERE kind = 'blocked-address'")
        .fetchone()
    )
    assert f"allowed on port {port + 1} only, not {port}" in message
    same = dict(LOCAL_CRAWL_SETTINGS, VEILLE_ALLOWED_NETWORKS=[f"127.0.0.1:{port}"])
    crawl(tmp_path / "w.db", sources, settings=same, time_limit=60)
    assert "/page" in hits


def test_the_guards_verdict_per_site_holds_for_every_request():
    """The downloader middleware judges a site (scheme, host and port) once per crawl and keeps
    the verdict: the same refusal for every request there, and another port or scheme judged
    on its own (what a site allowed on one port only relies on)."""
    from scrapy import Request

    from crawler.middlewares import BlockedAddress, PrivateAddressGuard

    guard = PrivateAddressGuard(["127.0.0.1:8080"])
    for _ in range(2):  # the second time from what it kept
        assert guard.process_request(Request("http://127.0.0.1:8080/a")) is None
        with pytest.raises(BlockedAddress, match="allowed on port 8080 only, not 6379"):
            guard.process_request(Request("http://127.0.0.1:6379/b"))
        with pytest.raises(BlockedAddress, match="allowed on port 8080 only, not 80"):
            guard.process_request(Request("http://127.0.0.1/c"))
        with pytest.raises(BlockedAddress, match="allowed on port 8080 only, not 443"):
            guard.process_request(Request("https://127.0.0.1/d"))
        with pytest.raises(BlockedAddress, match="an internal address"):
            guard.process_request(Request("http://10.0.0.1:8080/e"))
        assert guard.process_request(Request("http://example.org/f")) is None  # the resolver's
        with pytest.raises(BlockedAddress, match="not an http"):
            guard.process_request(Request("ftp://127.0.0.1:8080/g"))
