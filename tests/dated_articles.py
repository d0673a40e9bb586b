"""Databases of a few French articles dated as import files write dates, for the tests of how
dates are stored, searched and counted by day (test_search_days, test_backtest_days,
test_stored_dates, test_stored_precision): one way of making them, and one way of putting a
database back as the version before the stored-dates step left it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from crawler.storage import postgres_schema, schema, store
from crawler.storage.importer import ImportRecord, import_records

from .conftest import database_from

URL = "https://example.ma/article-{}"


def dated_records(published: Mapping[str, str], url: str = URL) -> list[ImportRecord]:
    """One import record per title, published as given, the n-th at `url` formatted with n."""
    return [
        ImportRecord(
            line=i + 1,
            url=url.format(i),
            title=title,
            text=f"{title} : le ministère annonce un programme numéro {i} pour les régions du "
            "Royaume, selon un communiqué diffusé dans la soirée par l'agence officielle.",
            published=when,
            source="exemple",
            language="fr",
        )
        for i, (title, when) in enumerate(published.items())
    ]


def dated_database(
    request, engine: str, path: Path, published: Mapping[str, str], url: str = URL
) -> str:
    """The records of `dated_records` imported (no alert) into a SQLite file at `path`, then
    on `engine` (conftest.database_from): the database's location."""
    db = store.open_database(path)
    import_records(db, dated_records(published, url), alerts=False)
    db.close()
    return database_from(request, engine, path)


def rewind_stored_dates(location: str, engine: str, written: Sequence[str]) -> None:
    """The database as the version before the stored-dates step left it: the n-th article
    (at URL) dated as `written[n]` was written, the step (SQLite 0032, PostgreSQL 0009) not
    run, so the next open runs it."""
    db = store.open_database(location)
    try:
        with db.transaction():
            for n, published in enumerate(written):
                db.execute(
                    "UPDATE articles SET published = ? WHERE url = ?", (published, URL.format(n))
                )
            if engine == "sqlite":
                db.execute("DELETE FROM _sqlite_migrations WHERE name = '0032_stored_dates'")
            else:
                db.execute(
                    f"DELETE FROM {postgres_schema.MIGRATIONS_TABLE} "
                    "WHERE owner = 'crawler.storage' AND name = '0009_stored_dates'"
                )
        if engine == "sqlite":
            db.conn.execute(f"PRAGMA user_version = {schema.schema_version() - 1}")
            db.conn.commit()
    finally:
        db.close()
