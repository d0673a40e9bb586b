"""Publication dates are stored in one spelling, whatever the page, feed or import file wrote: a
moment in UTC (« 2026-12-05T23:30:00+01:00 » is stored « 2026-12-05T22:30:00Z »), a day alone as
its day. Every page compares them as text with UTC bounds and keys, so a date kept with its
offset sorted an hour late among the others and fell in the wrong day near midnight. An older
database gets its dates in that spelling when it is opened. On SQLite and PostgreSQL, through
`veille serve` as a user starts it."""

from __future__ import annotations

import dataclasses
import re
import urllib.parse
import urllib.request

import pytest

from crawler.core.times import stored_date
from crawler.storage import store
from crawler.storage.importer import import_records

from .dated_articles import dated_database, dated_records, rewind_stored_dates
from .reader_client import serving

# As Moroccan pages and feeds write them. Casablanca is an hour ahead of UTC in December.
PUBLISHED = {
    "Bilan du port de Tanger Med": "2026-12-05T23:30:00+01:00",  # 22:30 UTC, the 5th there
    "Forum de l'investissement à Dakhla": "2026-12-05T23:00:00Z",  # midnight: the 6th there
    "Conseil de gouvernement à Rabat": "2026-12-06T00:30:00+01:00",  # 23:30 UTC on the 5th
    "Salon de l'aéronautique à Marrakech": " 2026-12-06 13:00:00+01:00 ",  # blanks and a space
    "Journée de l'artisanat à Fès": "2026-12-04T00:00:00+01:00",  # a day written as midnight
}
STORED = [
    "2026-12-05T22:30:00Z",
    "2026-12-05T23:00:00Z",
    "2026-12-05T23:30:00Z",
    "2026-12-06T12:00:00Z",
    "2026-12-04",
]


@pytest.mark.parametrize(
    "written, stored",
    [
        ("2026-11-20T23:05:00+01:00", "2026-11-20T22:05:00Z"),
        ("2026-11-20T10:00:00.250-05:00", "2026-11-20T15:00:00Z"),
        ("2026-11-20 10:00", "2026-11-20T10:00:00Z"),  # no offset: UTC, as every reader takes it
        ("2026-11-20T10:00:00Z", "2026-11-20T10:00:00Z"),
        ("2026-11-20", "2026-11-20"),
        ("2026-11-20T00:00:00+01:00", "2026-11-20"),  # the day the page meant, not 23:00 the 19th
        ("2026-01-01T00:00:00Z", "2026-01-01"),  # a year alone, as date guessers write it
        ("  ", None),
        (None, None),
        ("hier", "hier"),  # not a date: kept as given
        # in year 10000 in UTC, past the calendar: kept as given, not an OverflowError
        ("9999-12-31T23:30:00-01:00", "9999-12-31T23:30:00-01:00"),
        ("0001-01-01T00:30:00+01:00", "0001-01-01T00:30:00+01:00"),
    ],
)
def test_a_date_has_one_stored_spelling(written, stored):
    assert stored_date(written) == stored


@pytest.fixture
def location(engine, tmp_path, request):
    return dated_database(request, engine, tmp_path / "v.db", PUBLISHED)


def _stored(location: str) -> list[str]:
    db = store.open_database(location)
    try:
        return [row[0] for row in db.execute("SELECT published FROM articles ORDER BY url")]
    finally:
        db.close()


def found(base: str, **filters: str) -> list[str]:
    """The titles the search page lists, in its order."""
    query = urllib.parse.urlencode({"q": "ministère", "order": "newest", **filters})
    with urllib.request.urlopen(f"{base}/search?{query}", timeout=30) as response:
        page = response.read().decode()
    where = {
        title: m.start()
        for title in PUBLISHED
        if (m := re.search(re.escape(title).replace("'", "(?:'|&#39;)"), page))
    }
    return sorted(where, key=where.__getitem__)


@pytest.mark.slow  # end-to-end: `veille serve` in its own process
def test_pages_sort_and_bound_the_moments_the_dates_name(location):
    assert _stored(location) == STORED
    tanger, dakhla, rabat, marrakech, fes = PUBLISHED
    with serving(location) as base:
        assert found(base) == [marrakech, rabat, dakhla, tanger, fes]
        # the 6th in Casablanca starts at 23:00 UTC on the 5th: Tanger's 23:30 there is the 5th
        assert found(base, since="2026-12-06") == [marrakech, rabat, dakhla]
        assert found(base, since="2026-12-05", until="2026-12-06") == [tanger]
        assert found(base, since="2026-12-04", until="2026-12-05") == [fes]


def test_an_older_database_gets_its_dates_in_the_one_spelling(location, engine):
    rewind_stored_dates(location, engine, list(PUBLISHED.values()))
    assert _stored(location) == STORED  # the migration ran at the open


FAR = "9999-12-31T23:30:00-01:00"  # year 10000 in UTC: no datetime holds it


def test_a_date_past_the_calendar_in_utc_is_kept_as_written(location, engine, tmp_path):
    """A date whose moment in UTC falls outside the calendar (a placeholder of year 9999 west of
    UTC, as a page or an import file may write it) is kept as written: its conversion raised
    OverflowError, so an older database holding one could not be opened any more (the step
    failed at every open, every command a traceback) and veille import stopped at it."""
    rewind_stored_dates(location, engine, list(PUBLISHED.values()))
    db = store.open_database(location)
    try:
        with db.transaction():
            db.execute(
                "UPDATE articles SET published = ? WHERE url = ?",
                (FAR, "https://example.ma/article-0"),
            )
    finally:
        db.close()
    assert _stored(location) == [FAR, *STORED[1:]]  # the migration ran at the open
    fresh = store.open_database(tmp_path / "fresh.db")
    try:
        far = dataclasses.replace(dated_records(PUBLISHED)[0], published=FAR)
        import_records(fresh, [far], alerts=False)
        assert fresh.execute("SELECT published FROM articles").fetchall() == [(FAR,)]
    finally:
        fresh.close()


@pytest.mark.slow  # end-to-end: `veille serve` in its own process
def test_a_moment_past_the_calendar_in_the_readers_zone_is_shown(tmp_path):
    """An article dated in the last hour of 9999 in UTC (an import's placeholder: the crawl
    keeps no date so far ahead) is in year 10000 in Casablanca: the reader's search page and
    article page answered 500, veille search stopped with a traceback, and an alert naming its
    date could not be written (OverflowError). It is shown on its stored day."""
    from click.testing import CliRunner

    from monitors.alerts.localized import format_day, format_when
    from monitors.cli import cli

    path = tmp_path / "v.db"
    db = store.open_database(path)
    try:
        far = dataclasses.replace(dated_records(PUBLISHED)[0], published="9999-12-31T23:30:00Z")
        import_records(db, [far], alerts=False)
        (article,) = db.execute("SELECT id FROM articles").fetchall()
    finally:
        db.close()
    printed = CliRunner().invoke(cli, ["--db", str(path), "search", "ministère"])
    assert printed.exit_code == 0, printed.output
    assert f"9999-12-31  exemple  {far.title}" in printed.stdout
    assert "9999" in format_when(far.published, "fr") and "9999" in format_day(far.published, "ar")
    with serving(path) as base:
        assert found(base) == [far.title]
        with urllib.request.urlopen(f"{base}/articles/{article[0]}", timeout=30) as response:
            assert response.status == 200
