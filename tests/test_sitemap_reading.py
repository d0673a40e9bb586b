"""A sitemap's links read in one pass over each <url> are those the reading before gave
(findtext per field: bench/feed_corpus.parse_sitemap_before), on every sitemap fixture of the
repository, news sitemaps as sites serve them, odd ones and sitemaps assembled at random."""

from __future__ import annotations

import random
from pathlib import Path

from bench import feed_corpus
from bench.feed_corpus import SITEMAP_URL, parse_sitemap_before
from crawler.discovery.discover import parse_sitemap

FIXTURES = Path(__file__).parent / "fixtures"


def _assert_same(name: str, body: bytes, url: str = SITEMAP_URL) -> None:
    assert parse_sitemap(body, url) == parse_sitemap_before(body, url), name


def test_sitemap_fixtures_and_news_sitemaps_read_the_same():
    for path in sorted(FIXTURES.rglob("*.xml")):
        _assert_same(str(path), path.read_bytes().replace(b"{{BASE}}", b"http://127.0.0.1:8123"))
    for arabic in (False, True):
        body = feed_corpus.news_sitemap(40, arabic)
        _assert_same("news sitemap", body)
        found = parse_sitemap(body, SITEMAP_URL)
        assert len(found.links) == 40 and all(link.title and link.published for link in found.links)


def test_odd_sitemaps_read_the_same():
    for name, body in feed_corpus.odd_sitemaps():
        _assert_same(name, body)


_PARTS = [
    "<loc>https://www.site.ma/a/</loc>",
    "<loc> /relatif/ </loc>",
    "<loc></loc>",
    "<loc><!-- c -->https://www.site.ma/c</loc>",
    "<s:loc>https://www.site.ma/s/</s:loc>",
    "<s:loc/>",
    "<lastmod> 2026-11-19 </lastmod>",
    "<lastmod/>",
    "<s:lastmod>2026-11-18</s:lastmod>",
    "<news:news><news:title>t</news:title><news:publication_date>d</news:publication_date>"
    "</news:news>",
    "<news:news><news:publication_date>d0</news:publication_date></news:news>",
    "<news:news><news:title/></news:news>",
    "<news:title>dehors</news:title>",
    "<image:image><image:loc>https://www.site.ma/i.jpg</image:loc></image:image>",
    "<!-- commentaire -->",
]


def test_sitemaps_assembled_at_random_read_the_same():
    rng = random.Random(28)
    for number in range(300):
        default = rng.choice(['xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"', ""])
        urls = "".join(
            "<url>" + "".join(rng.choice(_PARTS) for _ in range(rng.randint(0, 6))) + "</url>"
            for _ in range(rng.randint(1, 5))
        )
        body = (
            f'<urlset {default} xmlns:s="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
            f'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">{urls}</urlset>'
        ).encode()
        if rng.random() < 0.1:
            body = body[: rng.randint(len(body) // 2, len(body))]
        _assert_same(f"random sitemap {number}", body)
