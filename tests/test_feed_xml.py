"""A feed read with lxml (crawler.discovery.feed_xml) gives exactly what feedparser gives: the same
links, titles, dates, skipped counts and problem, on every feed fixture of the repository, on a
corpus of odd feeds (bench/feed_corpus.py) and on feeds assembled at random from odd parts. A
feed outside the shape lxml reads goes to feedparser, with its reason in a debug line."""

from __future__ import annotations

import logging
import random
import warnings
from pathlib import Path

import pytest

from bench import feed_corpus
from bench.feed_corpus import BASE, DATES, LINKS, TITLES, Feed
from crawler.discovery import discover
from crawler.discovery.feed_xml import NotPlain, read_entries
from tests.hostile import BILLION_LAUGHS

FIXTURES = Path(__file__).parent / "fixtures"


def _outcome(read, feed: Feed):
    """What a reading gives: its Discovery, or the exception it raises (both paths must give
    the same, an address such as http://[::1/x counted as a bad address by each)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return read(feed.body, feed.url, feed.content_type)
    except ValueError as exc:
        return repr(exc)


def _feedparser(body: bytes, url: str, content_type: str):
    return discover._parse_feed_with_feedparser(body, url, content_type or "application/xml")


def _takes_lxml(feed: Feed) -> bool:
    try:
        read_entries(feed.body, feed.url, feed.content_type or "application/xml")
    except NotPlain:
        return False
    return True


class _Faults(logging.Handler):
    """The error lines parse_feed writes (a fault of the lxml path, read by feedparser)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _assert_same(feed: Feed) -> None:
    faults = _Faults()
    logger = logging.getLogger("crawler.discovery.discover")
    logger.addHandler(faults)
    try:
        assert _outcome(discover.parse_feed, feed) == _outcome(_feedparser, feed), feed.name
    finally:
        logger.removeHandler(faults)
    assert not faults.records, f"{feed.name}: the lxml path failed: {faults.records[0].exc_info}"


def _repository_feeds() -> list[Feed]:
    from tests.test_discovery import FEED as DISCOVERY_FEED
    from tests.test_stories import FEED as STORY_FEED

    feeds = []
    for path in sorted(FIXTURES.rglob("*.xml")):
        body = path.read_bytes().replace(b"{{BASE}}", b"http://127.0.0.1:8123")
        for content_type in ("application/rss+xml", "text/xml", "text/html"):
            feeds.append(Feed(f"{path.relative_to(FIXTURES)} {content_type}", body, content_type))
    story = STORY_FEED.format(site="s", slug="a", title="L’été &amp; la 5G").replace(
        "{{BASE}}", BASE
    )
    feeds.append(Feed("tests/test_stories.py FEED", story.encode()))
    for content_type in ("text/xml", "text/html", "application/rss+xml"):
        feeds.append(Feed(f"tests/test_discovery.py FEED {content_type}", DISCOVERY_FEED.encode()))
    feeds.append(
        Feed(
            "tests/hostile.py bomb feed",
            BILLION_LAUGHS + b'<rss version="2.0"><channel><title>&lol9;</title></channel></rss>',
        )
    )
    return feeds


def _bench_feeds() -> list[Feed]:
    import sys

    # The bench scripts import their neighbours by name: their folder on the path for the import
    # only, so that no later import elsewhere finds a bench script by a common name.
    folder = str(Path(__file__).resolve().parent.parent / "bench")
    sys.path.insert(0, folder)
    try:
        import idle_cost
        import news_sites
    finally:
        sys.path.remove(folder)

    feeds = [
        Feed(f"bench/news_sites.py feed at tick {tick}", news_sites.feed(3, tick, "http://h:1"))
        for tick in (0, 40)
    ]
    for generation in (0, 2):
        body, content_type = idle_cost._page("/s4/feed1.xml", "127.0.0.1:9", generation)
        feeds.append(Feed(f"bench/idle_cost.py feed {generation}", body, content_type))
    return feeds


def test_every_feed_fixture_reads_the_same():
    feeds = _repository_feeds() + _bench_feeds()
    for feed in feeds:
        _assert_same(feed)
    # Every fixture that is a feed takes the lxml path but the entity bomb (a DOCTYPE).
    slow = [feed.name for feed in feeds if not _takes_lxml(feed)]
    assert slow == [feed.name for feed in feeds if "sitemaps/" in feed.name or "bomb" in feed.name]


