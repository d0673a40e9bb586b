"""The date a page shows in a plain byline element (`span.date`), where its markup declares none.

Arabic bylines (« 12 نونبر 2026 », « الخميس 12 نوفمبر 2026 - 10:30 ») were read by neither
trafilatura nor htmldate: Moroccan, Levantine (« تشرين الثاني ») and Egyptian (« 09:15 م »)
month names and marks, Eastern Arabic digits. The pages under
tests/fixtures/extraction/byline_dates/ carry, besides the article's own byline date, a ticker
and a « Lire aussi » teaser with dates of their own (named as such, or not named at all, before
or after the headline), in Arabic, French, Spanish and English: the article's date is the one
read, never a teaser's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.extraction.dates import PAGE_BYLINE, parse_shown_date, read_shown_day
from crawler.extraction.extract import extract_article

PAGES = Path(__file__).parent / "fixtures" / "extraction" / "byline_dates"
UPDATES = Path(__file__).parent / "fixtures" / "extraction" / "byline_updates"

# page: (the date extraction gives, its precision); a time of day the page shows without a zone
# is read on the site's clock, Casablanca's by default (UTC+1 in November)
BYLINE_DATES = {
    # Moroccan month names; a ticker above and a « اقرأ أيضا » teaser below, each dated.
    "ar-nonbir-span-date.html": ("2026-11-12", "day"),
    # A weekday and a time; a sidebar of dated news before the headline, an unnamed « اقرأ
    # أيضا » box after the article.
    "ar-weekday-time-sidebar-first.html": ("2026-11-12T10:30:00+01:00", "time"),
    # Levantine month names in Eastern Arabic digits, the date above the headline.
    "ar-levant-date-above-title.html": ("2026-11-04", "day"),
    # Egyptian: « 09:15 م » is 21:15; the element is named in camel case (« newsDate »).
    "ar-masri-pm.html": ("2026-11-07T21:15:00+01:00", "time"),
    # htmldate reads no Spanish month name in a byline.
    "es-fecha-span.html": ("2026-11-12T10:30:00+01:00", "time"),
    # htmldate reads the day; the byline gives it its time of day.
    "fr-date-heure-span.html": ("2026-11-12T10:30:00+01:00", "time"),
    "en-date-pm-span.html": ("2026-11-12T15:05:00+01:00", "time"),
}


@pytest.mark.parametrize("name", sorted(BYLINE_DATES))
def test_the_date_shown_in_the_byline_is_the_articles(name):
    value, precision = BYLINE_DATES[name]
    page = (PAGES / name).read_text(encoding="utf-8")
    extracted = extract_article(page, f"https://www.example.ma/article/{name}")
    assert extracted.date is not None
    assert (extracted.date.value, extracted.date.precision) == (value, precision)
    assert extracted.date.origin == PAGE_BYLINE


def test_the_markup_date_still_wins_over_the_byline():
    page = (PAGES / "ar-nonbir-span-date.html").read_text(encoding="utf-8")
    page = page.replace(
        "</head>",
        '<meta property="article:published_time" content="2026-11-12T09:05:00+01:00"></head>',
    )
    extracted = extract_article(page, "https://www.example.ma/article/1")
    assert extracted.date is not None and extracted.date.value == "2026-11-12T09:05:00+01:00"


def test_no_date_is_taken_from_a_teaser_or_a_ticker_alone():
    """With the article's own byline date gone, the ticker's and the teaser's dates are left
    unread: the page has no date."""
    page = (PAGES / "ar-nonbir-span-date.html").read_text(encoding="utf-8")
    page = page.replace('<span class="date">12 نونبر 2026</span>', "")
    extracted = extract_article(page, "https://www.example.ma/article/1")
    assert extracted.date is None


@pytest.mark.parametrize("widget", ["recent-comments", "twitter-tweets"])
def test_no_date_is_taken_from_a_readers_comment_or_a_tweet(widget):
    """A widget of readers' latest comments, or of tweets, each with its time, sits before the
    article on a page whose headline its title does not name (a forum's thread title)."""
    body = "".join(
        f"<p>الفقرة {n}: أصبحت شبكة الجيل الخامس تغطي ثماني مدن في المملكة، حسب الوكالة الوطنية "
        "لتقنين المواصلات التي نشرت حصيلتها الفصلية لقطاع الاتصالات.</p>"
        for n in range(1, 5)
    )
    page = (
        '<html lang="ar"><head><title>منتدى التقنية</title></head><body>'
        f'<div class="{widget}"><div class="item"><span class="date">03 نونبر 2026 - '
        "08:15</span> شكرا على المعلومة</div></div>"
        '<div class="post"><h1>الجيل الخامس في ثماني مدن</h1>'
        f'<span class="date">12 نونبر 2026 - 10:30</span>{body}</div></body></html>'
    )
    extracted = extract_article(page, "https://forum.example.ma/t/5g")
    assert extracted.date is not None and extracted.date.value == "2026-11-12T10:30:00+01:00"


@pytest.mark.parametrize(
    ("shown", "value"),
    [
        ("12 نونبر 2026", "2026-11-12"),
        ("الخميس 12 نوفمبر 2026 - 10:30", "2026-11-12T10:30:00"),
        ("23 غشت 2025", "2025-08-23"),
        ("1 يوليوز 2026", "2026-07-01"),
        ("5 دجنبر 2026", "2026-12-05"),
        ("8 فيفري 2019", "2019-02-08"),
        ("الأربعاء 4 تشرين الثاني 2026", "2026-11-04"),
        ("4 تشرين الثاني/نوفمبر 2026", "2026-11-04"),
        ("السبت 3 آب 2026", "2026-08-03"),
        ("15 كانون الأول 2026", "2026-12-15"),
        ("السبت، 7 أغسطس 2026 09:15 م", "2026-08-07T21:15:00"),
        ("الجمعة، 6 نوفمبر 2026 12:05 ص", "2026-11-06T00:05:00"),
        ("12 إبريل 2026", "2026-04-12"),
        ("3 يونيه 2026", "2026-06-03"),
        ("١٢ مايو ٢٠٢٦", "2026-05-12"),
        ("12 de noviembre de 2026 - 10:30", "2026-11-12T10:30:00"),
        ("1er décembre 2026", "2026-12-01"),
        ("Thursday, November 12, 2026 3:05 PM", "2026-11-12T15:05:00"),
        ("Staff | May 10, 2022 01:52:54 PM", "2022-05-10T13:52:00"),
        # The publication's time, not the update's written before it.
        ("Updated: 18 Nov 2019 9:38 pmPosted: 18 Nov 2019 8:11 pm", "2019-11-18T20:11:00"),
        ("12 Nov 2026 9:38 amazing", "2026-11-12T09:38:00"),
        # The zone written after the time: « EST » was read as UTC, five hours early.
        ("Published 11:34 PM EST Nov 19, 2019", "2019-11-19T23:34:00-05:00"),
        ("November 19, 2019, 07:47 PM EST", "2019-11-19T19:47:00-05:00"),
        ("12 نونبر 2026 - 10:30 (GMT+1)", "2026-11-12T10:30:00+01:00"),
        ("12/11/2026 - 10:30 GMT", "2026-11-12T10:30:00+00:00"),
        ("12/11/2026 - 10:30 CST", "2026-11-12T10:30:00"),
        ("23/07/2025 - 10:45", "2025-07-23T10:45:00"),
        ("2025-07-23T10:45:00+01:00", "2025-07-23T10:45:00+01:00"),
        # No day: not a shown date; a two-digit year run into a time of day (« 28.09.19 12:44 »)
        # is not the year 1912.
        ("28.09.1912:44", None),
        ("نونبر 2026", None),
        ("10:30", None),
        ("31 نونبر 2026", None),
    ],
)
def test_shown_days_in_every_regions_month_names(shown, value):
    assert read_shown_day(shown) == value
    if value is not None:
        assert parse_shown_date(shown) == value


def test_veille_extract_shows_the_stored_utc_and_the_pages_own_time():
    """`veille extract` showed the page's own offset (« 09:40:00+01:00 ») where veille stores
    the moment in UTC (« 08:40:00Z »): both are shown, and a time the page gives without a zone
    says it is read on the site's clock."""
    from click.testing import CliRunner

    from monitors.cli import cli

    named = Path(__file__).parent / "fixtures" / "extraction" / "named_blocks"
    page = str(named / "es-bloques-en-articulo.html")
    human = CliRunner().invoke(cli, ["extract", page], catch_exceptions=False)
    assert human.exit_code == 0, human.output
    assert (
        "published: 2026-12-03T08:40:00Z as stored (UTC); "
        "2026-12-03T09:40:00+01:00 on the page (time, from the page markup)\n"
    ) in human.output
    as_json = CliRunner().invoke(cli, ["extract", page, "--json"], catch_exceptions=False)
    record = json.loads(as_json.stdout)
    assert (record["published"], record["published_stored"]) == (
        "2026-12-03T09:40:00+01:00",
        "2026-12-03T08:40:00Z",
    )

    byline = str(PAGES / "ar-weekday-time-sidebar-first.html")
    human = CliRunner().invoke(cli, ["extract", byline], catch_exceptions=False)
    assert (
        "published: 2026-11-12T09:30:00Z as stored (UTC); 2026-11-12T10:30:00 on the page, "
        "which gives no zone: read on the site's clock, Africa/Casablanca (+01:00) (time, "
        "from the page byline)\n"
    ) in human.output
    day = str(PAGES / "ar-nonbir-span-date.html")
    human = CliRunner().invoke(cli, ["extract", day], catch_exceptions=False)
    assert (
        "published: 2026-11-12 as stored (a day); 2026-11-12 on the page (day, from the page "
        "byline)\n"
    ) in human.output


# Bylines that show an update's date before the publication's, on pages shaped on real sites:
# in one element (« Mis à jour le 13/11/2026 à 09h05 · Publié le 12/11/2026 à 10h30 », « آخر
# تحديث: … | نُشر في: … », « Updated: … AMPosted: … AM ») or in two, the update's nearer the
# headline (« Actualizado 13/11/2026 09:05 » above « Publicado 12/11/2026 10:30 »). htmldate
# reads the update's day from the same elements on three of them.
BYLINE_UPDATES = [
    "fr-maj-avant-publie.html",
    "ar-tahdith-qabl-nashr.html",
    "es-actualizado-encima.html",
    "en-updated-posted.html",
]


@pytest.mark.parametrize("name", BYLINE_UPDATES)
def test_a_byline_showing_an_update_first_gives_the_publications_date(name):
    page = (UPDATES / name).read_text(encoding="utf-8")
    extracted = extract_article(page, f"https://www.example.ma/article/{name}")
    assert extracted.date is not None
    assert (extracted.date.value, extracted.date.origin) == (
        "2026-11-12T10:30:00+01:00",
        PAGE_BYLINE,
    )


@pytest.mark.parametrize(
    ("shown", "value"),
    [
        ("Mis à jour le 13/11/2026 à 09h05 · Publié le 12/11/2026 à 10h30", "2026-11-12T10:30:00"),
        # the publication's day alone, then the update's time: not the publication's time
        ("Publié le 12/11/2026 - Mis à jour le 13/11/2026 à 09:00", "2026-11-12"),
        ("Publié le 12 novembre 2026 · Mis à jour à 18h40", "2026-11-12"),
        ("Actualizado 13/11/2026 09:05 | Publicado 12/11/2026 10:30", "2026-11-12T10:30:00"),
        ("آخر تحديث: 13 نونبر 2026 - 09:05 | نُشر في: 12 نونبر 2026 - 10:30", "2026-11-12T10:30:00"),
        ("Last updated Nov 13, 2026 · Published Nov 12, 2026", "2026-11-12"),
        # the publication's day, named by no word, then the update's time: not its time
        ("12 novembre 2026 - Actualisé le 13 novembre 2026 à 08:00", "2026-11-12"),
        ("12/11/2026 | Updated 13/11/2026 9:05", "2026-11-12"),
        # an update alone is the only date shown
        ("Mis à jour le 13/11/2026 à 09h05", "2026-11-13T09:05:00"),
    ],
)
def test_a_bylines_publication_date_not_its_updates(shown, value):
    assert read_shown_day(shown) == value
    assert parse_shown_date(shown) == value
