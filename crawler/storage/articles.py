"""Writes of the articles' story columns (story, fingerprint, story hour, revision number): the
columns crawler.stories decides and reads, kept by the owner of the articles table.

A module of its own, apart from crawler.storage.store, because crawler.stories calls it while
crawler.storage.store calls crawler.stories (one import direction each way would be a cycle).
It also reads every stored article for a backtest (monitors.rules.backtest), below the rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from crawler.storage.engine import Database


def set_story(
    db: Database,
    article_id: int,
    story_id: int,
    signature: bytes,
    shingles: int,
    hour: int | None = None,
) -> None:
    """Put the article in a story, with its MinHash signature and shingle count, and with
    `hour` its story hour (an article just stored, which has none yet: one write of its row,
    not two)."""
    with db.transaction():
        if hour is None:
            db.execute(
                "UPDATE articles SET story_id = ?, signature = ?, shingles = ? WHERE id = ?",
                (story_id, signature, shingles, article_id),
            )
        else:
            db.execute(
                "UPDATE articles SET story_id = ?, signature = ?, shingles = ?, story_hour = ? "
                "WHERE id = ?",
                (story_id, signature, shingles, hour, article_id),
            )


def move_story(db: Database, story_id: int, into: int) -> None:
    """Put every article of one story in another (two stories found to be one event)."""
    with db.transaction():
        db.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", (into, story_id))


def set_fingerprint(db: Database, article_id: int, signature: bytes, shingles: int) -> None:
    """Record the article's MinHash signature and shingle count (its text changed)."""
    with db.transaction():
        db.execute(
            "UPDATE articles SET signature = ?, shingles = ? WHERE id = ?",
            (signature, shingles, article_id),
        )


def set_story_hour(db: Database, article_id: int, hour: int) -> None:
    """Record the hour (since the epoch) the story window places the article at."""
    with db.transaction():
        db.execute("UPDATE articles SET story_hour = ? WHERE id = ?", (hour, article_id))


def story_hour_of(db: Database, article_id: int) -> int | None:
    """The article's story hour, if it has one."""
    row = db.execute("SELECT story_hour FROM articles WHERE id = ?", (article_id,)).fetchone()
    return row[0] if row else None


def set_first_story_hour(db: Database, article_id: int, hour: int) -> bool:
    """Give the article its story hour if it has none yet; False when it had one (left as
    it is)."""
    with db.transaction():
        cursor = db.execute(
            "UPDATE articles SET story_hour = ? WHERE id = ? AND story_hour IS NULL",
            (hour, article_id),
        )
        return bool(cursor.rowcount)


def set_revision(db: Database, article_id: int, revision: int) -> None:
    """Record the article's revision number (how many earlier texts it has)."""
    with db.transaction():
        db.execute("UPDATE articles SET revision = ? WHERE id = ?", (revision, article_id))


class ArticleRow(NamedTuple):
    """A stored article as a backtest reads it (monitors.rules.backtest)."""

    id: int
    source: str
    published: str | None
    title: str | None
    url: str
    text: str
    language: str | None


def stored_articles(
    db: Database, since: str | None = None, since_day: str | None = None
) -> Iterator[ArticleRow]:
    """Every stored article (published, else fetched, since `since`), newest first, read as
    the caller goes. `since` is a day (YYYY-MM-DD) or the moment one begins in a time zone
    (stored UTC text, « 2026-12-05T23:00:00Z » for the 6th in Casablanca), that day then given
    as `since_day`: an article dated by a day alone is compared with the day, since « 2026-12-06 »
    sorts before « 2026-12-06T00:00:00Z » and after « 2026-12-05T23:00:00Z » (in UTC and west
    of it, the day's own articles were left out)."""
    sql = "SELECT id, source, published, title, url, text, language FROM articles"
    params: dict[str, object] = {}
    if since:
        sql += " WHERE (coalesce(published, fetched_at) >= :since"
        params["since"] = since
        if since_day:
            sql += " OR (length(published) = 10 AND published >= :since_day)"
            params["since_day"] = since_day
        sql += ")"
    sql += " ORDER BY coalesce(published, fetched_at) DESC"
    for row in db.execute(sql, params):
        yield ArticleRow(*row)
