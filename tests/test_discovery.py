"""Discovery's pure parts: a site's hosts, URL keys, listings, feeds and sitemaps as real sites
serve them."""

from __future__ import annotations

import gzip

import pytest

from crawler.core.canonical import url_key
from crawler.core.errors import ConfigError
from crawler.discovery.discover import (
    MAX_XML_BYTES,
    non_article_reason,
    parse_feed,
    parse_listing,
    parse_sitemap,
    robots_sitemaps,
)
from crawler.discovery.sites import SiteHosts
from crawler.discovery.sources import load_sources


def test_a_sites_hosts_include_www_its_registrable_domain_and_aliases():
    site = SiteHosts(["https://example.ma/"], aliases=["example-news.com"])
    assert site.owns("https://www.example.ma/2026/11/a/")
    assert site.owns("https://fr.example.ma/a/")  # same registrable domain
    assert site.owns("http://example-news.com/a/")
    assert not site.owns("https://example.com/a/")
    assert not site.owns("https://facebook.com/example.ma")
    assert SiteHosts(["https://fr.le360.ma/"]).owns("https://www.le360.ma/x")
    assert not SiteHosts(["https://a.blogspot.com/"]).owns("https://b.blogspot.com/x")


def test_url_keys_ignore_the_case_of_percent_escapes():
    raw = "https://alkhabar.ma/ar/2026/11/25/الذكاء/"
    lower = "https://alkhabar.ma/ar/2026/11/25/%d8%a7%d9%84%d8%b0%d9%83%d8%a7%d8%a1/"
    upper = lower.upper().replace("HTTPS://ALKHABAR.MA/AR", "https://alkhabar.ma/ar")
    assert url_key(raw) == url_key(lower) == url_key(upper)
    assert url_key("https://a.ma/%7euser") == url_key("https://a.ma/~user")
    assert url_key("https://a.ma/a%2Fb") != url_key("https://a.ma/a/b")


LISTING = """<html><head><base href="/ar/"></head><body><main>
<a href="2026/11/25/الذكاء-الاصطناعي/">الذكاء الاصطناعي</a>
<a href="https://www.site.ma/ar/2026/11/24/مقال-آخر/">مقال آخر</a>
<a href="https://facebook.com/site">فيسبوك</a>
</main></body></html>"""


def test_a_listing_is_decoded_by_its_http_charset_and_resolved_against_base_href():
    body = LISTING.encode("cp1256")
    found = parse_listing(body, "https://site.ma/rubrique/tech/", "text/html; charset=windows-1256")
    urls = [link.url for link in found.links]
    assert urls == [
        "https://site.ma/ar/2026/11/25/الذكاء-الاصطناعي/",
        "https://www.site.ma/ar/2026/11/24/مقال-آخر/",
    ]
    assert found.links[0].title == "الذكاء الاصطناعي"
    assert found.skipped == {"off-site": 1}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://s.ma/medias/reportage.mp4", "a file"),
        ("https://s.ma/docs/rapport-annuel.PDF", "a file"),
        ("https://s.ma/category/economie/", "section"),
        ("https://s.ma/tag/ia/", "section"),
        ("https://s.ma/author/salma/", "section"),
        ("https://s.ma/rubrique/tech/page/3/", "section"),
        ("https://s.ma/offres-d-emploi/developpeur/", "section"),
        ("https://s.ma/actualites/?page=2", "page of a listing"),
        ("https://s.ma/rubrique/tech", "the listing itself"),
        ("https://s.ma/", "home page"),
        ("https://s.ma/2026/11/25/cloud-souverain/", None),
        ("https://s.ma/?p=1042", None),
    ],
)
def test_listing_links_that_cannot_be_articles(url, reason):
    found = non_article_reason(url, "https://s.ma/rubrique/tech/")
    assert (found is None) if reason is None else (reason in found)


FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>T</title>
<item><title>Cloud souverain</title><link>https://s.ma/a/</link>
<pubDate>Mon, 23 Nov 2026 08:15:00 +0000</pubDate></item></channel></rss>"""


@pytest.mark.parametrize("content_type", ["text/xml", "text/html", "application/rss+xml"])
def test_a_well_formed_feed_is_not_flagged_whatever_its_content_type(content_type):
    found = parse_feed(FEED.encode(), "https://s.ma/feed/", content_type)
    assert found.problem is None
    assert [link.url for link in found.links] == ["https://s.ma/a/"]


def test_a_truncated_feed_is_still_flagged_and_yields_what_it_can():
    found = parse_feed(FEED.encode()[:-30], "https://s.ma/feed/", "text/xml")
    assert found.problem and "malformed" in found.problem
    assert len(found.links) == 1


SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://s.ma/a/</loc></url>
</urlset>"""


