"""StorePipeline writes new articles in batches: by count, by age (driven by a fake clock), and
the rest when the crawl ends; a batch the database refuses is reported, not lost silently. On
both engines (the `engine` fixture), with the same assertions."""

from __future__ import annotations

import contextlib
import sqlite3
from typing import Any

from scrapy.utils.test import get_crawler
from twisted.internet.task import Clock

from crawler.bookkeeping import CrawlBookkeeping
from crawler.core.normalize import content_hash
from crawler.items import ArticleItem
from crawler.journal import CrawlJournal
from crawler.pipelines import StorePipeline
from crawler.storage import store

TEXT = (
    "Le ministère de la Transition numérique a présenté à Rabat la feuille de route des centres "
    "de données souverains, article numéro {n}, avec un calendrier de déploiement sur trois ans."
)


def crawl_of(db) -> tuple[Any, CrawlJournal]:
    """What a pipeline stage is built from: a Scrapy crawler (its signals and stats collector)
    whose spider holds the journal, with the bookkeeping extension counting what is stored."""
    crawler = get_crawler(settings_dict={"EXTENSIONS": {CrawlBookkeeping: 500}})
    journal = CrawlJournal(db, store.start_run(db, ["site"]), crawler)
    keeper = crawler.get_extension(CrawlBookkeeping)  # held by the crawler, as in a crawl
    keeper.journal = journal  # as the news spider hands it over (crawler.bookkeeping)
    return crawler, journal


def errors(db) -> list[str]:
    return [row[0] for row in db.execute("SELECT message FROM crawl_errors")]


def item(n: int) -> ArticleItem:
    text = TEXT.format(n=n) + f" Paragraphe propre à l'article {n} : " + "détail " * n
    url = f"https://site.ma/article-{n}/"
    return ArticleItem(
        "site", url, "", url=url, title=f"Article {n}", text=text, content_hash=content_hash(text)
    )


def stored(db) -> int:
    return db.execute("SELECT count(*) FROM articles").fetchone()[0]


def test_articles_are_written_by_batch_by_age_and_at_the_end(db_location):
    db = store.open_database(db_location)
    store.add_sources(db, ["site"])
    crawler, journal = crawl_of(db)
    pipeline = StorePipeline(crawler)
    clock = Clock()
    pipeline.timer.clock = clock
    pipeline.open_spider()

    for n in range(StorePipeline.BATCH_SIZE - 1):
        pipeline.process_item(item(n))
    assert stored(db) == 0  # still pending
    pipeline.process_item(item(99))
    assert stored(db) == StorePipeline.BATCH_SIZE  # a full batch is written at once

    pipeline.process_item(item(100))
    clock.advance(StorePipeline.BATCH_SECONDS / 2)
    assert stored(db) == StorePipeline.BATCH_SIZE
    clock.advance(StorePipeline.BATCH_SECONDS)
    assert stored(db) == StorePipeline.BATCH_SIZE + 1  # an old pending batch is written

    pipeline.process_item(item(101))
    pipeline.process_item(item(101))  # the same page twice in one batch: stored once
    pipeline.close_spider()
    assert stored(db) == StorePipeline.BATCH_SIZE + 2
    assert journal.counts("site")["new"] == StorePipeline.BATCH_SIZE + 2
    assert journal.counts("site")["duplicates"] == 1
    assert not errors(db) and not pipeline.timer.running


@contextlib.contextmanager
def another_writer_holds_the_articles(db, location: str):
    """Another connection holds a write lock the store batch needs, and `db` waits for it only
    0.1 s: SQLite's whole-file lock (BEGIN EXCLUSIVE), PostgreSQL's lock on the articles table."""
    if db.engine == "sqlite":
        db.conn.execute("PRAGMA busy_timeout = 100")
        other = sqlite3.connect(location)
        other.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            other.rollback()
            other.close()
        return
    import psycopg

    db.execute("SET lock_timeout = '100ms'")
    with psycopg.connect(location) as other:  # a transaction, rolled back on the way out
        other.execute("LOCK TABLE articles IN ACCESS EXCLUSIVE MODE")
        yield
        other.rollback()


def test_a_batch_that_cannot_be_written_is_reported_and_keeps_listings_unsaved(db_location, caplog):
    db = store.open_database(db_location)
    store.add_sources(db, ["site"])
    crawler, journal = crawl_of(db)
    pipeline = StorePipeline(crawler)
    pipeline.open_spider()
    pipeline.timer.stop()  # batches by count and at the end only
    with another_writer_holds_the_articles(db, db_location):
        pipeline.process_item(item(1))
        pipeline.close_spider()
    assert stored(db) == 0
    assert journal.articles_lost  # the crawl will not save its validators: listings come again
    # The fault is counted and logged (on SQLite the locked file cannot take its record either).
    assert journal.counts("site")["errors"] == 1
    (line,) = [r.getMessage() for r in caplog.records if "not stored: " in r.getMessage()]
    assert "lock" in line.split("not stored: ", 1)[1]  # "database is locked", "lock timeout"


def _stored(n: int, url: str | None = None) -> store.StoredArticle:
    text = TEXT.format(n=n)
    return store.StoredArticle(
        source="site",
        url=url or f"https://site.ma/{n}",
        title=f"Article {n}",
        author=None,
        published="2026-11-16T10:00:00+01:00",
        language="fr",
        sitename=None,
        description=None,
        text=text,
        content_hash=content_hash(text),
    )


def test_a_batch_stored_as_matched_has_its_new_articles_off_the_match_queue(db_location):
    """`veille import --no-alerts` stores its batches as already matched: each new article is
    written matched (the copy of one in the same batch found stored, not new), and a later
    batch stored without it waits for the matcher."""
    db = store.open_database(db_location)
    store.add_sources(db, ["site"])
    at = "2026-12-01T00:00:00+00:00"
    results = store.store_articles(
        db, [_stored(1), _stored(2), _stored(1, "https://site.ma/1?utm_source=x")], matched_at=at
    )
    assert [is_new for _, is_new in results] == [True, True, False]
    matched = db.execute("SELECT matched_at FROM articles ORDER BY id").fetchall()
    assert [row[0] for row in matched] == [at, at]
    assert store.unmatched_articles(db, 0, 10) == []
    store.store_articles(db, [_stored(3)])
    assert [a.url for a in store.unmatched_articles(db, 0, 10)] == ["https://site.ma/3"]
