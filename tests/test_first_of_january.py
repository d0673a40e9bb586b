"""An article dated 1 January by the day and month its page shows is dated that day.

Date guessers write a year alone as midnight on 1 January (« 2025 » in an address becomes
« 2025-01-01 »), so a bare 1 January is read as a year and never stored as a publication date.
A page that shows its day (« Publié dans X le 01 - 01 - 2026 », « 1 janvier 2026 », « 01/01/2026 »
where a source's profile says the date is, « 1 يناير 2026 ») wrote a day and a month: the
article was left undated, and counted as published when it was fetched, every 1 January.
"""

from __future__ import annotations

import asyncio

import pytest

from crawler.extraction.dates import PAGE_BYLINE, PAGE_PROFILE
from crawler.extraction.extract import extract_article
from crawler.extraction.profiles import SiteProfile
from crawler.items import ArticleItem
from crawler.pipelines import ExtractPipeline

FRENCH = (
    "Le ministère de la Transition numérique a présenté à Rabat sa feuille de route pour les "
    "centres de données souverains. Trois sites seront ouverts d'ici 2028, dont un à Benguerir "
    "en partenariat avec l'UM6P, qui héberge déjà le supercalculateur Toubkal. "
)
ARABIC = (
    "قدمت وزارة الانتقال الرقمي بالرباط خارطة الطريق الخاصة بمراكز البيانات السيادية، وسيتم "
    "افتتاح ثلاثة مواقع في أفق سنة 2028 من بينها موقع ببنجرير بشراكة مع جامعة محمد السادس "
    "متعددة التخصصات التقنية التي تحتضن الحاسوب الفائق توبقال. "
)


def _page(body: str, lang: str = "fr") -> str:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>Cloud souverain'
        f"</title></head><body><article><h1>Cloud souverain</h1>{body}</article></body></html>"
    )


def _byline_page(day: str) -> str:
    return _page(
        '<span class="articlenewspaper">Publié dans <a href="/fr/infomagazine">InfoMagazine</a> '
        f'le {day}</span><span class="articlecontent"><p>{FRENCH}</p><p>{FRENCH}</p></span>'
        '<a href="https://www.infomagazine.ma/cloud-souverain/">Cliquez ici pour lire '
        "l'article depuis sa source</a>"
    )


SHOWN = [
    ("fr", "Publié le 01/01/2026", "2026-01-01"),
    ("fr", "Jeudi 1 janvier 2026", "2026-01-01"),
    ("fr", "01.01.2025", "2025-01-01"),
    ("ar", "الخميس 1 يناير 2026", "2026-01-01"),
    ("ar", "1 جانفي 2026", "2026-01-01"),
    # and another day, as before
    ("fr", "Publié le 02/01/2026", "2026-01-02"),
]


@pytest.mark.parametrize(
    ("day", "expected"), [("01 - 01 - 2026", "2026-01-01"), ("02 - 01 - 2026", "2026-01-02")]
)
def test_a_byline_of_1_january_dates_the_article(day, expected):
    page = _byline_page(day)
    extracted = extract_article(page, "https://www.maghress.com/fr/infomagazine/368954")
    assert extracted.date is not None
    assert (extracted.date.value, extracted.date.precision, extracted.date.origin) == (
        expected,
        "day",
        PAGE_BYLINE,
    )
    item = ArticleItem(
        source="maghress", fetched_url="https://www.maghress.com/fr/infomagazine/368954", html=page
    )
    item = asyncio.run(ExtractPipeline(crawler=None).process_item(item))
    assert (item.published, item.published_origin) == (expected, PAGE_BYLINE)


@pytest.mark.parametrize(("lang", "shown", "expected"), SHOWN)
def test_a_day_shown_where_the_profile_says_dates_the_article(lang, shown, expected):
    text = ARABIC if lang == "ar" else FRENCH
    page = _page(f'<p class="date">{shown}</p><p>{text}</p><p>{text}</p>', lang)
    profile = SiteProfile(date_xpath="//p[@class='date']")
    extracted = extract_article(page, "https://www.example.ma/actualite/cloud-souverain", profile)
    assert extracted.date is not None
    assert (extracted.date.value, extracted.date.precision, extracted.date.origin) == (
        expected,
        "day",
        PAGE_PROFILE,
    )


@pytest.mark.parametrize("shown", ["Janvier 2026", "يناير 2026", "2026", "Juillet 2025"])
def test_a_month_or_a_year_shown_alone_dates_no_article(shown):
    """Where the profile says the date is, a page showing a month and year alone (a magazine's
    issue, « Janvier 2026 ») or a year shows no day: it is no publication day, where its 1st was
    taken for one (the 1st of January since 1 January is read as a day there, and a year alone
    as the 1st of the current month)."""
    page = _page(f'<p class="date">{shown}</p><p>{FRENCH}</p><p>{FRENCH}</p>')
    profile = SiteProfile(date_xpath="//p[@class='date']")
    extracted = extract_article(page, "https://www.example.ma/actualite/cloud-souverain", profile)
    assert extracted.date is None or extracted.date.origin != PAGE_PROFILE, extracted.date
