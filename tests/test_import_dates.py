"""`veille import` keeps a date written in veille's own stored spelling as the moment it is.

`veille export --format jsonl` and `veille search --json` write an article's date as it is
stored: a moment in UTC (« 2023-11-01T00:00:00Z ») or a day alone (« 2023-11-01 »). Storing
reads a date written at midnight as a day, as pages write one; so an article published at
01:00 in Casablanca in winter, stored at 00:00:00Z, exported and imported into another
database, came back as its day alone (and one of 1 January as a day of its year): every
article of the first minute of a UTC day lost its time through an export. Other spellings at
midnight are still a day, as pages and feeds write it.
"""

from __future__ import annotations

import json

import pytest

from crawler.extraction.dates import stored_precision
from crawler.storage import store
from crawler.storage.importer import import_file

# (as written in the file, as stored, its precision)
CLASS = [
    # veille's own spelling: a moment, whatever hour it reads
    ("2023-11-01T00:00:00Z", "2023-11-01T00:00:00Z", "time"),
    ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "time"),
    ("2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z", "time"),
    ("2023-11-01T09:30:00Z", "2023-11-01T09:30:00Z", "time"),
    # a moment written at another clock that reads midnight in UTC
    ("2023-11-01T01:00:00+01:00", "2023-11-01T00:00:00Z", "time"),
    ("2023-10-31T19:00:00-05:00", "2023-11-01T00:00:00Z", "time"),
    # midnight in other spellings: the day, as pages write one
    ("2023-11-01T00:00:00+01:00", "2023-11-01", "day"),
    ("2023-11-01T00:00:00+00:00", "2023-11-01", "day"),
    ("2023-11-01T00:00:00", "2023-11-01", "day"),
    ("2023-11-01", "2023-11-01", "day"),
    ("2024-01-01", "2024-01-01", "day"),
]


def _import(location: str, tmp_path, dates: list[str], name: str) -> dict[str, str | None]:
    path = tmp_path / f"{name}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for number, written in enumerate(dates):
            record = {
                "url": f"https://fr.le360.ma/economie/article-{number}_{104000 + number}/",
                "title": f"La commune de Fès annonce le projet numéro {number}",
                "text": (
                    f"La commune de Fès a présenté le projet numéro {number} de numérisation "
                    f"des services publics, {number * 7 + 3} guichets concernés."
                ),
                "source": "le360",
                "language": "fr",
                "published": written,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    db = store.open_database(location)
    try:
        import_file(db, path, alerts=False)
        rows = db.execute("SELECT url, published FROM articles").fetchall()
    finally:
        db.close()
    return {url: published for url, published in rows}


def _by_number(stored: dict[str, str | None]) -> list[str | None]:
    return [
        value
        for _, value in sorted(stored.items(), key=lambda row: int(row[0].rsplit("_")[-1][:-1]))
    ]


def test_each_spelling_is_stored_with_its_precision(db_location, tmp_path):
    stored = _by_number(_import(db_location, tmp_path, [written for written, *_ in CLASS], "dates"))
    assert stored == [expected for _, expected, _ in CLASS]
    assert [stored_precision(value or "") for value in stored] == [p for *_, p in CLASS]


def test_an_exported_moment_at_midnight_utc_comes_back_as_that_moment(
    db_location, tmp_path, postgres_cluster_or_none
):
    """The same articles, imported into one database, exported as they are stored, and
    imported into a second: every stored date is the same in both."""
    written = [written for written, *_ in CLASS]
    first = _import(db_location, tmp_path, written, "first")
    second_location = (
        str(tmp_path / "second.db")
        if postgres_cluster_or_none is None
        else postgres_cluster_or_none.new_database()
    )
    if postgres_cluster_or_none is None:
        store.open_database(second_location).close()
    exported = [
        first[url] or "" for url in sorted(first, key=lambda u: int(u.rsplit("_")[-1][:-1]))
    ]
    second = _import(second_location, tmp_path, exported, "exported")
    assert _by_number(second) == _by_number(first)


@pytest.fixture
def postgres_cluster_or_none(engine, request):
    return None if engine == "sqlite" else request.getfixturevalue("postgres_cluster")
