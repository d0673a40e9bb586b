"""A feed's publication date keeps its time of day when it falls at 00:00 UTC. Discovery hands
on a feed's date in UTC, and a moment at 00:00 UTC (« Sun, 01 Nov 2026 01:00:00 +0100 », an
article of 01:00 in Casablanca in winter) then read as midnight, which is how a day alone is
written: the article's only date was stored as its day, and on 1 January read as a year alone
and not kept. Both readings of a feed (lxml, feedparser), RSS and Atom.

A date a feed writes without its zone is on the source's clock, as a page's is
(tests/test_site_clock.py): feedparser read it as UTC, an hour late in Casablanca, or, written
with its weekday (« Thu, 12 Nov 2026 10:30:00 »), not at all. The feeds under
tests/fixtures/feeds/ are shaped on real sites' feeds (an RSS from a CMS that writes no zone, an
Atom feed without offsets)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.core.times import stored_date
from crawler.discovery.discover import (
    _parse_feed_with_feedparser,
    parse_entry_point,
    parse_feed,
)
from crawler.discovery.sources import load_sources
from crawler.extraction.dates import FEED, choose_published, found, stored_precision
from monitors.alerts.localized import format_when

# (as the feed writes it, its precision, as it is stored, in French in Casablanca)
RSS = [
    ("Sun, 01 Nov 2026 01:00:00 +0100", "time", "2026-11-01T00:00:00Z", "1 nov. 2026, 01:00"),
    ("Sat, 31 Oct 2026 19:00:00 -0500", "time", "2026-11-01T00:00:00Z", "1 nov. 2026, 01:00"),
    ("Sun, 01 Nov 2026 01:00:59 +0100", "time", "2026-11-01T00:00:59Z", "1 nov. 2026, 01:00"),
    ("Thu, 01 Jan 2026 01:00:00 +0100", "time", "2026-01-01T00:00:00Z", "1 jan. 2026, 01:00"),
    ("Sun, 01 Nov 2026 10:30:00 +0100", "time", "2026-11-01T09:30:00Z", "1 nov. 2026, 10:30"),
    # midnight on the feed's clock: a day, as a page's midnight is
    ("Sun, 01 Nov 2026 00:00:00 GMT", "day", "2026-11-01", "1 nov. 2026"),
    ("Sun, 01 Nov 2026 00:00:00 +0000", "day", "2026-11-01", "1 nov. 2026"),
    ("Thu, 01 Jan 2026 00:00:00 GMT", "day", "2026-01-01", "1 jan. 2026"),
]
ATOM = [
    ("2026-11-01T01:00:00+01:00", "time", "2026-11-01T00:00:00Z", "1 nov. 2026, 01:00"),
    ("2026-10-31T19:00:00-05:00", "time", "2026-11-01T00:00:00Z", "1 nov. 2026, 01:00"),
    ("2026-11-01T00:00:00Z", "day", "2026-11-01", "1 nov. 2026"),
    ("2026-11-01", "day", "2026-11-01", "1 nov. 2026"),
]


def _rss(written: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        "<link>https://e.ma/</link><item><title>Conseil de gouvernement</title>"
        f"<link>https://e.ma/a</link><pubDate>{written}</pubDate></item></channel></rss>"
    ).encode()


def _atom(written: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>t</title><id>https://e.ma/</id><updated>2026-11-01T10:00:00Z</updated><entry>"
        '<title>Conseil de gouvernement</title><link href="https://e.ma/a"/><id>https://e.ma/a</id>'
        f"<published>{written}</published><updated>{written}</updated></entry></feed>"
    ).encode()


@pytest.mark.parametrize(
    "body, precision, stored, french",
    [(_rss(w), p, s, f) for w, p, s, f in RSS] + [(_atom(w), p, s, f) for w, p, s, f in ATOM],
)
def test_a_feeds_date_keeps_its_time_of_day_at_midnight_in_utc(body, precision, stored, french):
    for read in (parse_feed, _parse_feed_with_feedparser):
        (link,) = read(body, "https://e.ma/feed", "application/rss+xml").links
        listed = found(link.published, FEED)
        assert listed is not None and listed.precision == precision, link.published
        chosen = choose_published(None, listed)  # a page without a date of its own
        assert chosen is not None
        assert stored_date(chosen.value) == stored
        assert stored_precision(stored) == precision
        assert format_when(stored, "fr") == french


FEEDS = Path(__file__).parent / "fixtures" / "feeds"
SOURCES = """\
sources:
  - name: lematin
    homepage: https://lematin.example.ma/
    languages: [fr]
    feeds: [https://lematin.example.ma/rss/economie.xml]
  - name: lematin-paris
    homepage: https://paris.example.fr/
    languages: [fr]
    feeds: [https://paris.example.fr/rss.xml]
    timezone: Europe/Paris
"""


@pytest.fixture
def sources(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES, encoding="utf-8")
    return load_sources(path)


def _stored_dates(body: bytes, timezone: str) -> list[tuple[str | None, str | None]]:
    """(publication, modification) as stored, for each entry of the feed, read both ways."""
    readings = [
        parse_entry_point(
            "feed", body, "https://lematin.example.ma/rss", "application/rss+xml", timezone=timezone
        ).links,
        _parse_feed_with_feedparser(
            body, "https://lematin.example.ma/rss", "text/xml", timezone
        ).links,
    ]
    assert readings[0] == readings[1]
    stored = []
    for link in readings[0]:
        chosen = choose_published(None, found(link.published, FEED))
        stored.append((stored_date(chosen.value) if chosen else None, link.modified))
    return stored


def test_a_feeds_date_without_its_zone_is_on_the_sources_clock(sources):
    """« Thu, 12 Nov 2026 10:30:00 » in a Moroccan site's feed is 10:30 in Casablanca, 09:30 UTC
    (feedparser read « 11 Nov 2026 16:45:00 » as UTC, an hour late, and the weekday form not at
    all: the article lost its feed's date); on a source whose clock is Paris's, 09:30 UTC too in
    November. A date with its zone, and a midnight (a day), are kept as written."""
    rss = (FEEDS / "rss-pubdate-without-zone.xml").read_bytes()
    expected = [
        ("2026-11-12T09:30:00Z", None),
        ("2026-11-11T15:45:00Z", None),
        ("2026-11-10T08:15:00Z", None),  # « +0100 »
        ("2026-11-09", None),  # midnight: a day
    ]
    assert _stored_dates(rss, sources.by_name("lematin").timezone) == expected
    assert _stored_dates(rss, sources.by_name("lematin-paris").timezone) == expected
    summer = rss.replace(b"Nov 2026", b"Jul 2026")  # Casablanca UTC+1, Paris UTC+2
    assert _stored_dates(summer, sources.by_name("lematin-paris").timezone)[:2] == [
        ("2026-07-12T08:30:00Z", None),
        ("2026-07-11T14:45:00Z", None),
    ]
    assert _stored_dates(summer, "UTC")[0] == ("2026-07-12T10:30:00Z", None)


def test_an_atom_feeds_dates_without_their_zone_are_on_the_sources_clock(sources):
    """Atom's <published> and <updated> without an offset: the article's date, and the
    modification the crawl compares with its copy's fetch to fetch it again, both in
    Casablanca's time."""
    atom = (FEEDS / "atom-updated-without-zone.xml").read_bytes()
    assert _stored_dates(atom, sources.by_name("lematin").timezone) == [
        ("2026-11-12T09:30:00Z", "2026-11-12T10:02:00Z"),
        (None, "2026-11-10T08:15:00Z"),  # « +01:00 »
    ]


def test_a_news_sitemaps_date_without_its_zone_is_on_the_sources_clock(sources):
    """A news sitemap's « 2026-11-12T10:30:00 » (the W3C format asks for a zone after a time;
    sites leave it out) was read as UTC, an hour late in Casablanca; so was its <lastmod>."""
    body = (FEEDS / "sitemaps" / "news-without-zone.xml").read_bytes()
    links = parse_entry_point(
        "sitemap",
        body,
        "https://lematin.example.ma/sitemap-news.xml",
        timezone=sources.by_name("lematin").timezone,
    ).links
    stored = [
        (stored_date(link.published), stored_date(link.modified) if link.modified else None)
        for link in links
    ]
    assert stored == [
        ("2026-11-12T09:30:00Z", "2026-11-12T10:02:00Z"),
        ("2026-11-10T08:15:00Z", "2026-11-10T08:20:00Z"),  # « +01:00 »
        ("2026-11-09", None),  # a day
    ]


def test_a_feeds_twelve_hour_time_without_its_zone_is_on_the_sources_clock(sources, caplog):
    """feedparser took « PM » for a zone it does not know and dropped it: « Thu, 12 Nov 2026
    10:30 PM » was read as 10:30 UTC, twelve hours early, and « 04:45 PM +0000 » lost its zone
    as well. On twenty-four hours, a zoneless one is on the source's clock as the others are. A
    numeric date whose day and month cannot be told apart (« 12/11/2026 10:30 PM ») is not
    read, its entry kept, and the feed's log says so."""
    rss = (FEEDS / "rss-twelve-hour-without-zone.xml").read_bytes()
    with caplog.at_level("WARNING", logger="crawler.discovery.discover"):
        stored = _stored_dates(rss, sources.by_name("lematin").timezone)
    assert stored == [
        ("2026-11-12T21:30:00Z", None),  # 10:30 PM in Casablanca
        ("2026-11-12T08:05:00Z", None),  # 09:05 AM
        ("2026-11-10T23:15:00Z", None),  # 12:15 AM: a quarter past midnight
        ("2026-11-10T16:45:00Z", None),  # « 04:45 PM +0000 »
        (None, None),
    ]
    warnings = [r.getMessage() for r in caplog.records if "twelve-hour" in r.getMessage()]
    assert len(warnings) == 2  # once for the feed, by each reader
    assert "https://lematin.example.ma/rss: 1 entries kept without their date" in warnings[0]
    assert "« 12/11/2026 10:30 PM »" in warnings[0]
    assert _stored_dates(rss, "UTC")[0] == ("2026-11-12T22:30:00Z", None)