@pytest.mark.parametrize("feed", feed_corpus.realistic(25), ids=lambda feed: feed.name)
def test_realistic_feeds_read_the_same_through_lxml(feed):
    assert _takes_lxml(feed), "a feed of the common shape fell back to feedparser"
    _assert_same(feed)
    assert len(discover.parse_feed(feed.body, feed.url, feed.content_type).links) == 25


def test_odd_feeds_read_the_same():
    feeds = list(feed_corpus.odd())
    for feed in feeds:
        _assert_same(feed)
    # Both paths are exercised: most odd feeds are still plain XML, the others fall back.
    fast = sum(_takes_lxml(feed) for feed in feeds)
    assert 0.5 * len(feeds) < fast < len(feeds)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("HTML entities in XML", "not well-formed"),
        ("a DOCTYPE with entities", "DOCTYPE"),
        ("truncated", "not well-formed"),
        ("unknown namespaces", "itunes.com"),
        ("Atom 0.3", "root"),
        ("an empty base URL", "base URL"),
        ("media:title, media:group, media:content holding markup", "mrss"),
        ("image inside an item", "<image>"),
    ],
)
def test_a_feed_off_the_common_shape_goes_to_feedparser_with_its_reason(name, reason, caplog):
    (feed,) = [feed for feed in feed_corpus.odd() if feed.name == name]
    with pytest.raises(NotPlain, match=reason):
        read_entries(feed.body, feed.url, feed.content_type or "application/xml")
    with caplog.at_level(logging.DEBUG, logger="crawler.discovery.discover"):
        discover.parse_feed(feed.body, feed.url, feed.content_type)
    assert any("read by feedparser" in r.message and reason in r.message for r in caplog.records)


# Parts an item is assembled from at random: the fields discovery reads in every form the corpus
# knows, elements it ignores, and elements that send the feed to feedparser.
_RSS_PARTS = [
    *(f"<title>{t}</title>" for t in TITLES),
    "<dc:title>dc</dc:title>",
    *(f"<link>{link}</link>" for link in LINKS),
    *(f"<guid>{link}</guid>" for link in LINKS[:8]),
    *(f'<guid isPermaLink="false">{link}</guid>' for link in LINKS[:4]),
    f'<atom:link rel="alternate" href="{BASE}/atom-in-rss"/>',
    f'<atom:link rel="self" href="{BASE}/self"/>',
    *(f"<pubDate>{d}</pubDate>" for d in DATES),
    *(f"<dc:date>{d}</dc:date>" for d in DATES[::3]),
    "<description><![CDATA[<p>texte <a href='/x'>lien</a></p>]]></description>",
    "<content:encoded><![CDATA[<p>tout</p><script>x()</script>]]></content:encoded>",
    "<category><![CDATA[Tech]]></category>",
    "<dc:creator>Salma</dc:creator>",
    f'<enclosure url="{BASE}/a.mp3" type="audio/mpeg" length="1"/>',
    f'<media:content url="{BASE}/i.jpg" medium="image"/>',
    f"<comments>{BASE}/c/#respond</comments>",
    "<x:note>inconnu</x:note>",
    "<source url='https://autre.ma/'>Autre</source>",
    "<media:title>m</media:title>",
    "<title>a<!-- c -->b</title>",
]
_ATOM_PARTS = [
    *(f"<title>{t}</title>" for t in TITLES[::2]),
    '<title type="html">&lt;b&gt;x&lt;/b&gt;</title>',
    *(f'<link href="{link}"/>' for link in LINKS[:10]),
    f'<link rel="replies" type="text/html" href="{BASE}/r"/>',
    f'<link rel="alternate" type="application/pdf" href="{BASE}/p.pdf"/>',
    *(f"<id>{link}</id>" for link in LINKS[::3]),
    "<id>tag:site.ma,2026:7</id>",
    *(f"<updated>{d}</updated>" for d in DATES[::2]),
    *(f"<published>{d}</published>" for d in DATES[1::2]),
    "<summary>s</summary>",
    '<content type="html">&lt;p&gt;c&lt;/p&gt;</content>',
    "<author><name>N</name></author>",
    "<thr:total>2</thr:total>",
]
_HEAD = (
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:media="http://search.yahoo.com/mrss/" xmlns:x="http://example.org/x"'
)
_BASES = ["", ' xml:base="https://autre.ma/dossier/"', ' xml:base="/racine/"', ' xml:base="sous/"']
_CONTENT_TYPES = ["application/rss+xml", "text/xml", "text/html", "", "application/xml"]


