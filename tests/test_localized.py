"""Dates and numbers in alerts and the reader as French, English and Arabic write them, in the
configured time zone (monitors.alerts.localized, Babel)."""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

from monitors.alerts.display import FSI, PDI
from monitors.alerts.localized import format_day, format_number, format_when
from monitors.alerts.messages import SAMPLE_ALERT, render_alert, render_combined_digest
from monitors.alerts.plurals import counted
from monitors.web.app import ReaderConfig, create_app

from .reader_client import WATCHLISTS, running

pytestmark = pytest.mark.slow  # end-to-end: real processes (README, "Development")

NNBSP = "\u202f"  # CLDR's French thousands separator (narrow no-break space)


@dataclass(frozen=True)
class _Watchlist:
    name: str = "souverainete"
    title: str = "Souveraineté numérique"
    language: str = "fr"
    timezone: str = "Africa/Casablanca"
    templates: tuple = ()


def test_a_timestamp_in_each_language_and_time_zone():
    utc = "2026-11-21T10:15:00Z"
    assert format_when(utc, "fr") == "21 nov. 2026, 11:15"  # Casablanca is UTC+1
    assert format_when(utc, "en") == "21 Nov 2026, 11:15"
    assert format_when(utc, "ar") == "21 نونبر 2026، 11:15"  # Moroccan month name
    assert format_when(utc, "fr", "Asia/Tokyo") == "21 nov. 2026, 19:15"
    assert format_when("2026-11-21T23:30:00+00:00", "en", "Asia/Tokyo") == "22 Nov 2026, 08:30"
    assert format_day("2026-11-21T23:30:00Z", "fr") == "22 nov. 2026"  # the day in Casablanca


def test_a_date_is_shown_as_precisely_as_it_is_known():
    assert format_when("2026-11-21", "fr") == "21 nov. 2026"  # not "00:00" or "01:00"
    assert format_when("2026-11-21T00:00:00", "en") == "21 Nov 2026"
    assert format_when("2025-01-01", "ar") == "1 يناير 2025"  # a day stored alone, 1 January too
    assert format_when("2025-01-01T00:00:00", "ar") == "2025"  # a guesser's year, as written
    assert format_when("", "fr") is None and format_when("hier", "fr") == "hier"


def test_numbers_and_counted_words():
    assert format_number(1234567, "fr") == f"1{NNBSP}234{NNBSP}567"
    assert format_number(1234567, "en") == "1,234,567"
    assert format_number(1234567, "ar") == "1.234.567"
    assert counted(1234, "article", "fr") == f"1{NNBSP}234 articles"
    assert counted(2500, "article", "en") == "2,500 articles"
    assert counted(1, "article", "ar") == "مقال واحد"


def test_alerts_date_articles_in_their_watchlists_language_and_time_zone():
    french = render_alert(SAMPLE_ALERT, _Watchlist(), "text").body  # 2026-11-17T10:05:00Z
    assert f"{FSI}17 nov. 2026, 11:05{PDI}" in french
    english = render_alert(SAMPLE_ALERT, _Watchlist(language="en", timezone="UTC"), "email")
    assert "<bdi>\u206817 Nov 2026, 10:05\u2069</bdi>" in english.body
    arabic = render_alert(SAMPLE_ALERT, _Watchlist(language="ar"), "slack").body
    assert f"{FSI}17 نونبر 2026، 11:05{PDI}" in arabic
    review = render_combined_digest(
        [(_Watchlist(language="en", timezone="Asia/Tokyo"), [SAMPLE_ALERT])], "en", "text"
    )
    assert "17 Nov 2026, 19:05" in review.body


def test_the_reader_shows_dates_in_the_pages_language_and_its_time_zone(tmp_path):
    from crawler.storage import store

    path = tmp_path / "veille.db"
    db = store.open_database(path)
    store.register_sources(
        db,
        [SimpleNamespace(name="q", title="Le Quotidien", homepage="http://q.test/", languages=[])],
    )
    store.store_article(
        db,
        store.StoredArticle(
            source="q",
            url="http://q.test/1",
            title="Le cloud souverain avance",
            author=None,
            published="2026-11-21T10:15:00+00:00",
            language="fr",
            sitename=None,
            description=None,
            text="Le cloud souverain avance au Maroc. " * 20,
            content_hash="h1",
        ),
    )
    db.conn.close()
    config = ReaderConfig(db=path, watchlists=WATCHLISTS, raw_data=False, timezone="Asia/Tokyo")
    with running(create_app(config)) as web:

        def page(lang: str) -> str:
            with urllib.request.urlopen(f"{web}/articles/1?lang={lang}", timeout=60) as answer:
                return answer.read().decode()

        assert "21 nov. 2026, 19:15" in page("fr")
        assert "21 Nov 2026, 19:15" in page("en")