def test_gzipped_sitemaps_are_read_and_capped_after_decompression():
    found = parse_sitemap(gzip.compress(SITEMAP.encode()), "https://s.ma/sitemap.xml.gz")
    assert [link.url for link in found.links] == ["https://s.ma/a/"] and found.problem is None
    bomb = gzip.compress(b"<urlset>" + b" " * (MAX_XML_BYTES + 10))
    assert len(bomb) < 100_000
    assert "larger than" in parse_sitemap(bomb, "https://s.ma/s.xml.gz").problem
    assert "corrupt" in parse_sitemap(b"\x1f\x8b\x08garbage", "https://s.ma/s.gz").problem


def test_robots_txt_sitemaps_on_the_sites_own_hosts():
    robots = (
        b"User-agent: *\nDisallow: /wp-admin/\nSitemap: https://www.s.ma/sitemap_index.xml\n"
        b"Sitemap: https://cdn.other.example/sitemap.xml\nSitemap: file:///etc/passwd\n"
    )
    assert robots_sitemaps(robots, SiteHosts(["https://s.ma/"])) == [
        "https://www.s.ma/sitemap_index.xml"
    ]


def test_aliases_must_be_host_names(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - name: s\n    homepage: https://s.ma/\n    feeds: [https://s.ma/feed/]\n"
        "    aliases: ['https://www.s.ma/']\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="sources.yaml:5: alias .* is not a host name"):
        load_sources(path)


BROKEN = "http://[::1/article-cassé"  # no URL parser accepts it: urljoin raises ValueError


def _kept_and_counted(found, kept):
    assert found.skipped.get("bad address") == 1
    assert len(found.unusable) == 1 and "article-cass" in found.unusable[0]
    assert "Invalid IPv6 URL" in found.unusable[0]
    assert kept == ["https://site.ma/a", "https://site.ma/b"]


def test_an_address_no_parser_accepts_costs_a_feed_only_its_own_entry():
    feed = f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>
    <link>https://site.ma/</link>
    <item><title>A</title><link>https://site.ma/a</link></item>
    <item><title>B</title><guid isPermaLink="false">{BROKEN}</guid></item>
    <item><title>C</title><link>/b</link></item></channel></rss>"""
    found = parse_feed(feed.encode(), "https://site.ma/feed/")
    _kept_and_counted(found, [link.url for link in found.links])


def test_an_address_no_parser_accepts_costs_a_sitemap_only_its_own_url():
    sitemap = f"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>https://site.ma/a</loc></url><url><loc>{BROKEN}</loc></url>
    <url><loc>/b</loc></url></urlset>"""
    found = parse_sitemap(sitemap.encode(), "https://site.ma/sitemap.xml")
    _kept_and_counted(found, [link.url for link in found.links])
    index = f"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <sitemap><loc>https://site.ma/a</loc></sitemap><sitemap><loc>{BROKEN}</loc></sitemap>
    <sitemap><loc>https://site.ma/b</loc></sitemap></sitemapindex>"""
    found = parse_sitemap(index.encode(), "https://site.ma/sitemap.xml")
    _kept_and_counted(found, found.sitemaps)


def test_an_address_no_parser_accepts_costs_a_listing_only_its_own_link():
    page = f"""<html><body><main><a href="/a">Premier article du jour</a>
    <a href="{BROKEN}">Article cassé</a><a href="https://site.ma/b">Second article</a>
    </main></body></html>"""
    found = parse_listing(page.encode(), "https://site.ma/rubrique/", "text/html; charset=utf-8")
    _kept_and_counted(found, [link.url for link in found.links])
    # a broken <base href> leaves the page's own address as the base
    based = page.replace("<body>", f'<head><base href="{BROKEN}"></head><body>')
    found = parse_listing(based.encode(), "https://site.ma/rubrique/", "text/html")
    assert [link.url for link in found.links] == ["https://site.ma/a", "https://site.ma/b"]
    assert found.skipped["bad address"] == 2


def test_an_address_no_parser_accepts_costs_a_robots_txt_only_its_own_sitemap(caplog):
    robots = f"User-agent: *\nSitemap: {BROKEN}\nSitemap: https://site.ma/sitemap.xml\n".encode()
    with caplog.at_level("WARNING", logger="crawler.discovery.discover"):
        found = robots_sitemaps(robots, SiteHosts(["https://site.ma/"]))
    assert found == ["https://site.ma/sitemap.xml"]
    assert "robots.txt Sitemap 'http://[::1/article-cassé' skipped: not an address" in caplog.text
