"""A stored publication date keeps the precision it was written with. Storing writes a moment in
UTC and a day alone as its day (crawler.core.times.stored_date), so the stored spelling says which
it is: a time of day is a moment, whatever hour it reads in UTC, and a bare day is a day, 1 January
too. Read as pages and date guessers write dates (midnight is a day, midnight on 1 January a year),
every article of the first minute of a UTC day (01:00 in Casablanca in winter, 19:00 in New York
the day before) was shown as a day, and one of 1 January as a year alone: in alerts, French and
Arabic, in the reader, and left out of a source's rhythm of publication. On SQLite and PostgreSQL,
for a new database and for one of the previous version respelled when it is opened."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.core.times import stored_date
from crawler.extraction.dates import (
    FEED,
    PAGE_METADATA,
    choose_published,
    found,
    precision_of,
    stored_precision,
)
from crawler.storage import store
from crawler.storage.importer import ImportRecord, import_records
from monitors.alerts.localized import format_day, format_when
from monitors.alerts.messages import SAMPLE_ALERT, alert_context
from monitors.service.pacing import publication_moment

from .conftest import database_from
from .dated_articles import rewind_stored_dates

# (as a page, feed or import file writes it, as it is stored, French, Arabic): in Casablanca,
# UTC+1 in November and January.
MOMENTS = [
    # the first minute of a UTC day, written at +01:00 (01:00 in Casablanca), -05:00, any second
    (
        "2023-11-01T01:00:00+01:00",
        "2023-11-01T00:00:00Z",
        "1 nov. 2023, 01:00",
        "1 نونبر 2023، 01:00",
    ),
    (
        "2026-11-19T19:00:00-05:00",
        "2026-11-20T00:00:00Z",
        "20 nov. 2026, 01:00",
        "20 نونبر 2026، 01:00",
    ),
    (
        "2026-11-20T01:00:59+01:00",
        "2026-11-20T00:00:59Z",
        "20 nov. 2026, 01:00",
        "20 نونبر 2026، 01:00",
    ),
    # and of 1 January: not a year
    (
        "2026-01-01T01:00:00+01:00",
        "2026-01-01T00:00:00Z",
        "1 jan. 2026, 01:00",
        "1 يناير 2026، 01:00",
    ),
    (
        "2025-12-31T19:00:00-05:00",
        "2026-01-01T00:00:00Z",
        "1 jan. 2026, 01:00",
        "1 يناير 2026، 01:00",
    ),
    ("2026-01-01T12:00:00Z", "2026-01-01T12:00:00Z", "1 jan. 2026, 13:00", "1 يناير 2026، 13:00"),
]
DAYS = [
    # a day alone, and midnight as the writer's clock reads it (+01:00, +00:00, Z, -05:00, none)
    ("2026-11-20", "2026-11-20", "20 nov. 2026", "20 نونبر 2026"),
    ("2026-11-20T00:00:00+01:00", "2026-11-20", "20 nov. 2026", "20 نونبر 2026"),
    ("2026-11-20T00:00:00+00:00", "2026-11-20", "20 nov. 2026", "20 نونبر 2026"),
    ("2026-11-20T00:00:00Z", "2026-11-20", "20 nov. 2026", "20 نونبر 2026"),
    ("2026-11-20T00:00:00-05:00", "2026-11-20", "20 nov. 2026", "20 نونبر 2026"),
    ("2026-11-20T00:00:30", "2026-11-20", "20 nov. 2026", "20 نونبر 2026"),
    # 1 January written as a day: a day, not a year
    ("2026-01-01", "2026-01-01", "1 jan. 2026", "1 يناير 2026"),
]
CLASS = MOMENTS + DAYS


@pytest.mark.parametrize("written, stored, french, arabic", CLASS)
def test_a_stored_date_is_shown_as_precisely_as_it_was_written(written, stored, french, arabic):
    assert stored_date(written) == stored
    assert format_when(stored, "fr") == french
    assert format_when(stored, "ar") == arabic
    # what an alert shows of its article's stored date
    row = {**SAMPLE_ALERT, "published": stored}
    assert alert_context(row, lang="ar")["article"]["published"] == arabic
    assert alert_context(row, lang="fr")["article"]["published"] == french


@pytest.mark.parametrize("written, stored, french, arabic", MOMENTS)
def test_storing_a_moment_does_not_change_the_day_or_the_hour_it_shows(
    written, stored, french, arabic
):
    """The moment as written and as stored are the same moment, in any zone: the reader's days
    of a watchlist in New York too."""
    for zone in ("Africa/Casablanca", "America/New_York", "Asia/Tokyo", "UTC"):
        assert format_when(stored, "fr", zone) == format_when(written, "fr", zone)
        assert format_day(stored, "ar", zone) == format_day(written, "ar", zone)
    assert format_day("2026-11-20T00:00:00Z", "fr", "America/New_York") == "19 nov. 2026"


def test_a_moment_of_the_first_minute_of_a_utc_day_counts_in_its_hour():
    """A source's rhythm of publication (monitors.service.pacing) counts the articles whose
    date has a time of day: one at 01:00 in Casablanca is one at 00:00 UTC, not a day."""
    assert publication_moment("2023-11-01T00:00:00Z", None) == datetime(2023, 11, 1, tzinfo=UTC)
    assert publication_moment("2026-01-01T00:00:59Z", None) == datetime(
        2026, 1, 1, 0, 0, 59, tzinfo=UTC
    )
    assert publication_moment("2026-11-20", "2026-11-20T10:00:00Z") is None  # a day: no hour
    assert publication_moment("2026-01-01", None) is None


def test_the_guessers_year_alone_is_still_a_year_and_never_stored():
    """htmldate gives midnight on 1 January when it found only a year (« 2025 » in a URL): such
    a date is read as a year where dates are found, and choose_published never keeps one, so
    that no stored date is a year."""
    guessed = found("2025-01-01T00:00:00", PAGE_METADATA)
    assert guessed is not None and guessed.precision == "year"
    assert precision_of("2025-01-01") == "year"
    assert choose_published(guessed, None) is None
    listed = found("2026-01-01T00:00:00Z", FEED)  # a feed's moment at UTC midnight on 1 January
    assert choose_published(guessed, listed) == listed


def _records() -> list[ImportRecord]:
    return [
        ImportRecord(
            line=i + 1,
            url=f"https://example.ma/article-{i}",
            title=f"Programme régional numéro {i}",
            text=f"Le ministère annonce un programme numéro {i} pour les régions du Royaume, selon "
            "un communiqué diffusé dans la soirée par l'agence officielle de presse.",
            published=written,
            source="exemple",
            language="fr",
        )
        for i, (written, *_) in enumerate(CLASS)
    ]


def _stored(location: str) -> list[str]:
    db = store.open_database(location)
    try:
        rows = db.execute("SELECT url, published FROM articles").fetchall()
    finally:
        db.close()
    by_url = dict(rows)
    return [by_url[f"https://example.ma/article-{i}"] for i in range(len(CLASS))]


@pytest.fixture
def location(engine, tmp_path, request):
    path = tmp_path / "v.db"
    db = store.open_database(path)
    import_records(db, _records(), alerts=False)
    db.close()
    return database_from(request, engine, path)


# An import file is read as pages are, except for the spelling veille's own export writes a
# moment in, which stays that moment even at midnight (tests/test_import_dates.py).
IMPORTED = {
    "2026-11-20T00:00:00Z": (
        "2026-11-20T00:00:00Z",
        "20 nov. 2026, 01:00",
        "20 نونبر 2026، 01:00",
    )
}


def test_stored_dates_are_shown_in_alerts_as_precisely_as_written(location):
    stored = _stored(location)
    imported = [IMPORTED.get(written, rest) for written, *rest in CLASS]
    assert stored == [s for s, _, _ in imported]
    assert [format_when(s, "fr") for s in stored] == [f for _, f, _ in imported]
    assert [format_when(s, "ar") for s in stored] == [a for _, _, a in imported]


def test_an_older_databases_dates_mean_what_they_meant(location, engine):
    """Respelled when an older database is opened, each date keeps what the previous version
    read in it as written (precision_of): a moment in Casablanca's hour, a midnight as its day.
    Only a midnight on 1 January without a zone, a guesser's year, which the crawl never
    stores, is now its day."""
    rewind_stored_dates(location, engine, [written for written, *_ in CLASS])
    stored = _stored(location)  # the step ran at the open
    assert stored == [s for _, s, _, _ in CLASS]
    for (written, _, french, arabic), now in zip(CLASS, stored, strict=True):
        before = precision_of(written)
        assert stored_precision(now) == before or (before, written) == ("year", "2026-01-01")
        assert format_when(now, "fr") == french and format_when(now, "ar") == arabic
