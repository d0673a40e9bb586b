"""StorePipeline writes new articles in batches: by count, by age (driven by a fake clock), and
the rest when the crawl ends."""

from __future__ import annotations

import sqlite3
from types import SimpleNamespace

from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from twisted.internet.task import Clock

from crawler.core.normalize import content_hash
from crawler.items import ArticleItem
from crawler.journal import CrawlJournal
from crawler.pipelines import StorePipeline
from crawler.storage import store

TEXT = (
    "Le ministère de la Transition numérique a présenté à Rabat la feuille de route des centres "
    "de données souverains, article numéro {n}, avec un calendrier de déploiement sur trois ans."
)


def crawl_of(db) -> tuple[SimpleNamespace, CrawlJournal]:
    """What a pipeline stage is built from (the crawler, whose spider holds the journal), with
    Scrapy's own stats collector."""
    journal = CrawlJournal(
        db,
        store.start_run(db, ["site"]),
        SimpleNamespace(stats=MemoryStatsCollector(get_crawler())),
    )
    return SimpleNamespace(spider=SimpleNamespace(journal=journal)), journal


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


def test_articles_are_written_by_batch_by_age_and_at_the_end(tmp_path):
    db = store.open_database(tmp_path / "v.db")
    db.conn.execute("INSERT INTO sources(name) VALUES ('site')")
    db.conn.commit()
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


def test_a_batch_that_cannot_be_written_is_reported_and_keeps_listings_unsaved(tmp_path, caplog):
    db = store.open_database(tmp_path / "v.db")
    db.conn.execute("INSERT INTO sources(name) VALUES ('site')")
    db.conn.commit()
    db.conn.execute("PRAGMA busy_timeout = 100")
    crawler, journal = crawl_of(db)
    pipeline = StorePipeline(crawler)
    pipeline.open_spider()
    pipeline.timer.stop()  # batches by count and at the end only
    other = sqlite3.connect(tmp_path / "v.db")
    other.execute("BEGIN EXCLUSIVE")  # another writer holds the database
    pipeline.process_item(item(1))
    pipeline.close_spider()
    other.rollback()
    assert stored(db) == 0
    assert journal.articles_lost  # the crawl will not save its validators: listings come again
    # The fault is counted and logged (the locked database cannot take its record either).
    assert journal.counts("site")["errors"] == 1
    assert "not stored: database is locked" in caplog.text
