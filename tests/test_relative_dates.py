"""A date a site's profile shows relative to when the page is read (« il y a 3 heures », « hace
2 horas », « منذ 3 ساعات », « 5 hours ago ») is counted back from the crawl's fetch, on the
site's clock, and never overrides the feed's date.

dateparser counted it from its own clock, at extraction: a saved page, a rerun or
`veille extract` of a file gave it another date each time, « il y a 3 heures » read as UTC was an
hour off in Casablanca, and, read where the profile says the date is, it overrode the feed's
exact date. Extraction now leaves it as shown (`Extracted.shown_relative`); the crawl's
extraction stage, which knows the fetch's moment (injected here), counts it back, or says why
not (further back than 7 days: « il y a 3 semaines » is no day). The pages under
tests/fixtures/extraction/relative_dates/ are shaped on real sites, each with a ticker and a
teaser of relative dates of their own.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.core.times import stored_date
from crawler.extraction.dates import FEED, PAGE_RELATIVE, parse_shown_date
from crawler.extraction.extract import extract_article
from crawler.extraction.profiles import SiteProfile
from crawler.items import ArticleItem
from crawler.pipelines import ExtractPipeline

PAGES = Path(__file__).parent / "fixtures" / "extraction" / "relative_dates"
URL = "https://www.example.ma/article/1"
# The fetch: 13:45 UTC, 14:45 in Casablanca.
FETCHED = datetime(2026, 11, 12, 13, 45, tzinfo=UTC)

# page: (its profile's date_xpath, as shown, as stored when fetched at FETCHED)
RELATIVE = {
    "fr-il-y-a-heures.html": (
        "//div[@class='article-meta']/span[@class='publish-time']",
        "Publié il y a 3 heures",
        "2026-11-12T10:45:00Z",
    ),
    "es-hace-horas.html": (
        "//p[@class='firma']/span[@class='fecha-relativa']",
        "Publicado hace 2 horas",
        "2026-11-12T11:45:00Z",
    ),
    "ar-mundhu-saat.html": (
        "//div[@class='post-meta']/span[@class='time-ago']",
        "نشر منذ 3 ساعات",
        "2026-11-12T10:45:00Z",
    ),
    "en-hours-ago.html": (
        "//div[@class='td-module-meta-info']/span[@class='td-ago']",
        "Posted 5 hours ago",
        "2026-11-12T08:45:00Z",
    ),
}


def _filled(name: str, fetched: datetime, feed_published: str | None = None) -> ArticleItem:
    """The page through the crawl's extraction stage, fetched at `fetched`."""
    xpath = RELATIVE[name][0]
    item = ArticleItem(
        source="site",
        fetched_url=URL,
        html=(PAGES / name).read_text(encoding="utf-8"),
        profile=SiteProfile(date_xpath=xpath),
        feed_title="feed title",
        feed_published=feed_published,
    )
    stage = ExtractPipeline(crawler=None)
    return stage.fill(item, asyncio.run(stage._extract(item)), now=fetched)


@pytest.mark.parametrize("name", sorted(RELATIVE))
def test_a_relative_date_is_counted_back_from_the_fetch(name):
    xpath, shown, stored = RELATIVE[name]
    page = (PAGES / name).read_text(encoding="utf-8")
    extracted = extract_article(page, URL, SiteProfile(date_xpath=xpath))
    # extraction alone knows no fetch: the date is left as shown, said as such
    assert (extracted.date, extracted.shown_relative) == (None, shown)
    assert not extracted.notes  # not « found no readable date »
    item = _filled(name, FETCHED)
    assert item.published is not None and stored_date(item.published) == stored
    assert item.published_origin == PAGE_RELATIVE
    assert not item.notes
    # fetched a day later, the same page is dated a day later: the fetch's clock, not the
    # machine's
    later = _filled(name, FETCHED.replace(day=13))
    assert later.published is not None
    assert stored_date(later.published) == stored.replace("-12T", "-13T")


def test_a_feeds_date_wins_over_a_relative_one():
    item = _filled("fr-il-y-a-heures.html", FETCHED, feed_published="2026-11-12T10:47:12Z")
    assert (item.published, item.published_origin) == ("2026-11-12T10:47:12Z", FEED)


@pytest.mark.parametrize(
    ("shown", "stored"),
    [
        ("hier à 18h40", "2026-11-11T17:40:00Z"),  # its own time of day, on the site's clock
        ("aujourd'hui à 09:05", "2026-11-12T08:05:00Z"),
        ("il y a 2 jours", "2026-11-10"),  # a day alone
        ("Publié aujourd'hui", "2026-11-12"),  # a day: not the fetch's time of day
        ("اليوم", "2026-11-12"),
        ("il y a 3 semaines", None),  # no day: not kept, and said
        ("dans 3 heures", None),  # after the fetch
    ],
)
def test_what_a_relative_date_gives(shown, stored):
    name = "fr-il-y-a-heures.html"
    page = (PAGES / name).read_text(encoding="utf-8").replace("Publié il y a 3 heures", shown)
    item = ArticleItem(
        source="site",
        fetched_url=URL,
        html=page,
        profile=SiteProfile(date_xpath=RELATIVE[name][0]),
        feed_title="feed title",
    )
    stage = ExtractPipeline(crawler=None)
    item = stage.fill(item, asyncio.run(stage._extract(item)), now=FETCHED)
    assert (stored_date(item.published) if item.published else None) == stored
    if stored is None:
        (note,) = item.notes
        assert note[0] == "extraction" and f"« {shown} » counted back from the fetch" in note[1]
        assert "not kept as the publication date" in note[1]


def test_a_relative_date_is_no_shown_date_without_a_fetch():
    """parse_shown_date (a profile's date, a saved page's) reads no relative date: it would be
    counted from whenever it runs."""
    for shown in ("il y a 3 heures", "hace 2 horas", "منذ 3 ساعات", "3 hours ago", "Yesterday"):
        assert parse_shown_date(shown) is None
    assert parse_shown_date("Mercredi 23 juillet 2025") == "2025-07-23"


def test_veille_extract_says_a_relative_date_is_the_crawls_to_count(tmp_path):
    from click.testing import CliRunner

    from monitors.cli import cli

    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - name: site\n    homepage: https://www.example.ma/\n"
        "    languages: [fr]\n    feeds: [https://www.example.ma/rss]\n"
        f'    date_xpath: "{RELATIVE["fr-il-y-a-heures.html"][0]}"\n',
        encoding="utf-8",
    )
    page = str(PAGES / "fr-il-y-a-heures.html")
    shown = CliRunner().invoke(
        cli, ["--sources", str(sources), "extract", page, "--source", "site"]
    )
    assert shown.exit_code == 0, shown.output
    assert (
        "published: - (the page shows « Publié il y a 3 heures »: a crawl counts it back from "
        "its fetch)\n"
    ) in shown.output