def _random_feed(rng: random.Random, number: int) -> Feed:
    shape = rng.choice(["rss", "rss", "atom", "rdf"])
    atom = shape == "atom"
    parts = _ATOM_PARTS if atom else _RSS_PARTS
    abouts = ["", f' rdf:about="{BASE}/about"', ' rdf:about="relatif"']
    items = "".join(
        ("<entry{}>{}</entry>" if atom else "<item{}>{}</item>").format(
            rng.choice(_BASES) + (rng.choice(abouts) if shape == "rdf" else ""),
            "".join(rng.choice(parts) for _ in range(rng.randint(0, 6))),
        )
        for _ in range(rng.randint(1, 4))
    )
    if shape == "rdf":
        text = (
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            f'xmlns="http://purl.org/rss/1.0/" {_HEAD}><channel rdf:about="{BASE}/">'
            f'<title>S</title><items><rdf:Seq><rdf:li rdf:resource="{BASE}/a"/></rdf:Seq></items>'
            f'<image rdf:resource="{BASE}/i.png"/></channel>'
            f"<image><title>S</title><url>{BASE}/i.png</url><link>{BASE}</link></image>"
            f"{items}</rdf:RDF>"
        )
    elif atom:
        text = (
            f'<feed xmlns="http://www.w3.org/2005/Atom" '
            f'xmlns:thr="http://purl.org/syndication/thread/1.0"{rng.choice(_BASES)}>'
            f"<title>S</title>{items}</feed>"
        )
    else:
        text = (
            f'<rss version="2.0" {_HEAD}><channel{rng.choice(_BASES)}><title>S</title>'
            f"{items}</channel></rss>"
        )
    encoding = rng.choice(["utf-8", "utf-8", "utf-16", "cp1256-declared", "utf-8-bom"])
    if encoding == "utf-16":
        body = ('<?xml version="1.0" encoding="utf-16"?>' + text).encode("utf-16")
    elif encoding == "cp1256-declared":
        body = ('<?xml version="1.0" encoding="windows-1256"?>' + text).encode("cp1256", "replace")
    else:
        body = ('<?xml version="1.0" encoding="UTF-8"?>' + text).encode()
        if encoding == "utf-8-bom":
            body = b"\xef\xbb\xbf" + body
    if rng.random() < 0.1:
        body = body[: rng.randint(len(body) // 2, len(body))]  # cut off in transfer
    url = rng.choice([feed_corpus.FEED_URL, f"{BASE}/rubrique/tech/feed", "https://autre.ma/rss"])
    return Feed(f"random feed {number}", body, rng.choice(_CONTENT_TYPES), url)


def test_feeds_assembled_at_random_read_the_same():
    rng = random.Random(28)
    feeds = [_random_feed(rng, n) for n in range(400)]
    for feed in feeds:
        _assert_same(feed)
    fast = sum(_takes_lxml(feed) for feed in feeds)
    assert 0.2 * len(feeds) < fast < 0.9 * len(feeds), fast


def test_a_fault_of_the_lxml_path_costs_no_link(monkeypatch, caplog):
    """A bug in the lxml reading (an exception it does not expect) leaves an error line with
    its traceback, and the feed is read by feedparser."""

    def broken(body: bytes, base_url: str, content_type: str):
        raise KeyError("a fault")

    feed = feed_corpus.realistic(3)[0]
    expected = _outcome(_feedparser, feed)
    monkeypatch.setattr(discover, "read_entries", broken)
    with caplog.at_level(logging.ERROR, logger="crawler.discovery.discover"):
        assert discover.parse_feed(feed.body, feed.url, feed.content_type) == expected
    assert "reading it with lxml failed" in caplog.text and "KeyError" in caplog.text
