"""IPv6 in the address guard: forms that carry an IPv4 address are judged by it, site-local and
local-use NAT64 are internal, and URLs written with an IPv6 address are crawled where the guard
allows them (a real crawl of a fixture site served on [::1])."""

from __future__ import annotations

import ipaddress

import pytest

from crawler.fetching.addresses import check_address, is_internal, networks
from crawler.fetching.crawl import crawl
from crawler.storage import store
from monitors.demo.run import LOCAL_CRAWL_SETTINGS
from monitors.demo.sites import DEMO_SITES_ROOT, serve_site, stop_sites

from .test_crawl_e2e import LEQUOTIDIEN_ARTICLES

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")


@pytest.mark.parametrize(
    ("address", "internal"),
    [
        ("64:ff9b::7f00:1", True),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", True),  # NAT64 of the metadata service 169.254.169.254
        ("64:ff9b::a00:1", True),  # NAT64 of 10.0.0.1
        ("64:ff9b::808:808", False),  # NAT64 of 8.8.8.8: public
        ("::7f00:1", True),  # IPv4-compatible ::127.0.0.1
        ("::c0a8:101", True),  # ::192.168.1.1
        ("::808:808", False),  # ::8.8.8.8
        ("fec0::1", True),  # site-local
        ("feff:ffff::1", True),
        ("64:ff9b:1::a00:1", True),  # local-use NAT64
        ("::", True),
        ("::1", True),
        ("2606:4700:4700::1111", False),
        ("2a00:1450:4007:80e::200e", False),
    ],
)
def test_ipv6_forms_are_judged_by_what_they_reach(address, internal):
    assert is_internal(ipaddress.ip_address(address)) is internal


def test_a_nat64_address_is_refused_with_the_way_to_allow_it():
    problem = check_address("example.ma", ipaddress.ip_address("64:ff9b::7f00:1"), [])
    assert problem and "internal address" in problem and "VEILLE_ALLOWED_NETWORKS" in problem


@pytest.fixture
def site_on_ipv6_loopback():
    site = serve_site(DEMO_SITES_ROOT / "lequotidien", host="::1")
    yield site
    stop_sites({"lequotidien": site})


def _sources(tmp_path, base: str):
    path = tmp_path / "sources.yaml"
    path.write_text(
        f"""sources:
  - name: lequotidien
    homepage: '{base}/'
    feeds: ['{base}/feed/']
    sitemaps: ['{base}/sitemap_index.xml']
    listings: ['{base}/technologie/']
  - name: elsewhere
    homepage: 'http://[64:ff9b::a9fe:a9fe]/'
    feeds: ['http://[64:ff9b::a9fe:a9fe]/latest/meta-data/', 'http://[fec0::1]:8080/feed']
""",
        encoding="utf-8",
    )
    return path


def test_a_url_with_an_ipv6_address_is_crawled_where_the_guard_allows_it(
    site_on_ipv6_loopback, tmp_path
):
    base = site_on_ipv6_loopback.base_url
    assert base.startswith("http://[::1]:")
    port = base.rsplit(":", 1)[1]
    allowed = dict(LOCAL_CRAWL_SETTINGS, VEILLE_ALLOWED_NETWORKS=[f"[::1]:{port}"])
    assert networks(allowed["VEILLE_ALLOWED_NETWORKS"])  # a valid entry
    result = crawl(tmp_path / "v.db", _sources(tmp_path, base), settings=allowed, time_limit=60)
    assert result.status == "finished"
    db = store.open_database(tmp_path / "v.db")
    urls = [url for (url,) in db.execute("SELECT url FROM articles")]
    assert {url.removeprefix(base) for url in urls} == LEQUOTIDIEN_ARTICLES  # as over IPv4
    refused = db.execute(
        "SELECT url, kind FROM crawl_errors WHERE source = 'elsewhere' ORDER BY url"
    ).fetchall()
    assert [kind for _, kind in refused] == ["blocked-address", "blocked-address"], refused
    db.conn.close()


def test_a_url_with_an_internal_ipv6_address_is_refused_by_default(site_on_ipv6_loopback, tmp_path):
    base = site_on_ipv6_loopback.base_url
    refused = dict(LOCAL_CRAWL_SETTINGS, VEILLE_ALLOWED_NETWORKS=[])
    result = crawl(tmp_path / "v.db", _sources(tmp_path, base), settings=refused, time_limit=60)
    assert result.new_articles == 0
    assert not site_on_ipv6_loopback.requests  # nothing reached the server
    db = store.open_database(tmp_path / "v.db")
    kinds = {kind for (kind,) in db.execute("SELECT kind FROM crawl_errors")}
    assert kinds == {"blocked-address"}
    db.conn.close()
