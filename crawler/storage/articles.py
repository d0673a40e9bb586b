"""Writes of the articles' story columns (story, fingerprint, story hour, revision number): the
columns crawler.stories decides and reads, kept by the owner of the articles table.

A module of its own, apart from crawler.storage.store, because crawler.stories calls it while
crawler.storage.store calls crawler.stories (one import direction each way would be a cycle)."""

from __future__ import annotations

from crawler.storage.engine import Database


def set_story(
    db: Database, article_id: int, story_id: int, signature: bytes, shingles: int
) -> None:
    """Put the article in a story, with its MinHash signature and shingle count."""
    with db.transaction():
        db.execute(
            "UPDATE articles SET story_id = ?, signature = ?, shingles = ? WHERE id = ?",
            (story_id, signature, shingles, article_id),
        )


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
