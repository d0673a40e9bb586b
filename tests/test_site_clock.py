"""A time of day a page shows without its zone is read on the site's clock, not as UTC.

Moroccan bylines and meta tags write « 10:30 » or « 2026-11-12T10:30:00 » in Casablanca's time
(UTC+1, UTC+0 during Ramadan). Read as UTC, every such article was stored an hour late: after
articles published after it, in the next day near midnight, and alerted as older than it was.
A source may name another clock (`timezone:` in the sources file, or in its `defaults:`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.core.errors import ConfigError
from crawler.core.times import stored_date
from crawler.discovery.sources import load_sources
from crawler.extraction.extract import extract_article
from crawler.extraction.profiles import SiteProfile

PAGES = Path(__file__).parent / "fixtures" / "extraction" / "byline_dates"

SOURCES = """\
defaults:
  interval_minutes: 30
sources:
  - name: site-ma
    homepage: https://www.example.ma/
    languages: [ar]
    feeds: [https://www.example.ma/rss]
  - name: site-paris
    homepage: https://www.example.fr/
    languages: [fr]
    feeds: [https://www.example.fr/rss]
    timezone: Europe/Paris
  - name: site-utc
    homepage: https://www.example.com/
    languages: [en]
    feeds: [https://www.example.com/rss]
    timezone: UTC
"""


def _stored(page: str, profile: SiteProfile) -> str | None:
    extracted = extract_article(page, "https://www.example.ma/article/1", profile)
    assert extracted.date is not None
    return stored_date(extracted.date.value)


@pytest.fixture
def sources(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES, encoding="utf-8")
    return load_sources(path)


def test_a_bylines_time_is_the_sources_clock(sources):
    """« الخميس 12 نوفمبر 2026 - 10:30 » on a Moroccan site is 09:30 UTC; the same page on a
    Paris site is 09:30 UTC too in November (UTC+1), and on a site said to be on UTC, 10:30."""
    page = (PAGES / "ar-weekday-time-sidebar-first.html").read_text(encoding="utf-8")
    assert _stored(page, sources.by_name("site-ma").profile) == "2026-11-12T09:30:00Z"
    assert _stored(page, sources.by_name("site-utc").profile) == "2026-11-12T10:30:00Z"
    summer = page.replace("12 نوفمبر 2026", "12 يوليو 2026")
    # July: Casablanca UTC+1, Paris UTC+2.
    assert _stored(summer, sources.by_name("site-ma").profile) == "2026-07-12T09:30:00Z"
    assert _stored(summer, sources.by_name("site-paris").profile) == "2026-07-12T08:30:00Z"


def test_casablancas_clock_during_ramadan_is_utc():
    """Morocco sets its clocks back to UTC for Ramadan (from 15 February 2026 to 22 March): a
    fixed +01:00 would be an hour wrong then."""
    page = (PAGES / "fr-date-heure-span.html").read_text(encoding="utf-8")
    ramadan = page.replace("2026-11-12", "2026-03-01").replace("12 novembre 2026", "1 mars 2026")
    extracted = extract_article(ramadan, "https://www.example.ma/article/1", SiteProfile())
    assert extracted.date is not None
    assert extracted.date.value == "2026-03-01T10:30:00+00:00"
    assert extracted.date.clock == "Africa/Casablanca"


def test_a_zone_the_page_gives_and_a_day_alone_are_kept():
    page = (PAGES / "ar-nonbir-span-date.html").read_text(encoding="utf-8")
    day = extract_article(page, "https://www.example.ma/article/1", SiteProfile(timezone="UTC"))
    assert day.date is not None and (day.date.value, day.date.clock) == ("2026-11-12", None)
    declared = page.replace(
        "</head>",
        '<meta property="article:published_time" content="2026-11-12T09:05:00-05:00"></head>',
    )
    moment = extract_article(declared, "https://www.example.ma/article/1", SiteProfile())
    assert moment.date is not None
    assert (moment.date.value, moment.date.clock) == ("2026-11-12T09:05:00-05:00", None)
    assert stored_date(moment.date.value) == "2026-11-12T14:05:00Z"


@pytest.mark.parametrize(
    ("where", "written", "error"),
    [
        ("source", "timezone: Africa/Casablanka", "'Africa/Casablanka' is not a known time zone"),
        ("source", "timezone: 1", "timezone must be a time zone name, got 1"),
        ("defaults", "timezone: Europe/Pariss", "'Europe/Pariss' is not a known time zone"),
    ],
)
def test_an_unknown_timezone_stops_the_load_with_its_line(tmp_path, where, written, error):
    lines = SOURCES.splitlines()
    if where == "source":
        lines.insert(lines.index("    feeds: [https://www.example.ma/rss]") + 1, f"    {written}")
        expected_line = lines.index(f"    {written}") + 1
    else:
        lines.insert(2, f"  {written}")
        expected_line = 3
    path = tmp_path / "sources.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert error in message
    assert f":{expected_line}" in message
    assert "IANA time zone name, e.g. timezone: Africa/Casablanca" in message
