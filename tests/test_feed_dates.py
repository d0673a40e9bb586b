"""A feed's publication date keeps its time of day when it falls at 00:00 UTC. Discovery hands
on a feed's date in UTC, and a moment at 00:00 UTC (« Sun, 01 Nov 2026 01:00:00 +0100 », an
article of 01:00 in Casablanca in winter) then read as midnight, which is how a day alone is
written: the article's only date was stored as its day, and on 1 January read as a year alone
and not kept. Both readings of a feed (lxml, feedparser), RSS and Atom."""

from __future__ import annotations

import pytest

from crawler.core.times import stored_date
from crawler.discovery.discover import _parse_feed_with_feedparser, parse_feed
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
