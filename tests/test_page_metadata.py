"""Metadata worth trusting: dates with their precision and origin, bylines, the original outlet
of republished articles, and the language of the text rather than the page's declaration."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from crawler.core.counts import DATE_IN_THE_FUTURE
from crawler.extraction.bylines import clean_author
from crawler.extraction.dates import (
    FEED,
    PAGE_MARKUP,
    PAGE_TEXT,
    choose_published,
    found,
    in_the_future,
    precision_of,
)
from crawler.extraction.extract import extract_article
from crawler.items import ArticleItem
from crawler.pipelines import ExtractPipeline

FRENCH = (
    "Le ministère de la Transition numérique a présenté mardi à Rabat sa feuille de route pour "
    "les centres de données souverains. Trois sites seront ouverts d'ici 2028, dont un à "
    "Benguerir en partenariat avec l'UM6P, qui héberge déjà le supercalculateur Toubkal. "
)
ARABIC = (
    "قدمت وزارة الانتقال الرقمي يوم الثلاثاء بالرباط خارطة الطريق الخاصة بمراكز البيانات "
    "السيادية، وسيتم افتتاح ثلاثة مواقع في أفق سنة 2028 من بينها موقع ببنجرير بشراكة مع "
    "جامعة محمد السادس متعددة التخصصات التقنية التي تحتضن الحاسوب الفائق توبقال. "
)


def _page(body: str, lang: str = "fr", head: str = "", html_attributes: str = "") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}" {html_attributes}><head><meta charset="utf-8">'
        f"<title>Cloud souverain</title>{head}</head><body><article><h1>Cloud souverain</h1>"
        f"{body}</article></body></html>"
    )


# -- dates -------------------------------------------------------------------------------------


def test_precision_reads_year_only_guesses_as_years():
    assert precision_of("2025-01-01T00:00:00") == "year"
    assert precision_of("2025-07-23") == "day"
    assert precision_of("2025-07-23T00:00:00") == "day"
    assert precision_of("2025-07-23T10:00:00Z") == "time"


def test_a_precise_feed_date_beats_a_vague_or_distant_page_date():
    feed = found("2025-07-23T10:00:00Z", FEED)
    assert choose_published(found("2025-01-01T00:00:00", PAGE_MARKUP), feed) == feed
    assert choose_published(found("2013-03-12", PAGE_MARKUP), feed) == feed  # an event's date
    assert choose_published(found("2025-07-23", PAGE_MARKUP), feed) == feed  # less precise
    assert choose_published(found("2025-07-24T08:00:00Z", PAGE_TEXT), feed) == feed  # a guess
    page = found("2025-07-23T11:30:00+01:00", PAGE_MARKUP)
    assert choose_published(page, feed) == page  # the page's own timestamp, close to the feed's


def test_without_a_feed_date_a_year_only_date_is_no_date():
    assert choose_published(found("2025-01-01T00:00:00", PAGE_MARKUP), None) is None
    day = found("2025-07-23", PAGE_MARKUP)
    assert choose_published(day, None) == day


def test_a_maghress_byline_date_is_read_day_first_and_loses_to_the_feed():
    page = _page(
        '<span class="articlenewspaper">Publié dans <a href="/fr/infomagazine">InfoMagazine</a> '
        'le 23 - 07 - 2025</span><span class="articlecontent">'
        f"<p>{FRENCH}</p><p>{FRENCH}</p></span>"
        '<a href="https://www.infomagazine.ma/cloud-souverain/">Cliquez ici pour lire '
        "l'article depuis sa source</a>"
    )
    extracted = extract_article(page, "https://www.maghress.com/fr/infomagazine/368954")
    assert extracted.date.value == "2025-07-23" and extracted.date.precision == "day"
    assert extracted.author is None  # "Publié dans InfoMagazine le" is not an author
    assert extracted.original_source == "InfoMagazine"
    assert extracted.original_url == "https://www.infomagazine.ma/cloud-souverain/"
    assert "Cliquez ici" not in extracted.text
    item = ArticleItem(
        source="maghress",
        fetched_url="https://www.maghress.com/fr/infomagazine/368954",
        html=page,
        feed_published="2025-07-23T10:00:00Z",
    )
    item = asyncio.run(ExtractPipeline(crawler=None).process_item(item))
    assert item.published == "2025-07-23T10:00:00Z" and item.published_origin == FEED
    assert item.original_source == "InfoMagazine"


@pytest.mark.parametrize(
    ("body", "html_attributes"),
    [
        (f"<p>La plateforme, lancée en 2013, compte deux millions d'usagers. {FRENCH}</p>", ""),
        (f"<p>{FRENCH}</p>", 'xmlns:fb="http://www.facebook.com/2008/fbml"'),
    ],
    ids=["a year in the text", "a year in a namespace URL"],
)
def test_years_in_the_text_or_markup_are_not_publication_dates(body, html_attributes):
    extracted = extract_article(_page(body, html_attributes=html_attributes), "https://a.ma/x/")
    assert extracted.date is None  # the feed's date, or the time first seen, will be used


def test_a_declared_timestamp_is_kept_with_its_time():
    head = '<meta property="article:published_time" content="2026-11-19T15:10:00+01:00">'
    extracted = extract_article(_page(f"<p>{FRENCH}</p>", head=head), "https://a.ma/x/")
    assert extracted.date.value == "2026-11-19T15:10:00+01:00"
    assert (extracted.date.precision, extracted.date.origin) == ("time", PAGE_MARKUP)


def test_a_date_more_than_a_day_after_the_fetch_is_not_kept_and_is_recorded():
    # A year typed 2099 for 2026 (or a template's placeholder) would keep the article at the
    # top of every newest-first list; an hour ahead (local time written as UTC) is kept.
    head = '<meta property="article:published_time" content="2099-11-19T15:10:00+01:00">'
    page = _page(f"<p>{FRENCH}</p>", head=head)
    stage = ExtractPipeline(crawler=None)

    def stored(feed_published: str | None) -> ArticleItem:
        item = ArticleItem(source="a", fetched_url="https://a.ma/x/", html=page)
        item.feed_published = feed_published
        return asyncio.run(stage.process_item(item))

    item = stored("2026-11-19T14:10:00Z")
    assert (item.published, item.published_origin) == ("2026-11-19T14:10:00Z", FEED)
    assert item.notes == [
        (
            DATE_IN_THE_FUTURE,
            "publication date 2099-11-19T15:10:00+01:00 (page markup) is more than a day after "
            "the page was fetched: not kept",
        )
    ]
    undated = stored(None)  # no other date: stored without one (dated by its fetch)
    assert undated.published is None and [k for k, _ in undated.notes] == [DATE_IN_THE_FUTURE]
    both = stored("2099-11-19T14:10:00Z")
    assert both.published is None and [k for k, _ in both.notes] == [DATE_IN_THE_FUTURE] * 2
    soon = datetime.now(UTC) + timedelta(hours=1)
    assert not in_the_future(found(soon.isoformat(), FEED), datetime.now(UTC))
    assert in_the_future(found((soon + timedelta(days=1)).isoformat(), FEED), datetime.now(UTC))


# -- bylines -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("byline", "author", "outlet"),
    [
        ("Par Salma Idrissi", "Salma Idrissi", None),
        ("By Youssef Alaoui - 23/07/2025", "Youssef Alaoui", None),
        ("Por María López, el 12 de marzo de 2025", "María López", None),
        ("بقلم هشام الإدريسي", "هشام الإدريسي", None),
        ("Salma Idrissi | 10:45", "Salma Idrissi", None),
        ("Publié dans InfoMagazine le 23 - 07 - 2025", None, "InfoMagazine"),
        ("Publié dans InfoMagazine le", None, "InfoMagazine"),
        ("نشر في هسبريس يوم 23 - 07 - 2025", None, "هسبريس"),
        ("Publié le 23/07/2025 à 10h00", None, None),
        ("Karim Tazi", "Karim Tazi", None),
    ],
)
def test_bylines_are_cleaned(byline, author, outlet):
    assert clean_author(byline) == (author, outlet)


# -- language ----------------------------------------------------------------------------------


def test_the_text_language_overrules_a_wrong_declaration():
    french = extract_article(_page(f"<p>{FRENCH}</p><p>{FRENCH}</p>", lang="en"), "https://a.ma/")
    assert french.language == "fr" and french.language_declared == "en"
    arabic = extract_article(
        _page(f"<p>{ARABIC}</p><p>{ARABIC}</p>", lang="en-US"), "https://a.ma/"
    )
    assert arabic.language == "ar"


def test_a_right_declaration_is_kept():
    extracted = extract_article(_page(f"<p>{FRENCH}</p>", lang="fr-FR"), "https://a.ma/")
    assert extracted.language == "fr" and extracted.language_declared is None


# -- republished articles in alerts ------------------------------------------------------------


def test_alerts_and_digests_name_the_original_outlet_of_a_republished_article():
    from types import SimpleNamespace

    from monitors.alerts.messages import render_alert, render_digest

    alert = {
        "title": "Cloud souverain : la feuille de route",
        "url": "https://www.maghress.com/fr/infomagazine/368954",
        "source": "maghress",
        "source_title": "Maghress",
        "published": "2025-07-23T10:00:00Z",
        "language": "fr",
        "snippet": "… le **cloud souverain** …",
        "terms": "cloud souverain",
        "original_source": "InfoMagazine",
        "original_url": "https://www.infomagazine.ma/cloud-souverain/",
    }
    watchlist = SimpleNamespace(name="cloud", title="Cloud", language="fr", templates=())
    email = render_alert(alert, watchlist, "email").body
    assert "abord par" in email and 'href="https://www.infomagazine.ma/' in email
    assert "InfoMagazine" in render_alert(alert, watchlist, "slack").body
    text = render_alert(alert, watchlist, "text").body
    assert "InfoMagazine https://www.infomagazine.ma/cloud-souverain/" in text
    assert "InfoMagazine" in render_digest([alert], watchlist, "email").body
    plain = dict(alert, original_source=None, original_url=None)
    assert "abord par" not in render_alert(plain, watchlist, "email").body
